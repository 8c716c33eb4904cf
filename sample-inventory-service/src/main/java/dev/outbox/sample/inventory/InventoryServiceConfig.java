package dev.outbox.sample.inventory;

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
 * Settings of the inventory service. {@link #fromEnv(Map)} reads them from environment variables (the name of each
 * is in its parameter's doc); {@link #of} gives the defaults for embedding. The compact constructor rejects an
 * invalid value with a message naming the variable.
 *
 * @param dbUrl                 {@code INVENTORY_DB_URL}: {@code jdbc:postgresql://host:port/db}. Required.
 * @param dbUser                {@code INVENTORY_DB_USER}. Required.
 * @param dbPassword            {@code INVENTORY_DB_PASSWORD}. Default empty.
 * @param dbPoolSize            {@code INVENTORY_DB_POOL_SIZE}: connections in the pool. Default 10.
 * @param kafkaBootstrapServers {@code INVENTORY_KAFKA_BOOTSTRAP_SERVERS}. Required.
 * @param consumerGroup         {@code INVENTORY_CONSUMER_GROUP}: this service's own group. Default
 *                              {@code inventory-service}.
 * @param orderTopic            {@code INVENTORY_ORDER_TOPIC}: the order service's events. Default
 *                              {@code outbox.event.order}.
 * @param reservationTopic      {@code INVENTORY_RESERVATION_TOPIC}: where the relay puts this service's events
 *                              (recorded with each published event). Default {@code outbox.event.reservation}.
 * @param httpPort              {@code INVENTORY_HTTP_PORT}: 0 picks a free port. Default 8082.
 * @param httpBindAddress       {@code INVENTORY_HTTP_BIND_ADDRESS}: the address the HTTP API listens on; {@code
 *                              127.0.0.1}
 *                              keeps it to this host. Default {@code 0.0.0.0} (every interface, as in a container).
 * @param adminToken            {@code INVENTORY_ADMIN_TOKEN}: bearer token of {@code PUT /stock}. Required, 16+ chars.
 * @param maxBodyBytes          {@code INVENTORY_MAX_BODY_BYTES}: larger request bodies get 413. Default 65536.
 * @param migrate               {@code INVENTORY_MIGRATE}: apply the library and inventory migrations at start.
 *                              Default true.
 * @param publication           {@code INVENTORY_PUBLICATION}: the publication the library migration creates.
 *                              Default {@code outbox_pub}.
 * @param sagaRetention         {@code INVENTORY_SAGA_RETENTION}: how long a finished saga's steps and events are
 *                              kept before they are deleted ({@code 30d}, {@code 12h}, ISO-8601). Default 30d.
 * @param consumerInstanceId    {@code INVENTORY_CONSUMER_INSTANCE_ID}: the consumer's static group membership id,
 *                              which lets a restarted (even killed) instance take its partitions back at once.
 *                              Default {@code auto}: {@code <group>-<host name>-<HTTP port>}, stable across restarts
 *                              and unique among live instances because the port is bound (dynamic membership when
 *                              the port is 0); {@code none}: dynamic membership; anything else is used as the id.
 */
public record InventoryServiceConfig(String dbUrl, String dbUser, String dbPassword, int dbPoolSize,
        String kafkaBootstrapServers, String consumerGroup, String orderTopic, String reservationTopic, int httpPort,
        String httpBindAddress, String adminToken, int maxBodyBytes, boolean migrate, String publication,
        Duration sagaRetention, String consumerInstanceId) {

    public static final int DEFAULT_HTTP_PORT = 8082;

    public InventoryServiceConfig {
        require(dbUrl != null && dbUrl.startsWith("jdbc:postgresql://"), "INVENTORY_DB_URL",
                "must be jdbc:postgresql://host:port/database, was " + dbUrl);
        require(dbUser != null && !dbUser.isBlank(), "INVENTORY_DB_USER", "is required");
        dbPassword = Objects.requireNonNullElse(dbPassword, "");
        require(dbPoolSize >= 2 && dbPoolSize <= 200, "INVENTORY_DB_POOL_SIZE", "must be 2..200, was " + dbPoolSize);
        require(kafkaBootstrapServers != null && !kafkaBootstrapServers.isBlank(),
                "INVENTORY_KAFKA_BOOTSTRAP_SERVERS", "is required (host:port[,host:port])");
        require(consumerGroup != null && !consumerGroup.isBlank(), "INVENTORY_CONSUMER_GROUP", "must not be blank");
        requireTopic(orderTopic, "INVENTORY_ORDER_TOPIC");
        requireTopic(reservationTopic, "INVENTORY_RESERVATION_TOPIC");
        require(httpPort >= 0 && httpPort <= 65535, "INVENTORY_HTTP_PORT", "must be 0..65535, was " + httpPort);
        require(httpBindAddress != null && !httpBindAddress.isBlank(), "INVENTORY_HTTP_BIND_ADDRESS",
                "must be an address of this host such as 127.0.0.1 or 0.0.0.0 (every interface)");
        require(adminToken != null && adminToken.length() >= 16, "INVENTORY_ADMIN_TOKEN",
                "is required and must have at least 16 characters");
        require(maxBodyBytes >= 1024, "INVENTORY_MAX_BODY_BYTES", "must be at least 1024, was " + maxBodyBytes);
        require(publication != null && publication.matches("[a-z_][a-z0-9_]{0,62}"), "INVENTORY_PUBLICATION",
                "must be a lower-case SQL identifier, was " + publication);
        require(sagaRetention != null && sagaRetention.toMinutes() >= 1, "INVENTORY_SAGA_RETENTION",
                "must be at least 1m, was " + sagaRetention);
        require(ConsumerMembership.isValidSetting(consumerInstanceId),
                "INVENTORY_CONSUMER_INSTANCE_ID", "must be auto, none or an id of letters, digits and ._-, was "
                        + consumerInstanceId);
    }

    /** The defaults, with the settings that have none. */
    public static InventoryServiceConfig of(String dbUrl, String dbUser, String dbPassword,
            String kafkaBootstrapServers, String adminToken) {
        return new InventoryServiceConfig(dbUrl, dbUser, dbPassword, 10, kafkaBootstrapServers, "inventory-service",
                "outbox.event.order", "outbox.event.reservation", DEFAULT_HTTP_PORT, "0.0.0.0", adminToken, 65_536,
                        true,
                "outbox_pub", Duration.ofDays(30), ConsumerMembership.AUTO);
    }

    /** Reads every setting from {@code env} (usually {@code System.getenv()}). */
    public static InventoryServiceConfig fromEnv(Map<String, String> env) {
        return new InventoryServiceConfig(
                env.get("INVENTORY_DB_URL"),
                env.get("INVENTORY_DB_USER"),
                env.getOrDefault("INVENTORY_DB_PASSWORD", ""),
                parse(env, "INVENTORY_DB_POOL_SIZE", "10", Integer::parseInt),
                env.get("INVENTORY_KAFKA_BOOTSTRAP_SERVERS"),
                env.getOrDefault("INVENTORY_CONSUMER_GROUP", "inventory-service"),
                env.getOrDefault("INVENTORY_ORDER_TOPIC", "outbox.event.order"),
                env.getOrDefault("INVENTORY_RESERVATION_TOPIC", "outbox.event.reservation"),
                parse(env, "INVENTORY_HTTP_PORT", String.valueOf(DEFAULT_HTTP_PORT), Integer::parseInt),
                env.getOrDefault("INVENTORY_HTTP_BIND_ADDRESS", "0.0.0.0"),
                env.get("INVENTORY_ADMIN_TOKEN"),
                parse(env, "INVENTORY_MAX_BODY_BYTES", "65536", Integer::parseInt),
                parse(env, "INVENTORY_MIGRATE", "true", Settings::bool),
                env.getOrDefault("INVENTORY_PUBLICATION", "outbox_pub"),
                parse(env, "INVENTORY_SAGA_RETENTION", "30d", Settings::duration),
                env.getOrDefault("INVENTORY_CONSUMER_INSTANCE_ID", ConsumerMembership.AUTO));
    }

    /** The builder of this service's consumer: its bootstrap servers, group and membership. */
    public EventConsumer.Builder consumerBuilder(DataSource dataSource) {
        EventConsumer.Builder builder = EventConsumer.builder(dataSource, kafkaBootstrapServers, consumerGroup);
        staticMembershipId().ifPresent(builder::staticMembership);
        return builder;
    }

    /** The static membership id {@code INVENTORY_CONSUMER_INSTANCE_ID} comes to; empty for dynamic membership. */
    public Optional<String> staticMembershipId() {
        return ConsumerMembership.staticId(consumerInstanceId, consumerGroup, httpPort);
    }

    public InventoryServiceConfig withConsumerInstanceId(String instanceId) {
        return new InventoryServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers,
                consumerGroup, orderTopic, reservationTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes,
                migrate, publication, sagaRetention, instanceId);
    }

    public InventoryServiceConfig withHttpPort(int port) {
        return new InventoryServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers,
                consumerGroup, orderTopic, reservationTopic, port, httpBindAddress, adminToken, maxBodyBytes,
                migrate, publication, sagaRetention, consumerInstanceId);
    }

    public InventoryServiceConfig withTopics(String orderTopic, String reservationTopic) {
        return new InventoryServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers,
                consumerGroup, orderTopic, reservationTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes,
                migrate, publication, sagaRetention, consumerInstanceId);
    }

    public InventoryServiceConfig withConsumerGroup(String group) {
        return new InventoryServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers, group,
                orderTopic, reservationTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes, migrate,
                publication, sagaRetention, consumerInstanceId);
    }

    public InventoryServiceConfig withDbPoolSize(int size) {
        return new InventoryServiceConfig(dbUrl, dbUser, dbPassword, size, kafkaBootstrapServers, consumerGroup,
                orderTopic, reservationTopic, httpPort, httpBindAddress, adminToken, maxBodyBytes, migrate,
                publication, sagaRetention, consumerInstanceId);
    }

    public InventoryServiceConfig withMaxBodyBytes(int bytes) {
        return new InventoryServiceConfig(dbUrl, dbUser, dbPassword, dbPoolSize, kafkaBootstrapServers,
                consumerGroup, orderTopic, reservationTopic, httpPort, httpBindAddress, adminToken, bytes, migrate,
                publication, sagaRetention, consumerInstanceId);
    }

    @Override
    public String toString() {
        // Never print the password or the admin token.
        return "InventoryServiceConfig[dbUrl=" + dbUrl + ", dbUser=" + dbUser + ", kafka=" + kafkaBootstrapServers
                + ", group=" + consumerGroup + ", http=" + httpBindAddress + ":" + httpPort + ", consumerInstanceId="
                + consumerInstanceId + "]";
    }
}
