package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.sample.support.EventSender;
import dev.outbox.sample.support.TestHttp;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inventory side of the saga (issue 5): Try/Confirm/Cancel driven by producing the order service's events to
 * Kafka ourselves; the replies are read from the inventory's outbox table.
 */
@OutboxInfraTest
class InventorySagaIT {

    static final String TOKEN = "inventory-admin-token-for-tests";
    static final ObjectMapper JSON = new ObjectMapper();

    static InventoryService service;
    static TestHttp http;
    static EventSender orders;
    static DSLContext db;

    @BeforeAll
    static void start(TestDatabase database, Kafka kafka) {
        service = InventoryService.start(InventoryServiceConfig
                .of(database.jdbcUrl(), database.user(), database.password(), kafka.bootstrapServers(), TOKEN)
                .withHttpPort(0)
                .withDbPoolSize(3)
                .withConsumerGroup("inventory-saga-it")
                .withTopics("inv-it.outbox.event.order", "inv-it.outbox.event.reservation"));
        http = new TestHttp(service.port());
        orders = new EventSender(kafka.bootstrapServers(), "inv-it.outbox.event.order");
        db = database.dsl();
    }

    @AfterAll
    static void stop() {
        if (orders != null) {
            orders.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void orderPlacedReservesEveryLineAtTheStockPriceAndConfirmCommitsIt() {
        stock("A-1", 250, 10);
        stock("A-2", 100, 5);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, Map.of("A-1", 4, "A-2", 5)));

        JsonNode reply = awaitReply(orderId, 1);
        assertThat(type(orderId, 0)).isEqualTo("StockReserved");
        assertThat(reply.path("totalCents").asLong()).isEqualTo(4 * 250 + 5 * 100);
        assertThat(stock("A-1")).containsExactly(6, 4, 0);
        assertThat(stock("A-2")).containsExactly(0, 5, 0);

        UUID confirmed = orders.send("OrderConfirmed", orderId, Map.of("orderId", orderId));
        await().atMost(Duration.ofSeconds(20)).until(() -> processed(confirmed));
        assertThat(stock("A-1")).containsExactly(6, 0, 4);
        assertThat(stock("A-2")).containsExactly(0, 0, 5);
        assertThat(http.get("/reservations?order_id=" + orderId).body().path("reservations")
                .findValuesAsText("status")).containsOnly("COMMITTED");
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    @Test
    void aLineThatDoesNotFitReservesNothingAndAnswersStockReservationFailed() {
        stock("B-1", 100, 10);
        stock("B-2", 100, 1);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, Map.of("B-1", 3, "B-2", 2)));

        JsonNode reply = awaitReply(orderId, 1);
        assertThat(type(orderId, 0)).isEqualTo("StockReservationFailed");
        assertThat(reply.path("reason").asText()).contains("B-2");
        assertThat(stock("B-1")).containsExactly(10, 0, 0);
        assertThat(stock("B-2")).containsExactly(1, 0, 0);
        assertThat(http.get("/reservations?order_id=" + orderId).status()).isEqualTo(404);
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    @Test
    void unknownSkuIsAnsweredWithStockReservationFailed() {
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, Map.of("NO-SUCH-SKU", 1)));
        JsonNode reply = awaitReply(orderId, 1);
        assertThat(type(orderId, 0)).isEqualTo("StockReservationFailed");
        assertThat(reply.path("reason").asText()).contains("unknown sku NO-SUCH-SKU");
    }

    @Test
    void orderCancelledReleasesOnceWhateverIsRedeliveredOrRepeated() {
        stock("C-1", 100, 10);
        UUID orderId = UUID.randomUUID();
        UUID placedId = orders.send("OrderPlaced", orderId, placed(orderId, Map.of("C-1", 7)));
        awaitReply(orderId, 1);
        assertThat(stock("C-1")).containsExactly(3, 7, 0);

        UUID cancel = orders.send("OrderCancelled", orderId, Map.of("orderId", orderId, "reason", "test"));
        awaitReply(orderId, 2);
        assertThat(type(orderId, 1)).isEqualTo("StockReleased");
        assertThat(stock("C-1")).containsExactly(10, 0, 0);

        // A redelivery of both records, then a second cancellation with a new id (a late-reply compensation).
        orders.send(placedId, "OrderPlaced", orderId, placed(orderId, Map.of("C-1", 7)));
        orders.send(cancel, "OrderCancelled", orderId, Map.of("orderId", orderId, "reason", "test"));
        orders.send("OrderCancelled", orderId, Map.of("orderId", orderId, "reason", "late reply"));
        awaitReply(orderId, 3);
        assertThat(type(orderId, 2)).isEqualTo("StockReleased");
        assertThat(stock("C-1")).containsExactly(10, 0, 0);
        assertThat(http.get("/reservations?order_id=" + orderId).body().path("reservations")
                .findValuesAsText("status")).containsOnly("RELEASED");
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    @Test
    void aRepeatedOrderPlacedIsAnsweredFromTheExistingReservationNeverReservingTwice() {
        stock("D-1", 300, 10);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, Map.of("D-1", 2)));
        awaitReply(orderId, 1);
        orders.send("OrderPlaced", orderId, placed(orderId, Map.of("D-1", 2)));
        JsonNode second = awaitReply(orderId, 2);
        assertThat(type(orderId, 1)).isEqualTo("StockReserved");
        assertThat(second.path("totalCents").asLong()).isEqualTo(600);
        assertThat(stock("D-1")).containsExactly(8, 2, 0);
    }

    @Test
    void restockingKeepsTheStockInvariant() {
        stock("E-1", 100, 5);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, Map.of("E-1", 3)));
        awaitReply(orderId, 1);
        stock("E-1", 120, 20);
        JsonNode view = http.get("/stock/E-1").body();
        assertThat(view.path("unitPriceCents").asLong()).isEqualTo(120);
        assertThat(view.path("received").asInt()).isEqualTo(23);
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    // ---- helpers ----

    private static void stock(String sku, long price, int available) {
        TestHttp.Reply reply = http.send("PUT", "/stock/" + sku,
                "{\"unitPriceCents\":" + price + ",\"available\":" + available + "}", TOKEN);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    }

    /** available, reserved, sold. */
    private static List<Integer> stock(String sku) {
        JsonNode view = http.get("/stock/" + sku).body();
        return List.of(view.path("available").asInt(), view.path("reserved").asInt(), view.path("sold").asInt());
    }

    private static Map<String, Object> placed(UUID orderId, Map<String, Integer> lines) {
        return Map.of("orderId", orderId, "customerId", "c1",
                "lines", lines.entrySet().stream().map(e -> Map.of("sku", e.getKey(), "quantity", e.getValue()))
                        .toList());
    }

    /** Waits for the n-th reply of the order in the outbox and returns its payload. */
    private static JsonNode awaitReply(UUID orderId, int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> replies(orderId).size() >= n);
        try {
            return JSON.readTree(replies(orderId).get(n - 1));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> replies(UUID orderId) {
        return db.fetch("SELECT payload::text FROM outbox WHERE aggregateid = ? ORDER BY id", orderId.toString())
                .map(r -> r.get(0, String.class));
    }

    private static String type(UUID orderId, int index) {
        return db.fetch("SELECT type FROM outbox WHERE aggregateid = ? ORDER BY id", orderId.toString())
                .get(index).get(0, String.class);
    }

    private static boolean processed(UUID eventId) {
        return db.fetchExists(db.selectOne().from("processed_event").where("event_id = ?", eventId));
    }
}
