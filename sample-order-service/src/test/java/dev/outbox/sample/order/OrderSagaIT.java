package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.sample.support.EventSender;
import dev.outbox.sample.support.TestHttp;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The order side of the saga (issue 5), driven by producing the inventory's replies to Kafka ourselves; what the
 * order service publishes is read from its outbox table.
 */
@OutboxInfraTest
class OrderSagaIT {

    static final String TOKEN = "order-admin-token-for-tests";
    static final String REPLIES = "saga-it.outbox.event.reservation";
    static final Duration DEADLINE = Duration.ofSeconds(5);

    static OrderService service;
    static TestHttp http;
    static EventSender inventory;
    static DSLContext db;

    @BeforeAll
    static void start(TestDatabase database, Kafka kafka) {
        service = OrderService.start(OrderServiceConfig
                .of(database.jdbcUrl(), database.user(), database.password(), kafka.bootstrapServers(), TOKEN)
                .withHttpPort(0)
                .withDbPoolSize(4)
                .withConsumerGroup("order-saga-it")
                .withTopics("saga-it.outbox.event.order", REPLIES)
                .withDeadlines(DEADLINE, Duration.ofMillis(200)));
        http = new TestHttp(service.port());
        inventory = new EventSender(kafka.bootstrapServers(), REPLIES);
        db = database.dsl();
    }

    @AfterAll
    static void stop() {
        if (inventory != null) {
            inventory.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void reservedStockWithEnoughCreditConfirmsTheOrderAndChargesItOnceWhateverIsRedelivered() {
        customer("c-confirm", 10_000);
        UUID orderId = place("c-confirm", "SKU-1", 3);
        UUID reserved = inventory.send("StockReserved", orderId, reserved(orderId, "SKU-1", 3, 1_000));

        awaitStatus(orderId, "CONFIRMED");
        assertThat(creditAvailable("c-confirm")).isEqualTo(7_000);
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderConfirmed");

        // The same record again (a redelivery) and a repeated answer with a new id (after an operator's retry).
        inventory.send(reserved, "StockReserved", orderId, reserved(orderId, "SKU-1", 3, 1_000));
        UUID again = inventory.send("StockReserved", orderId, reserved(orderId, "SKU-1", 3, 1_000));
        await().atMost(Duration.ofSeconds(20)).until(() -> processed(again));

        assertThat(charges(orderId)).isEqualTo(1);
        assertThat(creditAvailable("c-confirm")).isEqualTo(7_000);
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderConfirmed");
        JsonNode order = http.get("/orders/" + orderId).body();
        assertThat(order.path("totalCents").asLong()).isEqualTo(3_000);
        assertThat(order.path("lines").get(0).path("unitPriceCents").asLong()).isEqualTo(1_000);
        assertThat(stepStatuses(orderId)).containsEntry("reserve_stock", "SUCCEEDED")
                .containsEntry("charge_credit", "SUCCEEDED");
        assertThat(http.send("POST", "/orders/" + orderId + "/cancel", null, null).status()).isEqualTo(409);
        assertThat(http.send("POST", "/saga/" + orderId + "/compensate", null, TOKEN).status()).isEqualTo(409);
        // The confirmation waits for the inventory's acknowledgement (issue 19).
        assertThat(stepStatuses(orderId)).containsEntry("confirm_stock", "PENDING");
        inventory.send("StockCommitted", orderId, Map.of("orderId", orderId));
        await().atMost(Duration.ofSeconds(20)).until(() -> "SUCCEEDED".equals(stepStatuses(orderId).get("confirm_stock")));
        assertThat(OrderInvariants.check(db).stream().filter(v -> v.contains(orderId.toString()))).isEmpty();
    }

    @Test
    void insufficientCreditRejectsTheOrderAndCompensatesWithOrderCancelled() {
        customer("c-poor", 1_000);
        UUID orderId = place("c-poor", "SKU-2", 5);
        inventory.send("StockReserved", orderId, reserved(orderId, "SKU-2", 5, 1_000));

        awaitStatus(orderId, "REJECTED");
        assertThat(creditAvailable("c-poor")).isEqualTo(1_000);
        assertThat(charges(orderId)).isEqualTo(0);
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderCancelled");
        assertThat(stepStatuses(orderId)).containsEntry("reserve_stock", "COMPENSATING")
                .containsEntry("charge_credit", "FAILED");

        inventory.send("StockReleased", orderId, Map.of("orderId", orderId));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "COMPENSATED".equals(stepStatuses(orderId).get("reserve_stock")));

        JsonNode status = http.get("/saga/status?order_id=" + orderId).body();
        assertThat(status.path("terminal").asBoolean()).isTrue();
        assertThat(status.path("orderStatus").asText()).isEqualTo("REJECTED");
        assertThat(status.path("reason").asText()).contains("insufficient credit");
        assertThat(status.path("events").findValuesAsText("type"))
                .containsExactly("OrderPlaced", "StockReserved", "OrderCancelled", "StockReleased");
        assertThat(status.path("events").findValuesAsText("direction"))
                .containsExactly("PUBLISHED", "CONSUMED", "PUBLISHED", "CONSUMED");
        JsonNode consumed = status.path("events").get(1);
        assertThat(consumed.path("topic").asText()).isEqualTo(REPLIES);
        assertThat(consumed.path("partition").isNumber()).isTrue();
        assertThat(consumed.path("offset").isNumber()).isTrue();
        assertThat(status.path("steps").findValuesAsText("step")).containsExactly("reserve_stock", "charge_credit");
        JsonNode reserve = status.path("steps").get(0);
        assertThat(reserve.path("attempts").asInt()).isEqualTo(1);
        assertThat(reserve.path("deadlineAt").asText()).isNotBlank();
        assertThat(status.path("steps").get(1).path("lastError").asText()).contains("insufficient credit");
    }

    @Test
    void failedStockReservationRejectsTheOrderWithNothingToCompensate() {
        customer("c-nostock", 10_000);
        UUID orderId = place("c-nostock", "SKU-3", 1);
        inventory.send("StockReservationFailed", orderId,
                Map.of("orderId", orderId, "reason", "insufficient stock for sku SKU-3"));

        awaitStatus(orderId, "REJECTED");
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced");
        assertThat(stepStatuses(orderId)).containsEntry("reserve_stock", "FAILED");
        assertThat(http.get("/saga/status?order_id=" + orderId).body().path("terminal").asBoolean()).isTrue();
    }

    @Test
    void customerCancelWhilePendingCancelsAndReleasesAndASecondCancelIsAConflict() {
        customer("c-cancel", 10_000);
        UUID orderId = place("c-cancel", "SKU-4", 1);

        TestHttp.Reply cancelled = http.send("POST", "/orders/" + orderId + "/cancel", null, null);
        assertThat(cancelled.status()).isEqualTo(202);
        assertThat(cancelled.body().path("status").asText()).isEqualTo("CANCELLED");
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderCancelled");
        TestHttp.Reply again = http.send("POST", "/orders/" + orderId + "/cancel", null, null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body().path("field").asText()).isEqualTo("status");

        inventory.send("StockReleased", orderId, Map.of("orderId", orderId));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "COMPENSATED".equals(stepStatuses(orderId).get("reserve_stock")));
    }

    @Test
    void reserveDeadlineCancelsTheOrderAndALateReservationIsAnsweredWithOrderCancelled() {
        customer("c-slow", 10_000);
        UUID orderId = place("c-slow", "SKU-5", 2);

        await().atMost(DEADLINE.plusSeconds(15)).until(() -> "CANCELLED".equals(status(orderId)));
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderCancelled");
        assertThat(db.fetchValue("SELECT reason FROM orders WHERE id = ?", orderId)).asString().contains("timed out");

        UUID late = inventory.send("StockReserved", orderId, reserved(orderId, "SKU-5", 2, 500));
        await().atMost(Duration.ofSeconds(20)).until(() -> processed(late));
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderCancelled", "OrderCancelled");
        assertThat(status(orderId)).isEqualTo("CANCELLED");
        assertThat(creditAvailable("c-slow")).isEqualTo(10_000);
        assertThat(charges(orderId)).isEqualTo(0);
    }

    @Test
    void operatorRetryResendsOrderPlacedWithANewDeadlineAndCompensateCancels() {
        customer("c-stuck", 10_000);
        UUID orderId = place("c-stuck", "SKU-6", 1);

        TestHttp.Reply retried = http.send("POST", "/saga/" + orderId + "/retry", null, TOKEN);
        assertThat(retried.status()).isEqualTo(202);
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderPlaced");
        JsonNode step = http.get("/saga/status?order_id=" + orderId).body().path("steps").get(0);
        assertThat(step.path("attempts").asInt()).isEqualTo(2);
        assertThat(step.path("retriedAt").asText()).isNotBlank();

        TestHttp.Reply compensated = http.send("POST", "/saga/" + orderId + "/compensate", null, TOKEN);
        assertThat(compensated.status()).isEqualTo(202);
        assertThat(status(orderId)).isEqualTo("CANCELLED");
        assertThat(outboxTypes(orderId)).containsExactly("OrderPlaced", "OrderPlaced", "OrderCancelled");
    }

    @Test
    void aReplyWithoutAnOrderIdGoesToTheDeadLetterTopicAtOnceAndTheStreamGoesOn(Kafka kafka) {
        UUID poison = inventory.send("StockReserved", UUID.randomUUID(), Map.of("totalCents", 5));
        customer("c-after-poison", 10_000);
        UUID orderId = place("c-after-poison", "SKU-7", 1);
        inventory.send("StockReserved", orderId, reserved(orderId, "SKU-7", 1, 100));
        awaitStatus(orderId, "CONFIRMED");

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "order-saga-it-dlt-reader");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> dlt = new KafkaConsumer<>(props)) {
            dlt.subscribe(List.of(REPLIES + "-dlt"));
            List<String> ids = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                dlt.poll(Duration.ofMillis(200)).forEach(r -> ids.add(
                        new String(r.headers().lastHeader("id").value(), StandardCharsets.UTF_8)));
                return ids.contains(poison.toString());
            });
        }
    }

    // ---- helpers ----

    private static void customer(String id, long credit) {
        assertThat(http.send("PUT", "/customers/" + id, "{\"name\":\"" + id + "\",\"creditLimitCents\":" + credit + "}",
                TOKEN).status()).isEqualTo(200);
    }

    private static UUID place(String customer, String sku, int quantity) {
        TestHttp.Reply reply = http.send("POST", "/orders", "{\"customerId\":\"" + customer
                + "\",\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\":" + quantity + "}]}", null);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(202);
        return UUID.fromString(reply.body().path("orderId").asText());
    }

    private static Map<String, Object> reserved(UUID orderId, String sku, int quantity, long price) {
        return Map.of("orderId", orderId,
                "lines", List.of(Map.of("sku", sku, "quantity", quantity, "unitPriceCents", price)),
                "totalCents", price * quantity);
    }

    private static void awaitStatus(UUID orderId, String expected) {
        await().atMost(Duration.ofSeconds(20)).until(() -> expected.equals(status(orderId)));
    }

    private static String status(UUID orderId) {
        return db.fetchValue("SELECT status FROM orders WHERE id = ?", orderId).toString();
    }

    private static long creditAvailable(String customer) {
        return ((Number) db.fetchValue("SELECT credit_available_cents FROM customer WHERE id = ?", customer))
                .longValue();
    }

    private static int charges(UUID orderId) {
        return db.fetchCount(db.selectOne().from("charge").where("order_id = ?", orderId));
    }

    private static boolean processed(UUID eventId) {
        return db.fetchExists(db.selectOne().from("processed_event").where("event_id = ?", eventId));
    }

    private static List<String> outboxTypes(UUID orderId) {
        return db.fetch("SELECT type FROM outbox WHERE aggregateid = ? ORDER BY id", orderId.toString())
                .map(r -> r.get(0, String.class));
    }

    private static Map<String, String> stepStatuses(UUID orderId) {
        return db.fetchMap(db.resultQuery("SELECT step, status FROM saga_log WHERE saga_id = ?", orderId)
                .coerce(DSL.field("step", String.class), DSL.field("status", String.class)));
    }
}
