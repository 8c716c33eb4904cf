package dev.outbox.sample.order;

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
 * The order service, embeddable: {@link #start(OrderServiceConfig)} migrates its database, starts the consumer of
 * the inventory's replies, the saga timeout scanner and the HTTP API, and returns a handle whose {@link #close()}
 * stops them all. {@link OrderServiceMain} runs it as a process.
 */
public final class OrderService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrderService.class);

    private final HikariDataSource dataSource;
    private final DSLContext dsl;
    private final EventConsumer consumer;
    private final TimeoutScanner scanner;
    private final HttpServer server;
    private final ExecutorService httpExecutor;

    private OrderService(OrderServiceConfig config) throws IOException {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(config.dbUrl());
        pool.setUsername(config.dbUser());
        pool.setPassword(config.dbPassword());
        pool.setMaximumPoolSize(config.dbPoolSize());
        pool.setPoolName("order-service");
        this.dataSource = new HikariDataSource(pool);
        try {
            if (config.migrate()) {
                OutboxSchema.migrate(dataSource, MigrationSet.LIBRARY, config.publication());
                OutboxSchema.migrate(dataSource, MigrationSet.ORDER_SERVICE, config.publication());
            }
            this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
            OrderSaga saga = new OrderSaga(dsl, Outbox.create(OutboxConfig.defaults()), config.orderTopic(),
                    config.reserveStockDeadline());
            this.consumer = new EventConsumer("order-service-consumer", config.kafkaBootstrapServers(),
                    config.consumerGroup(), List.of(config.inventoryTopic(), config.orderTopic()), dsl, saga::onEvent,
                    Duration.ofSeconds(1));
            this.scanner = new TimeoutScanner(dsl, config.timeoutScanInterval(), saga::onDeadline);
            this.httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
            this.server = HttpServer.create(new InetSocketAddress(config.httpPort()), 0);
            server.setExecutor(httpExecutor);
            server.createContext("/", OrderHttp.api(config, dsl, saga, new OrderQueries(dsl)));
        } catch (IOException | RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** Starts the service; fails fast (and releases what it took) when the database or the port is unusable. */
    public static OrderService start(OrderServiceConfig config) {
        try {
            OrderService service = new OrderService(config);
            service.consumer.start();
            service.server.start();
            log.info("order service listening on port {} ({})", service.port(), config);
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException("order service: cannot listen on port " + config.httpPort(), e);
        }
    }

    /** The HTTP port actually bound (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The service's database, for checks such as {@link OrderInvariants}. */
    public DSLContext dsl() {
        return dsl;
    }

    @Override
    public void close() {
        server.stop(0);
        httpExecutor.close();
        scanner.close();
        consumer.close();
        dataSource.close();
        log.info("order service stopped");
    }
}
