package dev.outbox.sample.order;

import static dev.outbox.sample.support.Settings.parse;
import static dev.outbox.sample.support.Settings.require;
import static dev.outbox.sample.support.Settings.requireTopic;

import dev.outbox.consumer.EventConsumer;
import dev.outbox.sample.support.ConsumerMembership;
import dev.outbox.sample.support.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Settings of the order service. {@link #fromEnv(Map)} reads them from environment variables (the name of each is
 * in its parameter's doc); {@link #of} gives the defaults for embedding. The compact constructor rejects an invalid
 * value with a message naming the variable.
 *
 * @param dbUrl                 {@code ORDER_DB_URL}: {@code jdbc:postgresql://host:port/db}. Required.
 * @param dbUser                {@code ORDER_DB_USER}. Required.
 * @param dbPassword            {@code ORDER_DB_PASSWORD}. Default empty.
 * @param dbPoolSize            {@code ORDER_DB_POOL_SIZE}: connections in the pool. Default 10.
 * @param kafkaBootstrapServers {@code ORDER_KAFKA_BOOTSTRAP_SERVERS}. Required.
 * @param consumerGroup         {@code ORDER_CONSUMER_GROUP}: this service's own group. Default {@code order-service}.
 * @param orderTopic            {@code ORDER_ORDER_TOPIC}: where the relay puts this service's events; read back to
 *                              show their partition and offset. Default {@code outbox.event.order}.
 * @param inventoryTopic        {@code ORDER_INVENTORY_TOPIC}: the inventory's replies. Default
 *                              {@code outbox.event.reservation}.
 * @param httpPort              {@code ORDER_HTTP_PORT}: 0 picks a free port. Default 8081.
 * @param httpBindAddress       {@code ORDER_HTTP_BIND_ADDRESS}: the address the HTTP API listens on; {@code 127.0.0.1}
 *                              keeps it to this host. Default {@code 0.0.0.0} (every interface, as in a container).
 * @param adminToken            {@code ORDER_ADMIN_TOKEN}: bearer token of the admin calls. Required, 16+ chars.
 * @param maxBodyBytes          {@code ORDER_MAX_BODY_BYTES}: larger request bodies get 413. Default 65536.
 * @param reserveStockDeadline  {@code ORDER_RESERVE_STOCK_DEADLINE}: how long an order waits for the inventory's
 *                              answer before it is cancelled (ISO-8601 like {@code PT30S}, or {@code 30s},
 *                              {@code 500ms}, {@code 2m}). Default 30s.
 * @param timeoutScanInterval   {@code ORDER_TIMEOUT_SCAN_INTERVAL}: how often deadlines are checked. Default 1s.
 * @param migrate               {@code ORDER_MIGRATE}: apply the library and order migrations at start. Default true.
 * @param publication           {@code ORDER_PUBLICATION}: the publication the library migration creates. Default
 *                              {@code outbox_pub}.
 * @param sagaRetention         {@code ORDER_SAGA_RETENTION}: how long a finished saga's steps and events are
 *                              kept before they are deleted ({@code 30d}, {@code 12h}, ISO-8601). Default 30d.
 * @param consumerInstanceId    {@code ORDER_CONSUMER_INSTANCE_ID}: the consumer's static group membership id, which
 *                              lets a restarted (even killed) instance take its partitions back at once. Default
 *                              {@code auto}: {@code <group>-<host name>-<HTTP port>}, stable across restarts and
 *                              unique among live instances because the port is bound (dynamic membership when the
 *                              port is 0); {@code none}: dynamic membership; anything else is used as the id.
 */
public record OrderServiceConfig(String dbUrl, String dbUser, String dbPassword, int dbPoolSize,
        String kafkaBootstrapServers, String consumerGroup, String orderTopic, String inventoryTopic, int httpPort,
        String httpBindAddress, String adminToken, int maxBodyBytes, Duration reserveStockDeadline,
        Duration timeoutScanInterval,
        boolean migrate, String publication,
        Duration sagaRetention, String consumerInstanceId) {

    public static final int DEFAULT_HTTP_PORT = 8081;

    public OrderServiceConfig {
        require(dbUrl != null && dbUrl.startsWith("jdbc:postgresql://"), "ORDER_DB_URL",
                "must be jdbc:postgresql://host:port/database, was " + dbUrl);
        require(dbUser != null && !dbUser.isBlank(), "ORDER_DB_USER", "is required");
        dbPassword = Objects.requireNonNullElse(dbPassword, "");
        require(dbPoolSize >= 2 && dbPoolSize <= 200, "ORDER_DB_POOL_SIZE", "must be 2..200, was " + dbPoolSize);
        require(kafkaBootstrapServers != null && !kafkaBootstrapServers.isBlank(), "ORDER_KAFKA_BOOTSTRAP_SERVERS",
                "is required (host:port[,host:port])");
        require(consumerGroup != null && !consumerGroup.isBlank(), "ORDER_CONSUMER_GROUP", "must not be blank");
        requireTopic(orderTopic, "ORDER_ORDER_TOPIC");
        requireTopic(inventoryTopic, "ORDER_INVENTORY_TOPIC");
        require(httpPort >= 0 && httpPort <= 65535, "ORDER_HTTP_PORT", "must be 0..65535, was " + httpPort);
        require(httpBindAddress != null && !httpBindAddress.isBlank(), "ORDER_HTTP_BIND_ADDRESS",
                "must be an address of this host such as 127.0.0.1 or 0.0.0.0 (every interface)");
        require(adminToken != null && adminToken.length() >= 16, "ORDER_ADMIN_TOKEN",
                "is required and must have at least 16 characters");
        require(maxBodyBytes >= 1024, "ORDER_MAX_BODY_BYTES", "must be at least 1024, was " + maxBodyBytes);
        require(reserveStockDeadline != null && reserveStockDeadline.toMillis() >= 100, "ORDER_RESERVE_STOCK_DEADLINE",
                "must be at least 100ms, was " + reserveStockDeadline);
        require(timeoutScanInterval != null && timeoutScanInterval.toMillis() >= 10, "ORDER_TIMEOUT_SCAN_INTERVAL",
                "must be at least 10ms, was " + timeoutScanInterval);
        require(publication != null && publication.matches("[a-z_][a-z0-9_]{0,62}"), "ORDER_PUBLICATION",
                "must be a lower-case SQL identifier, was " + publication);
        require(sagaRetention != null && sagaRetention.toMinutes() >= 1, "ORDER_SAGA_RETENTION",
                "must be at least 1m, was " + sagaRetention);
        require(ConsumerMembership.isValidSetting(consumerInstanceId),
                "ORDER_CONSUMER_INSTANCE_ID", "must be auto, none or an id of letters, digits and ._-, was "
                        + consumerInstanceId);
    }

    /** The defaults, with the four settings that have none. */
    public static OrderServiceConfig of(String dbUrl, String dbUser, String dbPassword, String kafkaBootstrapServers,
            String adminToken) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, 10, kafkaBootstrapServers, "order-service",
                "outbox.event.order", "outbox.event.reservation", DEFAULT_HTTP_PORT, "0.0.0.0", adminToken, 65_536,
                Duration.ofSeconds(30), Duration.ofSeconds(1), true, "outbox_pub", Duration.ofDays(30),
                ConsumerMembership.AUTO);
    }

    /** Reads every setting from {@code env} (usually {@code System.getenv()}). */
    public static OrderServiceConfig fromEnv(Map<String, String> env) {
        return new OrderServiceConfig(
                env.get("ORDER_DB_URL"),
                env.get("ORDER_DB_USER"),
                env.getOrDefault("ORDER_DB_PASSWORD", ""),
                parse(env, "ORDER_DB_POOL_SIZE", "10", Integer::parseInt),
                env.get("ORDER_KAFKA_BOOTSTRAP_SERVERS"),
                env.getOrDefault("ORDER_CONSUMER_GROUP", "order-service"),
                env.getOrDefault("ORDER_ORDER_TOPIC", "outbox.event.order"),
                env.getOrDefault("ORDER_INVENTORY_TOPIC", "outbox.event.reservation"),
                parse(env, "ORDER_HTTP_PORT", String.valueOf(DEFAULT_HTTP_PORT), Integer::parseInt),
                env.getOrDefault("ORDER_HTTP_BIND_ADDRESS", "0.0.0.0"),
                env.get("ORDER_ADMIN_TOKEN"),
                parse(env, "ORDER_MAX_BODY_BYTES", "65536", Integer::parseInt),
                parse(env, "ORDER_RESERVE_STOCK_DEADLINE", "30s", Settings::duration),
                parse(env, "ORDER_TIMEOUT_SCAN_INTERVAL", "1s", Settings::duration),
                parse(env, "ORDER_MIGRATE", "true", Settings::bool),
                env.getOrDefault("ORDER_PUBLICATION", "outbox_pub"),
                parse(env, "ORDER_SAGA_RETENTION", "30d", Settings::duration),
                env.getOrDefault("ORDER_CONSUMER_INSTANCE_ID", ConsumerMembership.AUTO));
    }

    /** The builder of this service's consumer: its bootstrap servers, group and membership. */
    public EventConsumer.Builder consumerBuilder(DataSource dataSource) {
        EventConsumer.Builder builder = EventConsumer.builder(dataSource, kafkaBootstrapServers, consumerGroup);
        staticMembershipId().ifPresent(builder::staticMembership);
        return builder;
    }

    /** The static membership id {@code ORDER_CONSUMER_INSTANCE_ID} comes to; empty for dynamic membership. */
    public Optional<String> staticMembershipId() {
        return ConsumerMembership.staticId(consumerInstanceId, consumerGroup, httpPort);
    }

    public OrderServiceConfig withConsumerInstanceId(String instanceId) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers, consumerGroup,
                orderTopic, inventoryTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes, reserveStockDeadline,
                timeoutScanInterval, migrate, publication, sagaRetention, instanceId);
    }

    public OrderServiceConfig withHttpPort(int port) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers, consumerGroup,
                orderTopic, inventoryTopic, port, httpBindAddress, adminToken, maxBodyBytes, reserveStockDeadline,
                timeoutScanInterval,
                migrate, publication, sagaRetention, consumerInstanceId);
    }

    public OrderServiceConfig withTopics(String orderTopic, String inventoryTopic) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers, consumerGroup,
                orderTopic, inventoryTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes, reserveStockDeadline,
                timeoutScanInterval, migrate, publication, sagaRetention, consumerInstanceId);
    }

    public OrderServiceConfig withConsumerGroup(String group) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers, group,
                orderTopic, inventoryTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes, reserveStockDeadline,
                timeoutScanInterval, migrate, publication, sagaRetention, consumerInstanceId);
    }

    public OrderServiceConfig withDeadlines(Duration reserveStock, Duration scanInterval) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers, consumerGroup,
                orderTopic, inventoryTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes, reserveStock,
                scanInterval, migrate,
                publication, sagaRetention, consumerInstanceId);
    }

    public OrderServiceConfig withDbPoolSize(int size) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, size, kafkaBootstrapServers, consumerGroup,
                orderTopic, inventoryTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes, reserveStockDeadline,
                timeoutScanInterval, migrate, publication, sagaRetention, consumerInstanceId);
    }

    public OrderServiceConfig withMaxBodyBytes(int bytes) {
        return new OrderServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers, consumerGroup,
                orderTopic, inventoryTopic, httpPort, httpBindAddress, adminToken, bytes, reserveStockDeadline,
                timeoutScanInterval,
                migrate, publication, sagaRetention, consumerInstanceId);
    }

    @Override
    public String toString() {
        // Never print the password or the admin token.
        return "OrderServiceConfig[dbUrl=" + dbUrl + ", dbUser=" + dbUser + ", kafka=" + kafkaBootstrapServers
                + ", group=" + consumerGroup + ", http=" + httpBindAddress + ":" + httpPort + ", reserveStockDeadline="
                + reserveStockDeadline + ", consumerInstanceId=" + consumerInstanceId + "]";
    }
}
