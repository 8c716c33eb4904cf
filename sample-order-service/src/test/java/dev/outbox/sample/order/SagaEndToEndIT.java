package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.sample.inventory.InventoryInvariants;
import dev.outbox.sample.inventory.InventoryService;
import dev.outbox.sample.inventory.InventoryServiceConfig;
import dev.outbox.sample.support.TestHttp;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.Postgres;
import dev.outbox.testkit.TestDatabase;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both services, each on its own database, with every outbox row moved to Kafka by a test poller that sends each
 * record TWICE (duplicate delivery everywhere). A mix of confirmations, stock rejections, credit rejections with
 * compensation, customer cancellations and a timeout with a late reservation must end with every saga terminal and
 * every invariant of docs/design.md holding (issue 5).
 */
@OutboxInfraTest
class SagaEndToEndIT {

    static final String ORDER_TOKEN = "order-admin-token-for-tests";
    static final String INVENTORY_TOKEN = "inventory-admin-token-for-tests";
    static final String PREFIX = "e2e.outbox.event.";
    static final Duration DEADLINE = Duration.ofSeconds(5);

    static TestDatabase inventoryDatabase;
    static InventoryServiceConfig inventoryConfig;
    static InventoryService inventory;
    static OrderService orders;
    static OutboxPoller orderRelay;
    static OutboxPoller inventoryRelay;
    static TestHttp orderHttp;
    static TestHttp inventoryHttp;
    static DSLContext orderDb;
    static DSLContext inventoryDb;

    @BeforeAll
    static void start(TestDatabase orderDatabase, Postgres postgres, Kafka kafka) {
        inventoryDatabase = postgres.createDatabase("inventory_e2e");
        inventoryConfig = InventoryServiceConfig
                .of(inventoryDatabase.jdbcUrl(), inventoryDatabase.user(), inventoryDatabase.password(),
                        kafka.bootstrapServers(), INVENTORY_TOKEN)
                .withHttpPort(0)
                .withDbPoolSize(4)
                .withConsumerGroup("e2e-inventory")
                .withTopics(PREFIX + "order", PREFIX + "reservation");
        inventory = InventoryService.start(inventoryConfig);
        orders = OrderService.start(OrderServiceConfig
                .of(orderDatabase.jdbcUrl(), orderDatabase.user(), orderDatabase.password(), kafka.bootstrapServers(),
                        ORDER_TOKEN)
                .withHttpPort(0)
                .withDbPoolSize(4)
                .withConsumerGroup("e2e-order")
                .withTopics(PREFIX + "order", PREFIX + "reservation")
                .withDeadlines(DEADLINE, Duration.ofMillis(200)),
                // The status view takes the Kafka coordinates of the order's own events from the inventory's view.
                OrderOpsConfig.defaults().withInventory(URI.create("http://127.0.0.1:" + inventory.port()), null));
        orderRelay = new OutboxPoller(orderDatabase.dataSource(), kafka.bootstrapServers(), PREFIX, true);
        inventoryRelay = new OutboxPoller(inventoryDatabase.dataSource(), kafka.bootstrapServers(), PREFIX, true);
        orderHttp = new TestHttp(orders.port());
        inventoryHttp = new TestHttp(inventory.port());
        orderDb = orderDatabase.dsl();
        inventoryDb = inventoryDatabase.dsl();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {orderRelay, inventoryRelay, orders, inventory,
                inventoryDatabase}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void theFullMixWithDuplicatedDeliveryEndsTerminalWithEveryInvariantHolding() {
        put(inventoryHttp, "/stock/SKU-A", "{\"unitPriceCents\":500,\"available\":50}", INVENTORY_TOKEN);
        put(inventoryHttp, "/stock/SKU-B", "{\"unitPriceCents\":1000,\"available\":5}", INVENTORY_TOKEN);
        put(orderHttp, "/customers/rich", "{\"name\":\"Rich\",\"creditLimitCents\":1000000}", ORDER_TOKEN);
        put(orderHttp, "/customers/poor", "{\"name\":\"Poor\",\"creditLimitCents\":600}", ORDER_TOKEN);

        List<UUID> confirmed = new ArrayList<>();
        List<UUID> outOfStock = new ArrayList<>();
        List<UUID> noCredit = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            confirmed.add(place("rich", "SKU-A", 1));
        }
        for (int i = 0; i < 3; i++) {
            outOfStock.add(place("rich", "SKU-B", 10));
        }
        for (int i = 0; i < 2; i++) {
            noCredit.add(place("poor", "SKU-A", 2));
        }

        List<UUID> flowing = new ArrayList<>(confirmed);
        flowing.addAll(outOfStock);
        flowing.addAll(noCredit);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> flowing.stream().noneMatch(id -> "PENDING".equals(status(id))));

        // Customer cancellations and a timeout need the order events held back, like a relay that lags.
        orderRelay.pause(true);
        List<UUID> cancelled = List.of(place("rich", "SKU-A", 1), place("rich", "SKU-A", 1));
        for (UUID orderId : cancelled) {
            assertThat(orderHttp.send("POST", "/orders/" + orderId + "/cancel", null, null).status()).isEqualTo(202);
        }
        UUID timedOut = place("rich", "SKU-A", 3);
        await().atMost(DEADLINE.plusSeconds(20)).until(() -> "CANCELLED".equals(status(timedOut)));
        orderRelay.pause(false);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> OrderInvariants.check(orderDb).isEmpty());

        assertThat(OrderInvariants.check(orderDb)).isEmpty();
        assertThat(OrderInvariants.checkAcrossServices(orderDb, inventoryDb)).isEmpty();
        assertThat(InventoryInvariants.check(inventoryDb)).isEmpty();
        confirmed.forEach(id -> assertThat(status(id)).isEqualTo("CONFIRMED"));
        outOfStock.forEach(id -> assertThat(status(id)).isEqualTo("REJECTED"));
        noCredit.forEach(id -> assertThat(status(id)).isEqualTo("REJECTED"));
        cancelled.forEach(id -> assertThat(status(id)).isEqualTo("CANCELLED"));
        assertThat(status(timedOut)).isEqualTo("CANCELLED");

        JsonNode skuA = inventoryHttp.get("/stock/SKU-A").body();
        assertThat(skuA.path("sold").asInt()).isEqualTo(10);
        assertThat(skuA.path("reserved").asInt()).isZero();
        assertThat(skuA.path("available").asInt()).isEqualTo(40);
        assertThat(inventoryHttp.get("/stock/SKU-B").body().path("available").asInt()).isEqualTo(5);
        assertThat(orderHttp.get("/customers/rich").body().path("creditAvailableCents").asLong())
                .isEqualTo(1_000_000 - 10 * 500);
        assertThat(orderHttp.get("/customers/poor").body().path("creditAvailableCents").asLong()).isEqualTo(600);
        assertThat(orderRelay.sent()).isPositive();
        assertThat(inventoryRelay.sent()).isPositive();
    }

    @Test
    void sagaStatusOfACompensatedOrderShowsEveryStepAndEventInOrderWithKafkaCoordinatesTheInventoryRecorded() {
        put(inventoryHttp, "/stock/SKU-C", "{\"unitPriceCents\":700,\"available\":10}", INVENTORY_TOKEN);
        put(orderHttp, "/customers/frugal", "{\"name\":\"Frugal\",\"creditLimitCents\":1000}", ORDER_TOKEN);
        UUID orderId = place("frugal", "SKU-C", 2);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode status = orderHttp.get("/saga/status?order_id=" + orderId).body();
            return status.path("terminal").asBoolean() && status.path("events").findValuesAsText("type").size() == 4
                    && !status.path("events").findValues("offset").stream().anyMatch(JsonNode::isNull);
        });
        JsonNode status = orderHttp.get("/saga/status?order_id=" + orderId).body();
        assertThat(status.path("orderStatus").asText()).isEqualTo("REJECTED");
        assertThat(status.path("state").asText()).isEqualTo("COMPENSATED");
        assertThat(status.path("steps").findValuesAsText("step")).containsExactly("reserve_stock", "charge_credit");
        assertThat(status.path("steps").findValuesAsText("status")).containsExactly("COMPENSATED", "FAILED");
        assertThat(status.path("events").findValuesAsText("type"))
                .containsExactly("OrderPlaced", "StockReserved", "OrderCancelled", "StockReleased");
        assertThat(status.path("events").findValuesAsText("direction"))
                .containsExactly("PUBLISHED", "CONSUMED", "PUBLISHED", "CONSUMED");
        assertThat(status.path("events").findValuesAsText("topic")).containsExactly(PREFIX + "order",
                PREFIX + "reservation", PREFIX + "order", PREFIX + "reservation");
        for (JsonNode event : status.path("events")) {
            assertThat(event.path("eventId").asText()).isNotBlank();
            assertThat(event.path("partition").isNumber()).as(event.toString()).isTrue();
            assertThat(event.path("offset").isNumber()).as(event.toString()).isTrue();
        }
        JsonNode reservations = inventoryHttp.get("/reservations?order_id=" + orderId).body();
        assertThat(reservations.path("reservations").findValuesAsText("status")).containsOnly("RELEASED");
        // The coordinates of its own events come from the inventory's view: the order service does not consume
        // them back (no inbox row, no transaction of its own for them).
        assertThat(orderDb.fetchOne("""
                SELECT count(*) FROM processed_event p JOIN saga_event e ON e.event_id = p.event_id
                WHERE e.saga_id = ? AND e.direction = 'PUBLISHED'""", orderId).get(0, Integer.class)).isZero();
    }

    @Test
    void anInventoryRestartedMidRunPicksUpWhereItStoppedAndLosesNothing() {
        put(inventoryHttp, "/stock/SKU-R", "{\"unitPriceCents\":100,\"available\":20}", INVENTORY_TOKEN);
        put(orderHttp, "/customers/steady", "{\"name\":\"Steady\",\"creditLimitCents\":100000}", ORDER_TOKEN);
        int port = inventory.port(); // the order service's status view reads the inventory there
        inventory.close();
        List<UUID> placed = List.of(place("steady", "SKU-R", 1), place("steady", "SKU-R", 2));
        inventory = InventoryService.start(inventoryConfig.withHttpPort(port));
        inventoryHttp = new TestHttp(inventory.port());

        await().atMost(Duration.ofSeconds(30))
                .until(() -> placed.stream().allMatch(id -> "CONFIRMED".equals(status(id))));
        await().atMost(Duration.ofSeconds(30)).until(() -> OrderInvariants.check(orderDb).isEmpty());
        assertThat(OrderInvariants.checkAcrossServices(orderDb, inventoryDb)).isEmpty();
        assertThat(InventoryInvariants.check(inventoryDb)).isEmpty();
        assertThat(inventoryHttp.get("/stock/SKU-R").body().path("sold").asInt()).isEqualTo(3);
    }

    @Test
    void concurrentOrdersForScarceStockNeverOversell() throws Exception {
        put(inventoryHttp, "/stock/SKU-S", "{\"unitPriceCents\":100,\"available\":10}", INVENTORY_TOKEN);
        put(orderHttp, "/customers/crowd", "{\"name\":\"Crowd\",\"creditLimitCents\":1000000}", ORDER_TOKEN);
        List<java.util.concurrent.Future<UUID>> futures = new ArrayList<>();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 40; i++) {
                futures.add(executor.submit(() -> place("crowd", "SKU-S", 1)));
            }
        }
        List<UUID> placed = new ArrayList<>();
        for (var future : futures) {
            placed.add(future.get());
        }

        await().atMost(Duration.ofSeconds(60))
                .until(() -> placed.stream().noneMatch(id -> "PENDING".equals(status(id))));
        assertThat(placed.stream().filter(id -> "CONFIRMED".equals(status(id)))).hasSize(10);
        assertThat(placed.stream().filter(id -> "REJECTED".equals(status(id)))).hasSize(30);
        await().atMost(Duration.ofSeconds(30)).until(() -> OrderInvariants.check(orderDb).isEmpty());
        assertThat(OrderInvariants.checkAcrossServices(orderDb, inventoryDb)).isEmpty();
        assertThat(InventoryInvariants.check(inventoryDb)).isEmpty();
        JsonNode stock = inventoryHttp.get("/stock/SKU-S").body();
        assertThat(stock.path("available").asInt()).isZero();
        assertThat(stock.path("sold").asInt()).isEqualTo(10);
    }

    private static void put(TestHttp http, String path, String body, String token) {
        TestHttp.Reply reply = http.send("PUT", path, body, token);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    }

    private static UUID place(String customer, String sku, int quantity) {
        TestHttp.Reply reply = orderHttp.send("POST", "/orders", "{\"customerId\":\"" + customer
                + "\",\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\":" + quantity + "}]}", null);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(202);
        return UUID.fromString(reply.body().path("orderId").asText());
    }

    private static String status(UUID orderId) {
        return orderDb.fetchValue("SELECT status FROM orders WHERE id = ?", orderId).toString();
    }
}
