package dev.outbox.sample.inventory;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.Outbox;
import dev.outbox.OutboxConfig;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.schema.OutboxSchema.MigrationSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inventory service, embeddable: {@link #start(InventoryServiceConfig)} migrates its database, starts the
 * consumer of the order service's events and the HTTP API, and returns a handle whose {@link #close()} stops them
 * both. {@link InventoryServiceMain} runs it as a process.
 */
public final class InventoryService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InventoryService.class);

    private final HikariDataSource dataSource;
    private final DSLContext dsl;
    private final EventConsumer consumer;
    private final HttpServer server;
    private final ExecutorService httpExecutor;

    private InventoryService(InventoryServiceConfig config) throws IOException {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(config.dbUrl());
        pool.setUsername(config.dbUser());
        pool.setPassword(config.dbPassword());
        pool.setMaximumPoolSize(config.dbPoolSize());
        pool.setPoolName("inventory-service");
        this.dataSource = new HikariDataSource(pool);
        try {
            if (config.migrate()) {
                OutboxSchema.migrate(dataSource, MigrationSet.LIBRARY, config.publication());
                OutboxSchema.migrate(dataSource, MigrationSet.INVENTORY_SERVICE, config.publication());
            }
            this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
            Inventory inventory = new Inventory(Outbox.create(OutboxConfig.defaults()), config.orderTopic(),
                    config.reservationTopic());
            this.consumer = new EventConsumer("inventory-service-consumer", config.kafkaBootstrapServers(),
                    config.consumerGroup(), List.of(config.orderTopic()), dsl, inventory::onEvent,
                    Duration.ofSeconds(1));
            this.httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
            this.server = HttpServer.create(new InetSocketAddress(config.httpPort()), 0);
            server.setExecutor(httpExecutor);
            server.createContext("/", InventoryHttp.api(config, dsl));
        } catch (IOException | RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** Starts the service; fails fast (and releases what it took) when the database or the port is unusable. */
    public static InventoryService start(InventoryServiceConfig config) {
        try {
            InventoryService service = new InventoryService(config);
            service.consumer.start();
            service.server.start();
            log.info("inventory service listening on port {} ({})", service.port(), config);
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException("inventory service: cannot listen on port " + config.httpPort(), e);
        }
    }

    /** The HTTP port actually bound (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The service's database, for checks such as {@link InventoryInvariants}. */
    public DSLContext dsl() {
        return dsl;
    }

    @Override
    public void close() {
        server.stop(0);
        httpExecutor.close();
        consumer.close();
        dataSource.close();
        log.info("inventory service stopped");
    }
}
