package dev.outbox.sample.order;

import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.Outbox;
import dev.outbox.OutboxConfig;
import dev.outbox.consumer.EventConsumer;
import dev.outbox.sample.order.InventoryReply.StockCommitFailed;
import dev.outbox.sample.order.InventoryReply.StockCommitted;
import dev.outbox.sample.order.InventoryReply.StockReleased;
import dev.outbox.sample.order.InventoryReply.StockReservationFailed;
import dev.outbox.sample.order.InventoryReply.StockReserved;
import dev.outbox.saga.SagaLog;
import dev.outbox.saga.SagaRetention;
import dev.outbox.saga.SagaTimeoutScanner;
import dev.outbox.sample.support.DeadLetters;
import dev.outbox.sample.support.HttpEndpoint;
import dev.outbox.sample.support.ServicePool;
import dev.outbox.sample.support.ServiceSchema;
import dev.outbox.sample.support.ServiceStartup;
import dev.outbox.schema.OutboxSchema;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order service, embeddable: {@link #start(OrderServiceConfig)} migrates its database, starts the consumer of
 * the inventory's replies (outbox-lib's idempotent {@link EventConsumer}), the saga timeout scanner and the HTTP API,
 * and returns a handle whose {@link #close()} stops them all. {@link OrderServiceMain} runs it as a process.
 */
public final class OrderService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrderService.class);
    private static final Duration SAGA_RETENTION_INTERVAL = Duration.ofMinutes(10);

    private final HikariDataSource dataSource;
    private final DSLContext dsl;
    private final OrderSaga saga;
    private final SagaLog sagaLog;
    private final OrderServiceConfig config;
    private final OrderOpsConfig ops;
    private EventConsumer consumer;
    private SagaTimeoutScanner scanner;
    private SagaRetention sagaRetention;
    private HttpEndpoint http;

    private OrderService(OrderServiceConfig config, OrderOpsConfig ops) {
        this.config = config;
        this.ops = ops;
        this.dataSource = ServicePool.create("order-service", config.dbUrl(), config.dbUser(), config.dbPassword(),
                config.dbPoolSize());
        this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
        this.sagaLog = SagaLog.create();
        this.saga = new OrderSaga(dsl, Outbox.create(OutboxConfig.defaults()), sagaLog, config.orderTopic(),
                config.reserveStockDeadline(), ops);
    }

    /** Starts the service; fails fast, releasing what it took, when the database, Kafka or the port is unusable. */
    public static OrderService start(OrderServiceConfig config) {
        return start(config, OrderOpsConfig.fromEnv(System.getenv()));
    }

    /** As {@link #start(OrderServiceConfig)} with the saga-operations settings given. */
    public static OrderService start(OrderServiceConfig config, OrderOpsConfig ops) {
        OrderService service = new OrderService(config, ops);
        ServiceStartup.startOrRelease("order service", config.httpPort(), service::startParts, service::close);
        log.info("order service listening on port {} ({})", service.port(), config);
        return service;
    }

    private void startParts() throws IOException {
        if (config.migrate()) {
            OutboxSchema.migrateLibrary(dataSource, config.publication());
            ServiceSchema.migrate(dataSource, "order");
        }
        consumer = config.consumerBuilder(dataSource)
                // Not its own topic: the inventory records where and when each of this service's events arrived,
                // and the saga status takes those coordinates from the inventory's view (no inbox row, no commit).
                .topics(config.inventoryTopic())
                // The inventory's replies (the saga log records each with the relay's send time, for the status).
                .on(InventoryReply.STOCK_RESERVED, StockReserved.class, saga::onStockReserved)
                .on(InventoryReply.STOCK_RESERVATION_FAILED, StockReservationFailed.class,
                        saga::onStockReservationFailed)
                .on(InventoryReply.STOCK_RELEASED, StockReleased.class, saga::onStockReleased)
                .on(InventoryReply.STOCK_COMMITTED, StockCommitted.class, saga::onStockCommitted)
                .on(InventoryReply.STOCK_COMMIT_FAILED, StockCommitFailed.class, saga::onStockCommitFailed)
                // Other types on these topics are not this saga's business.
                .ignoreUnknownTypes(true)
                // A step left undone holds stock or blocks a saga: retry longer than the default before the
                // dead-letter topic. A database that cannot be reached is retried without limit anyway.
                // One partition at a time: the records of a poll commit in one transaction per partition
                // (batchSize), so a busy consumer pays a commit per batch, not per record. Batches of partitions
                // side by side would lock the same hot customers' credit rows in different orders and deadlock.
                .maxAttempts(10)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(5))
                .start();
        scanner = SagaTimeoutScanner.builder(dataSource, saga::onTimeout)
                .sagaTypes(OrderSaga.SAGA_TYPE)
                .interval(config.timeoutScanInterval())
                .maxAttempts(ops.maxAttempts())
                .start();
        // Deletes finished sagas' steps and events once older than the window; runs on its own daemon thread.
        sagaRetention = SagaRetention.schedule(dataSource, config.sagaRetention(), SAGA_RETENTION_INTERVAL);
        InventoryClient inventory = new InventoryClient(ops);
        http = HttpEndpoint.start(config.httpBindAddress(), config.httpPort(),
                OrderHttp.api(config, dsl, saga, new OrderQueries(dsl, sagaLog, inventory),
                        new DeadLetters(config.kafkaBootstrapServers(), List.of(ops.relayDlqTopic(),
                                config.inventoryTopic() + "-dlt", config.orderTopic() + "-dlt")), inventory));
    }

    /** The HTTP port actually bound (useful with port 0). */
    public int port() {
        return http.port();
    }

    /** The service's database, for checks such as {@link OrderInvariants}. */
    public DSLContext dsl() {
        return dsl;
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        if (scanner != null) {
            scanner.close();
        }
        if (consumer != null) {
            consumer.close();
        }
        if (sagaRetention != null) {
            sagaRetention.close();
        }
        dataSource.close();
        log.info("order service stopped");
    }
}
