package dev.outbox.sample.inventory;

import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.Outbox;
import dev.outbox.OutboxConfig;
import dev.outbox.consumer.EventConsumer;
import dev.outbox.sample.inventory.OrderMessage.OrderCancelled;
import dev.outbox.sample.inventory.OrderMessage.OrderConfirmed;
import dev.outbox.sample.inventory.OrderMessage.OrderPlaced;
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
 * The inventory service, embeddable: {@link #start(InventoryServiceConfig)} migrates its database, starts the
 * consumer of the order service's events (outbox-lib's idempotent {@link EventConsumer}) and the HTTP API, and
 * returns a handle whose {@link #close()} stops them. {@link InventoryServiceMain} runs it as a process.
 */
public final class InventoryService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InventoryService.class);
    private static final Duration SAGA_RETENTION_INTERVAL = Duration.ofMinutes(10);

    private final InventoryServiceConfig config;
    private final InventoryOpsConfig ops;
    private final HikariDataSource dataSource;
    private final DSLContext dsl;
    private EventConsumer consumer;
    private SagaRetention sagaRetention;
    private SagaTimeoutScanner scanner;
    private HttpEndpoint http;

    private InventoryService(InventoryServiceConfig config, InventoryOpsConfig ops) {
        this.config = config;
        this.ops = ops;
        this.dataSource = ServicePool.create("inventory-service", config.dbUrl(), config.dbUser(), config.dbPassword(),
                config.dbPoolSize());
        this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    }

    /** Starts the service; fails fast, releasing what it took, when the database, Kafka or the port is unusable. */
    public static InventoryService start(InventoryServiceConfig config) {
        return start(config, InventoryOpsConfig.fromEnv(System.getenv()));
    }

    /** As {@link #start(InventoryServiceConfig)} with the saga-operations settings given. */
    public static InventoryService start(InventoryServiceConfig config, InventoryOpsConfig ops) {
        InventoryService service = new InventoryService(config, ops);
        ServiceStartup.startOrRelease("inventory service", config.httpPort(), service::startParts, service::close);
        log.info("inventory service listening on port {} ({})", service.port(), config);
        return service;
    }

    private void startParts() throws IOException {
        if (config.migrate()) {
            OutboxSchema.migrateLibrary(dataSource, config.publication());
            ServiceSchema.migrate(dataSource, "inventory");
        }
        SagaLog sagaLog = SagaLog.create();
        Inventory inventory = new Inventory(Outbox.create(OutboxConfig.defaults()), sagaLog,
                config.reservationTopic(), ops.reservationTtl());
        consumer = config.consumerBuilder(dataSource)
                .topics(config.orderTopic())
                .on(OrderMessage.ORDER_PLACED, OrderPlaced.class, inventory::onOrderPlaced)
                .on(OrderMessage.ORDER_CONFIRMED, OrderConfirmed.class, inventory::onOrderConfirmed)
                .on(OrderMessage.ORDER_CANCELLED, OrderCancelled.class, inventory::onOrderCancelled)
                // Other types on the order topic are not this service's business.
                .ignoreUnknownTypes(true)
                // An OrderCancelled left undone holds stock: retry longer than the default before the dead-letter
                // topic. A database that cannot be reached is retried without limit anyway.
                // One partition at a time: the records of a poll commit in one transaction per partition
                // (batchSize), so a busy consumer pays a commit per batch, not per record. Batches of partitions
                // side by side would lock the same hot stock rows in different orders and deadlock.
                .maxAttempts(ops.consumerMaxAttempts())
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(5))
                .start();
        // Reservations whose order never confirmed are released when their deadline passes.
        scanner = SagaTimeoutScanner.builder(dataSource, inventory::onTimeout)
                .sagaTypes(Inventory.SAGA_TYPE)
                .interval(ops.timeoutScanInterval())
                .maxAttempts(ops.maxAttempts())
                .start();
        // Deletes finished sagas' steps and events once older than the window; runs on its own daemon thread.
        sagaRetention = SagaRetention.schedule(dataSource, config.sagaRetention(), SAGA_RETENTION_INTERVAL);
        http = HttpEndpoint.start(config.httpBindAddress(), config.httpPort(),
                InventoryHttp.api(config, dsl, sagaLog, new InventoryAdmin(dsl, inventory), new DeadLetters(
                        config.kafkaBootstrapServers(), List.of(ops.relayDlqTopic(), config.orderTopic() + "-dlt"))));
    }

    /** The HTTP port actually bound (useful with port 0). */
    public int port() {
        return http.port();
    }

    /** The service's database, for checks such as {@link InventoryInvariants}. */
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
        log.info("inventory service stopped");
    }
}
