package dev.outbox.sandbox;

import dev.outbox.sample.inventory.InventoryService;
import dev.outbox.sample.inventory.InventoryServiceConfig;
import dev.outbox.sample.order.OrderOpsConfig;
import dev.outbox.sample.order.OrderService;
import dev.outbox.sample.order.OrderServiceConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outbox.sample.support.ServicePool;
import dev.outbox.testkit.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole sample system on one machine: the embedded servers, a database per service, one relay process per
 * database, and both services in this JVM. Parts can be stopped and started again, as an operator (or a chaos
 * test) would.
 */
final class SandboxSystem implements AutoCloseable {

    static final String ORDER_TOPIC = "outbox.event.order";
    static final String RESERVATION_TOPIC = "outbox.event.reservation";
    static final String DLQ_TOPIC = "outbox.dlq";
    static final String ADMIN_TOKEN = "sandbox-admin-token-0123456789";

    private static final Logger log = LoggerFactory.getLogger(SandboxSystem.class);
    private static final Duration RELAY_READY_TIMEOUT = Duration.ofSeconds(90);

    private final SandboxInfra infra;
    private final TestDatabase orderDatabase;
    private final TestDatabase inventoryDatabase;
    // The progress bar, the settle loops and the report query several times a second: over a pool, not a new
    // PostgreSQL backend per query (a fork and a login each, which the saga figures would pay for).
    private final HikariDataSource orderReads;
    private final HikariDataSource inventoryReads;
    private final OrderServiceConfig orderConfig;
    private final InventoryServiceConfig inventoryConfig;
    private final RelayProcess orderRelay;
    private final RelayProcess inventoryRelay;
    private final Path workDirectory;
    private OrderService orderService;
    private InventoryService inventoryService;
    private InventoryProcess inventoryProcess;
    private int inventoryPort;

    private SandboxSystem(SandboxArguments arguments, SandboxInfra infra, Path workDirectory) {
        this.infra = infra;
        this.workDirectory = workDirectory;
        this.orderDatabase = infra.emptyDatabase("orders");
        this.inventoryDatabase = infra.emptyDatabase("inventory");
        this.orderReads = ServicePool.create("sandbox-orders", orderDatabase.jdbcUrl(), orderDatabase.user(),
                orderDatabase.password(), 2);
        this.inventoryReads = ServicePool.create("sandbox-inventory", inventoryDatabase.jdbcUrl(),
                inventoryDatabase.user(), inventoryDatabase.password(), 2);
        String bootstrap = infra.kafka().bootstrapServers();
        this.orderConfig = OrderServiceConfig.of(orderDatabase.jdbcUrl(), orderDatabase.user(),
                        orderDatabase.password(), bootstrap, ADMIN_TOKEN)
                .withHttpPort(arguments.orderPort())
                .withTopics(ORDER_TOPIC, RESERVATION_TOPIC)
                .withDeadlines(arguments.deadline(), Duration.ofMillis(200));
        this.inventoryConfig = InventoryServiceConfig.of(inventoryDatabase.jdbcUrl(), inventoryDatabase.user(),
                        inventoryDatabase.password(), bootstrap, ADMIN_TOKEN)
                .withHttpPort(arguments.inventoryPort())
                .withTopics(ORDER_TOPIC, RESERVATION_TOPIC);
        this.orderRelay = new RelayProcess("order_relay", relayEnvironment(orderDatabase), workDirectory,
                freePort());
        this.inventoryRelay = new RelayProcess("inventory_relay", relayEnvironment(inventoryDatabase),
                workDirectory, freePort());
    }

    /** Starts everything; on failure stops what was started and rethrows. */
    static SandboxSystem start(SandboxArguments arguments) {
        Path workDirectory;
        try {
            workDirectory = Files.createTempDirectory("outbox-sandbox-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SandboxInfra infra = SandboxInfra.start(arguments.postgresPort(), arguments.kafkaPort(),
                arguments.durable(), arguments.postgresSettings());
        SandboxSystem system = null;
        try {
            system = new SandboxSystem(arguments, infra, workDirectory);
            system.startAll();
            return system;
        } catch (RuntimeException e) {
            if (system != null) {
                system.close();
            } else {
                infra.close();
            }
            throw e;
        }
    }

    private void startAll() {
        for (String topic : new String[] {ORDER_TOPIC, RESERVATION_TOPIC}) {
            infra.kafka().createTopic(topic, 3);
        }
        infra.kafka().createTopic(DLQ_TOPIC, 1);
        // The services migrate their databases (which creates the outbox publication) before the relays start.
        // The inventory first: the order service's console and admin calls reach it by its address.
        startInventoryService();
        startOrderService();
        orderRelay.start(RELAY_READY_TIMEOUT);
        inventoryRelay.start(RELAY_READY_TIMEOUT);
        log.info("sandbox up: order service on {}, inventory service on {}", orderService.port(),
                inventoryService.port());
    }

    private Map<String, String> relayEnvironment(TestDatabase database) {
        return RelaySettings.environment(infra.environment(database), System.getenv());
    }

    private static int freePort() {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void startOrderService() {
        OrderOpsConfig ops = OrderOpsConfig.defaults()
                .withInventory(URI.create(inventoryUrl()), ADMIN_TOKEN)
                .withRelayDlqTopic(DLQ_TOPIC);
        orderService = OrderService.start(orderService == null ? orderConfig
                : orderConfig.withHttpPort(orderService.port()), ops);
    }

    void startInventoryService() {
        inventoryService = InventoryService.start(inventoryConfig());
        inventoryPort = inventoryService.port();
    }

    /** The inventory service's settings; once it ran, with the port it had, so a restart keeps its address. */
    InventoryServiceConfig inventoryConfig() {
        return inventoryPort == 0 ? inventoryConfig : inventoryConfig.withHttpPort(inventoryPort);
    }

    void stopInventoryService() {
        inventoryService.close();
    }

    /**
     * Stops the in-JVM inventory service and starts it again as a process of its own on the same port, which can
     * be killed; the system stops it on close.
     */
    InventoryProcess runInventoryAsProcess(Duration readyTimeout) {
        stopInventoryService();
        inventoryProcess = new InventoryProcess(inventoryConfig(), workDirectory);
        inventoryProcess.start(readyTimeout);
        return inventoryProcess;
    }

    RelayProcess orderRelay() {
        return orderRelay;
    }

    RelayProcess inventoryRelay() {
        return inventoryRelay;
    }

    void restartRelay(RelayProcess relay) {
        relay.stop();
        relay.start(RELAY_READY_TIMEOUT);
    }

    String orderUrl() {
        return "http://127.0.0.1:" + orderService.port();
    }

    String inventoryUrl() {
        return "http://127.0.0.1:" + inventoryPort;
    }

    DSLContext orders() {
        return DSL.using(orderReads, SQLDialect.POSTGRES);
    }

    DSLContext inventory() {
        return DSL.using(inventoryReads, SQLDialect.POSTGRES);
    }

    String bootstrapServers() {
        return infra.kafka().bootstrapServers();
    }

    Path workDirectory() {
        return workDirectory;
    }

    @Override
    public void close() {
        // Producers of events first, so nothing is left half-sent: services, then relays, then the servers.
        closeQuietly(orderService);
        closeQuietly(inventoryService);
        closeQuietly(inventoryProcess);
        closeQuietly(orderRelay);
        closeQuietly(inventoryRelay);
        closeQuietly(orderReads);
        closeQuietly(inventoryReads);
        infra.close();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", closeable, e.toString());
        }
    }
}
