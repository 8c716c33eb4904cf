package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Issue 19: the inventory's own saga step (the Try with a deadline, acknowledged Confirm and Cancel), reservations
 * that expire, its saga view, and its admin endpoints (stuck steps, dead letters and their replay).
 */
@OutboxInfraTest
class InventoryOperationsIT {

    static final String TOKEN = "inventory-admin-token-for-tests";
    static final String ORDER_TOPIC = "inv-ops.outbox.event.order";

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
                        .withConsumerGroup("inventory-ops-it")
                        .withTopics(ORDER_TOPIC, "inv-ops.outbox.event.reservation"),
                InventoryOpsConfig.defaults().withReservationTtl(Duration.ofSeconds(5), Duration.ofMillis(200))
                        .withRelayDlqTopic("inv-ops.outbox.dlq").withConsumerMaxAttempts(2));
        http = new TestHttp(service.port());
        orders = new EventSender(kafka.bootstrapServers(), ORDER_TOPIC);
        db = database.dsl();
        db.execute("CREATE TABLE maintenance (on_sku text PRIMARY KEY)");
        // Fails every change of a reservation for a sku under maintenance: the consumer's attempts run out.
        db.execute("""
                CREATE FUNCTION refuse_in_maintenance() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF EXISTS (SELECT 1 FROM maintenance WHERE on_sku = NEW.sku) THEN
                    RAISE EXCEPTION 'sku % is under maintenance', NEW.sku;
                  END IF;
                  RETURN NEW;
                END $$""");
        db.execute("CREATE TRIGGER reservation_maintenance BEFORE UPDATE ON reservation FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_in_maintenance()");
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
    void confirmIsAcknowledgedAndTheViewShowsStepEventsAndReservations() {
        stock("OPS-1", 300, 10);
        UUID orderId = UUID.randomUUID();
        UUID placed = orders.send("OrderPlaced", orderId, placed(orderId, "OPS-1", 2));
        await().atMost(Duration.ofSeconds(20)).until(() -> types(orderId).contains("StockReserved"));
        assertThat(step(orderId).path("status").asText()).isEqualTo("PENDING");
        assertThat(step(orderId).path("deadlineAt").asText()).isNotBlank();

        orders.send("OrderConfirmed", orderId, Map.of("orderId", orderId));
        await().atMost(Duration.ofSeconds(20)).until(() -> types(orderId).contains("StockCommitted"));

        JsonNode view = http.get("/saga/view?saga_id=" + orderId).body();
        assertThat(view.path("steps").findValuesAsText("status")).containsExactly("SUCCEEDED");
        assertThat(view.path("reservations").findValuesAsText("status")).containsExactly("COMMITTED");
        assertThat(view.path("events").findValuesAsText("type"))
                .containsSubsequence("OrderPlaced", "StockReserved", "OrderConfirmed", "StockCommitted");
        JsonNode reserved = view.path("events").get(1);
        assertThat(reserved.path("direction").asText()).isEqualTo("PUBLISHED");
        assertThat(reserved.path("causationId").asText()).isEqualTo(placed.toString());
        assertThat(reserved.path("committedAt").asText()).isNotBlank();
        assertThat(view.path("events").get(0).path("partition").isNumber()).isTrue();
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    @Test
    void reservationExpiresWhenItsOrderNeverConfirmsAndALateConfirmTakesTheStockAgain() {
        stock("OPS-2", 100, 5);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, "OPS-2", 3));

        await().atMost(Duration.ofSeconds(30)).until(() -> types(orderId).contains("StockReleased"));
        assertThat(step(orderId).path("status").asText()).isEqualTo("COMPENSATED");
        assertThat(step(orderId).path("lastError").asText()).contains("reservation expired");
        assertThat(stock("OPS-2")).containsExactly(5, 0, 0);
        assertThat(InventoryInvariants.check(db)).isEmpty();

        orders.send("OrderConfirmed", orderId, Map.of("orderId", orderId));
        await().atMost(Duration.ofSeconds(20)).until(() -> types(orderId).contains("StockCommitted"));
        assertThat(stock("OPS-2")).containsExactly(2, 0, 3);
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    @Test
    void lateConfirmWithoutTheStockIsRefusedWithStockCommitFailed() {
        stock("OPS-3", 100, 3);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, "OPS-3", 3));
        await().atMost(Duration.ofSeconds(30)).until(() -> types(orderId).contains("StockReleased"));
        UUID other = UUID.randomUUID();
        orders.send("OrderPlaced", other, placed(other, "OPS-3", 2));
        await().atMost(Duration.ofSeconds(20)).until(() -> types(other).contains("StockReserved"));

        orders.send("OrderConfirmed", orderId, Map.of("orderId", orderId));

        await().atMost(Duration.ofSeconds(20)).until(() -> types(orderId).contains("StockCommitFailed"));
        assertThat(stock("OPS-3")).containsExactly(1, 2, 0);
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    @Test
    void deadLetteredConfirmIsListedWithItsReasonAndReplayedThroughTheOutboxOnce() {
        stock("OPS-4", 100, 10);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, "OPS-4", 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> types(orderId).contains("StockReserved"));
        db.execute("INSERT INTO maintenance VALUES ('OPS-4')");
        UUID confirm = orders.send("OrderConfirmed", orderId, Map.of("orderId", orderId));

        JsonNode letter = await().atMost(Duration.ofSeconds(60)).until(() -> deadLetter(confirm), l -> l != null);
        assertThat(letter.path("topic").asText()).isEqualTo(ORDER_TOPIC + "-dlt");
        assertThat(letter.path("kind").asText()).isEqualTo("consumer");
        assertThat(letter.path("reason").asText()).contains("under maintenance");
        assertThat(letter.path("type").asText()).isEqualTo("OrderConfirmed");
        JsonNode gauges = admin("GET", "/admin/gauges", null).body();
        assertThat(gauges.path("deadLetters").findValuesAsText("topic")).contains(ORDER_TOPIC + "-dlt");

        db.execute("DELETE FROM maintenance");
        String which = "{\"topic\":\"" + letter.path("topic").asText() + "\",\"partition\":"
                + letter.path("partition").asInt() + ",\"offset\":" + letter.path("offset").asLong() + "}";
        assertThat(http.send("POST", "/admin/dead-letters/replay", which, "wrong-token").status()).isEqualTo(401);
        TestHttp.Reply replayed = admin("POST", "/admin/dead-letters/replay", which);
        assertThat(replayed.status()).as(replayed.raw()).isEqualTo(202);

        // The replay is an outbox row with the same id, the business headers and its provenance.
        var row = db.fetchOne("SELECT aggregatetype, type, headers->>'saga_id', headers->>'replay_source', "
                + "headers->>'replay_reason' FROM outbox WHERE id = ?", confirm);
        assertThat(row).isNotNull();
        assertThat(row.get(0, String.class)).isEqualTo("order");
        assertThat(row.get(1, String.class)).isEqualTo("OrderConfirmed");
        assertThat(row.get(2, String.class)).isEqualTo(orderId.toString());
        assertThat(row.get(3, String.class)).isEqualTo(ORDER_TOPIC + "-dlt/" + letter.path("partition").asInt()
                + "/" + letter.path("offset").asLong());
        assertThat(row.get(4, String.class)).contains("under maintenance");

        // Relayed (twice, as a relay may), it is applied once.
        orders.send(confirm, "OrderConfirmed", orderId, Map.of("orderId", orderId));
        orders.send(confirm, "OrderConfirmed", orderId, Map.of("orderId", orderId));
        await().atMost(Duration.ofSeconds(20)).until(() -> types(orderId).contains("StockCommitted"));
        assertThat(types(orderId).stream().filter("StockCommitted"::equals).count()).isEqualTo(1);
        assertThat(stock("OPS-4")).containsExactly(9, 0, 1);
        assertThat(InventoryInvariants.check(db)).isEmpty();
    }

    @Test
    void adminCanResendTheCurrentAnswerAndReleaseAHeldReservation() {
        stock("OPS-5", 100, 10);
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, placed(orderId, "OPS-5", 4));
        await().atMost(Duration.ofSeconds(20)).until(() -> types(orderId).contains("StockReserved"));

        assertThat(admin("POST", "/saga/" + orderId + "/retry", null).body().path("action").asText())
                .isEqualTo("StockReserved re-sent");
        assertThat(types(orderId).stream().filter("StockReserved"::equals).count()).isEqualTo(2);
        assertThat(admin("POST", "/saga/" + orderId + "/compensate", null).status()).isEqualTo(202);
        assertThat(types(orderId)).endsWith("StockReleased");
        assertThat(stock("OPS-5")).containsExactly(10, 0, 0);
        assertThat(step(orderId).path("status").asText()).isEqualTo("COMPENSATED");
        assertThat(admin("GET", "/admin/sagas?stuck=false&step=reservation&status=COMPENSATED", null).body()
                .path("steps").findValuesAsText("sagaId")).contains(orderId.toString());
        assertThat(http.get("/admin/sagas").status()).isEqualTo(401);
    }

    // ---- helpers ----

    private static TestHttp.Reply admin(String method, String path, String body) {
        return http.send(method, path, body, TOKEN);
    }

    private static JsonNode deadLetter(UUID eventId) {
        for (JsonNode letter : admin("GET", "/admin/dead-letters", null).body().path("deadLetters")) {
            if (eventId.toString().equals(letter.path("eventId").asText())) {
                return letter;
            }
        }
        return null;
    }

    private static JsonNode step(UUID orderId) {
        return http.get("/saga/view?saga_id=" + orderId).body().path("steps").get(0);
    }

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

    private static Map<String, Object> placed(UUID orderId, String sku, int quantity) {
        return Map.of("orderId", orderId, "customerId", "c1", "lines", List.of(Map.of("sku", sku, "quantity", quantity)));
    }

    private static List<String> types(UUID orderId) {
        return db.fetch("SELECT type FROM outbox WHERE aggregateid = ? AND aggregatetype = 'reservation' ORDER BY id",
                orderId.toString()).map(r -> r.get(0, String.class));
    }
}
