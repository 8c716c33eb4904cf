package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.sample.inventory.InventoryInvariants;
import dev.outbox.sample.inventory.InventoryOpsConfig;
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
 * Issue 19, across both services (each on its own database, outbox rows moved to Kafka by a test poller): the
 * whole-chain saga status, a compensation that is never acknowledged becoming stuck and an operator's retry moving it
 * on, and a dead-lettered confirmation replayed from the order service's admin API.
 */
@OutboxInfraTest
class SagaOperationsIT {

    static final String ORDER_TOKEN = "order-admin-token-for-tests";
    static final String INVENTORY_TOKEN = "inventory-admin-token-for-tests";
    static final String PREFIX = "ops.outbox.event.";

    static TestDatabase inventoryDatabase;
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
        inventoryDatabase = postgres.createDatabase("inventory_ops");
        inventory = InventoryService.start(InventoryServiceConfig
                        .of(inventoryDatabase.jdbcUrl(), inventoryDatabase.user(), inventoryDatabase.password(),
                                kafka.bootstrapServers(), INVENTORY_TOKEN)
                        .withHttpPort(0).withDbPoolSize(4).withConsumerGroup("ops-inventory")
                        .withTopics(PREFIX + "order", PREFIX + "reservation"),
                InventoryOpsConfig.defaults().withConsumerMaxAttempts(2).withRelayDlqTopic("ops.outbox.dlq"));
        orders = OrderService.start(OrderServiceConfig
                        .of(orderDatabase.jdbcUrl(), orderDatabase.user(), orderDatabase.password(),
                                kafka.bootstrapServers(), ORDER_TOKEN)
                        .withHttpPort(0).withDbPoolSize(4).withConsumerGroup("ops-order")
                        .withTopics(PREFIX + "order", PREFIX + "reservation")
                        .withDeadlines(Duration.ofSeconds(30), Duration.ofMillis(200)),
                OrderOpsConfig.defaults()
                        .withInventory(URI.create("http://127.0.0.1:" + inventory.port()), INVENTORY_TOKEN)
                        .withDeadlines(Duration.ofMinutes(5), Duration.ofMillis(300))
                        .withMaxAttempts(3)
                        .withRelayDlqTopic("ops.outbox.dlq"));
        orderRelay = new OutboxPoller(orderDatabase.dataSource(), kafka.bootstrapServers(), PREFIX, false, true);
        inventoryRelay = new OutboxPoller(inventoryDatabase.dataSource(), kafka.bootstrapServers(), PREFIX, false, true);
        orderHttp = new TestHttp(orders.port());
        inventoryHttp = new TestHttp(inventory.port());
        orderDb = orderDatabase.dsl();
        inventoryDb = inventoryDatabase.dsl();
        MaintenanceSwitch.install(inventoryDb);
        put(inventoryHttp, "/stock/OPS-A", "{\"unitPriceCents\":500,\"available\":100}", INVENTORY_TOKEN);
        put(orderHttp, "/customers/ops", "{\"name\":\"Ops\",\"creditLimitCents\":1000000}", ORDER_TOKEN);
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
                // keep closing the rest
            }
        }
    }

    @Test
    void statusOfAConfirmedOrderShowsBothServicesStepsEveryEventsPathAndNothingLeftToWaitFor() {
        UUID orderId = place(2);

        JsonNode chain = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> status(orderId).path("wholeChain"),
                        c -> c.path("waitingOn").asText().startsWith("nothing"));
        List<String> steps = new ArrayList<>();
        chain.path("steps").forEach(s -> steps.add(s.path("service").asText() + "/" + s.path("step").asText() + "="
                + s.path("status").asText()));
        assertThat(steps).containsExactly("order/reserve_stock=SUCCEEDED", "order/charge_credit=SUCCEEDED",
                "order/confirm_stock=SUCCEEDED", "inventory/reservation=SUCCEEDED");
        assertThat(chain.path("events").findValuesAsText("type"))
                .containsExactly("OrderPlaced", "StockReserved", "OrderConfirmed", "StockCommitted");
        JsonNode placed = chain.path("events").get(0);
        JsonNode reserved = chain.path("events").get(1);
        assertThat(placed.path("publishedBy").asText()).isEqualTo("order");
        assertThat(placed.path("processedBy").findValuesAsText("service")).containsExactly("inventory");
        assertThat(placed.path("committedAt").isTextual()).as(placed.toString()).isTrue();
        // The relay's part of the path: the Kafka record's timestamp, once the service read its event back.
        assertThat(placed.path("relayedAt").isTextual()).as(placed.toString()).isTrue();
        assertThat(reserved.path("publishedBy").asText()).isEqualTo("inventory");
        assertThat(reserved.path("causationId").asText()).isEqualTo(placed.path("eventId").asText());
        // The inventory's events: the relay's time comes from the record the order service consumed.
        assertThat(reserved.path("relayedAt").isTextual()).as(reserved.toString()).isTrue();
        for (JsonNode event : chain.path("events")) {
            assertThat(event.path("topic").asText()).as(event.toString()).startsWith(PREFIX);
            assertThat(event.path("offset").isNumber()).as(event.toString()).isTrue();
        }
        assertThat(chain.path("inventory").path("reservations").findValuesAsText("status")).containsOnly("COMMITTED");
    }

    @Test
    void compensationNeverAcknowledgedBecomesStuckAndAnOperatorsRetryFinishesIt() {
        orderRelay.pause(true);
        UUID orderId = place(1);
        assertThat(orderHttp.send("POST", "/orders/" + orderId + "/cancel", null, null).status()).isEqualTo(202);

        JsonNode stuck = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> stuckStep(orderId), s -> s != null && "FAILED".equals(s.path("status").asText()));
        assertThat(stuck.path("step").asText()).isEqualTo("reserve_stock");
        assertThat(stuck.path("lastError").asText()).startsWith("stuck: compensation not acknowledged after 3");
        assertThat(status(orderId).path("wholeChain").path("waitingOn").asText()).startsWith("an operator");
        // The order's events were lost on the way (as if dead-lettered): nothing will ever answer by itself.
        orderDb.execute("DELETE FROM outbox WHERE aggregateid = ?", orderId.toString());
        orderRelay.pause(false);

        TestHttp.Reply retry = orderHttp.send("POST", "/saga/" + orderId + "/retry", null, ORDER_TOKEN);
        assertThat(retry.status()).as(retry.raw()).isEqualTo(202);
        assertThat(retry.body().path("action").asText()).isEqualTo("OrderCancelled re-sent");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                status(orderId).path("wholeChain").path("waitingOn").asText().startsWith("nothing"));
        assertThat(status(orderId).path("state").asText()).isEqualTo("COMPENSATED");
        assertThat(stuckStep(orderId)).isNull();
    }

    @Test
    void deadLetteredConfirmationIsReplayedThroughTheOrderServicesAdminApiAndAcknowledged() {
        MaintenanceSwitch.on(inventoryDb, "OPS-A");
        UUID orderId;
        try {
            orderId = place(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> "CONFIRMED".equals(orderStatus(orderId)));
            JsonNode letter = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> inventoryDeadLetter(orderId), l -> l != null);
            assertThat(letter.path("type").asText()).isEqualTo("OrderConfirmed");
            assertThat(letter.path("reason").asText()).contains("under maintenance");
            assertThat(status(orderId).path("wholeChain").path("waitingOn").asText())
                    .contains("confirm_stock").contains("StockCommitted");
            MaintenanceSwitch.off(inventoryDb);

            TestHttp.Reply replay = orderHttp.send("POST", "/admin/inventory/dead-letters/replay",
                    "{\"topic\":\"" + letter.path("topic").asText() + "\",\"partition\":"
                            + letter.path("partition").asInt() + ",\"offset\":" + letter.path("offset").asLong() + "}",
                    ORDER_TOKEN);
            assertThat(replay.status()).as(replay.raw()).isEqualTo(202);
            assertThat(replay.body().path("eventId").asText()).isEqualTo(letter.path("eventId").asText());
        } finally {
            MaintenanceSwitch.off(inventoryDb);
        }

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                status(orderId).path("wholeChain").path("waitingOn").asText().startsWith("nothing"));
        JsonNode confirmed = null;
        for (JsonNode event : status(orderId).path("wholeChain").path("events")) {
            if ("OrderConfirmed".equals(event.path("type").asText())) {
                confirmed = event;
            }
        }
        assertThat(confirmed).isNotNull();
        assertThat(confirmed.path("processedBy").findValuesAsText("service")).containsExactly("inventory");
        assertThat(OrderInvariants.checkAcrossServices(orderDb, inventoryDb)).isEmpty();
        assertThat(InventoryInvariants.check(inventoryDb)).isEmpty();
    }

    @Test
    void gaugesCountWaitingStepsAndDeadLettersPerTopic() {
        JsonNode gauges = orderHttp.send("GET", "/admin/gauges", null, ORDER_TOKEN).body();
        assertThat(gauges.path("deadLetters").findValuesAsText("topic"))
                .containsExactly("ops.outbox.dlq", PREFIX + "reservation-dlt", PREFIX + "order-dlt");
        assertThat(gauges.path("waitingSteps").isArray()).isTrue();
        assertThat(orderHttp.get("/admin/gauges").status()).isEqualTo(401);
    }

    // ---- helpers ----

    private static JsonNode inventoryDeadLetter(UUID orderId) {
        TestHttp.Reply reply = orderHttp.send("GET", "/admin/inventory/dead-letters", null, ORDER_TOKEN);
        for (JsonNode letter : reply.body().path("deadLetters")) {
            if (orderId.toString().equals(letter.path("key").asText())) {
                return letter;
            }
        }
        return null;
    }

    private static JsonNode stuckStep(UUID orderId) {
        TestHttp.Reply reply = orderHttp.send("GET", "/admin/sagas?stuck=true", null, ORDER_TOKEN);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
        for (JsonNode step : reply.body().path("steps")) {
            if (orderId.toString().equals(step.path("sagaId").asText())) {
                return step;
            }
        }
        return null;
    }

    private static JsonNode status(UUID orderId) {
        return orderHttp.get("/saga/status?order_id=" + orderId).body();
    }

    private static String orderStatus(UUID orderId) {
        return orderDb.fetchValue("SELECT status FROM orders WHERE id = ?", orderId).toString();
    }

    private static void put(TestHttp http, String path, String body, String token) {
        TestHttp.Reply reply = http.send("PUT", path, body, token);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    }

    private static UUID place(int quantity) {
        TestHttp.Reply reply = orderHttp.send("POST", "/orders",
                "{\"customerId\":\"ops\",\"lines\":[{\"sku\":\"OPS-A\",\"quantity\":" + quantity + "}]}", null);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(202);
        return UUID.fromString(reply.body().path("orderId").asText());
    }
}
