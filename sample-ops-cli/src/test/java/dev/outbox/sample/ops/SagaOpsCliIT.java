package dev.outbox.sample.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.sample.inventory.InventoryService;
import dev.outbox.sample.inventory.InventoryServiceConfig;
import dev.outbox.sample.support.EventSender;
import dev.outbox.sample.support.TestHttp;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 19: saga-ops against a running inventory service on real PostgreSQL and Kafka. */
@OutboxInfraTest
class SagaOpsCliIT {

    static final String TOKEN = "inventory-admin-token-for-cli";
    static final ObjectMapper JSON = new ObjectMapper();

    static InventoryService service;
    static EventSender orders;
    static DSLContext db;
    static String url;

    @BeforeAll
    static void start(TestDatabase database, Kafka kafka) {
        service = InventoryService.start(InventoryServiceConfig
                .of(database.jdbcUrl(), database.user(), database.password(), kafka.bootstrapServers(), TOKEN)
                .withHttpPort(0).withDbPoolSize(3).withConsumerGroup("cli-it")
                .withTopics("cli.outbox.event.order", "cli.outbox.event.reservation"));
        url = "http://127.0.0.1:" + service.port();
        orders = new EventSender(kafka.bootstrapServers(), "cli.outbox.event.order");
        db = database.dsl();
        assertThat(new TestHttp(service.port()).send("PUT", "/stock/CLI-1",
                "{\"unitPriceCents\":100,\"available\":10}", TOKEN).status()).isEqualTo(200);
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

    record Run(int status, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    static Run ops(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 4];
        all[0] = "--url";
        all[1] = url;
        all[2] = "--token";
        all[3] = TOKEN;
        System.arraycopy(args, 0, all, 4, args.length);
        int status = SagaOps.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void compensateReleasesAReservationAndStuckListsByStatus() throws Exception {
        UUID orderId = UUID.randomUUID();
        orders.send("OrderPlaced", orderId, Map.of("orderId", orderId, "customerId", "c",
                "lines", List.of(Map.of("sku", "CLI-1", "quantity", 3))));
        await().atMost(Duration.ofSeconds(20)).until(() -> db.fetchExists(db.selectOne().from("saga_log")
                .where("saga_id = ?", orderId)));

        Run pending = ops("stuck", "--status", "PENDING", "--step", "reservation");
        assertThat(pending.status()).as(pending.err()).isZero();
        assertThat(pending.json().path("steps").findValuesAsText("sagaId")).contains(orderId.toString());

        Run compensate = ops("compensate", orderId.toString());
        assertThat(compensate.status()).as(compensate.out()).isZero();
        assertThat(compensate.json().path("action").asText()).startsWith("reservation released");
        assertThat(db.fetchValue("SELECT available FROM stock WHERE sku = 'CLI-1'", Integer.class)).isEqualTo(10);

        Run again = ops("compensate", UUID.randomUUID().toString());
        assertThat(again.status()).isEqualTo(1);
        assertThat(again.json().path("error").asText()).contains("no reservation");
    }

    @Test
    void gaugesAndDeadLettersAnswerAndAMissingDeadLetterIsRefused() throws Exception {
        Run gauges = ops("gauges");
        assertThat(gauges.status()).as(gauges.err()).isZero();
        assertThat(gauges.json().path("deadLetters").findValuesAsText("topic"))
                .containsExactly("outbox.dlq", "cli.outbox.event.order-dlt");

        Run letters = ops("dead-letters", "--limit", "5");
        assertThat(letters.status()).isZero();
        assertThat(letters.json().path("topics").isArray()).isTrue();

        Run replay = ops("replay", "--topic", "cli.outbox.event.order-dlt", "--partition", "0", "--offset", "999");
        assertThat(replay.status()).isEqualTo(1);
        assertThat(replay.json().path("error").asText()).contains("no dead letter");
    }

    @Test
    void wrongTokenIsRefused() {
        StringWriter out = new StringWriter();
        int status = SagaOps.run(new String[] {"--url", url, "--token", "wrong", "gauges"}, new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        assertThat(status).isEqualTo(1);
        assertThat(out.toString()).contains("Bearer");
    }
}
