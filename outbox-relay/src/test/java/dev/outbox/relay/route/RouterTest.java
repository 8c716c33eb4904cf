package dev.outbox.relay.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static final Set<String> RESERVED = Set.of("outbox.dlq", "outbox.relay.positions");
    private final Router router = new Router("outbox.event.${aggregatetype}", "/outbox-relay/test", 1024 * 1024,
            RESERVED);

    private static OutboxRow row(String aggregateType, String aggregateId, String payload) {
        return new OutboxRow("0190a3b2-0000-7000-8000-000000000001", aggregateType, aggregateId, "OrderPlaced",
                payload, "{\"saga_id\": \"s-9\", \"attempt\": 2}", "2026-11-23 21:40:01.123456+00",
                0x16B374D848L, 0, 733);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void rowBecomesTheContractRecord() {
        var routing = router.route(row("order", "o-1", "{\"total\": 5}"));

        assertThat(routing).isInstanceOf(Routing.Deliver.class);
        var record = ((Routing.Deliver) routing).record();
        assertThat(record.topic()).isEqualTo("outbox.event.order");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("o-1");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"total\": 5}");
        assertThat(header(record, "id")).isEqualTo("0190a3b2-0000-7000-8000-000000000001");
        assertThat(header(record, "saga_id")).isEqualTo("s-9");
        assertThat(header(record, "attempt")).as("non-string header values as JSON text").isEqualTo("2");
        assertThat(header(record, "ce_specversion")).isEqualTo("1.0");
        assertThat(header(record, "ce_id")).isEqualTo("0190a3b2-0000-7000-8000-000000000001");
        assertThat(header(record, "ce_type")).isEqualTo("OrderPlaced");
        assertThat(header(record, "ce_source")).isEqualTo("/outbox-relay/test");
        assertThat(header(record, "ce_subject")).isEqualTo("o-1");
        assertThat(header(record, "ce_time")).isEqualTo("2026-11-23T21:40:01.123456Z");
        assertThat(header(record, "content-type")).isEqualTo("application/json");
        assertThat(record.timestamp()).as("the source commit time").isEqualTo(OutboxRow.POSTGRES_EPOCH_MICROS / 1000);
    }

    @Test
    void templateMayUseTheEventType() {
        var routing = new Router("events.${aggregatetype}.${type}", "s", 1 << 20, RESERVED)
                .route(row("order", "o-1", "{}"));

        assertThat(((Routing.Deliver) routing).record().topic()).isEqualTo("events.order.OrderPlaced");
    }

    @Test
    void rowsThatCannotBeRecordsAreDeadLettersWithAReason() {
        assertThat(router.route(row(" ", "o-1", "{}")))
                .isInstanceOfSatisfying(Routing.DeadLetter.class,
                        dead -> assertThat(dead.reason()).contains("aggregatetype is blank"));
        assertThat(router.route(row("order", "", "{}")))
                .isInstanceOfSatisfying(Routing.DeadLetter.class,
                        dead -> assertThat(dead.reason()).contains("aggregateid is blank"));
        assertThat(router.route(row("bad topic", "o-1", "{}")))
                .isInstanceOfSatisfying(Routing.DeadLetter.class, dead -> {
                    assertThat(dead.reason()).contains("'outbox.event.bad topic' is not legal");
                    assertThat(dead.exceptionClass()).endsWith("InvalidTopicException");
                });
        assertThat(new Router("t.${aggregatetype}", "s", 100, RESERVED)
                .route(row("order", "o-1", "{\"x\": \"" + "y".repeat(100) + "\"}")))
                .isInstanceOfSatisfying(Routing.DeadLetter.class,
                        dead -> assertThat(dead.exceptionClass()).endsWith("RecordTooLargeException"));
    }

    @Test
    void aTopicRoutedBeforeIsRoutedAlikeAndAnIllegalOneStaysADeadLetter() {
        for (int i = 0; i < 3; i++) {
            assertThat(router.route(row("order", "o-" + i, "{}")))
                    .isInstanceOfSatisfying(Routing.Deliver.class,
                            deliver -> assertThat(deliver.record().topic()).isEqualTo("outbox.event.order"));
            assertThat(router.route(row("bad topic", "o-" + i, "{}"))).isInstanceOf(Routing.DeadLetter.class);
        }
    }

    @Test
    void anEmptyOrMissingHeadersColumnAddsNoHeaders() {
        for (String headersColumn : new String[] {"{}", null}) {
            var row = new OutboxRow("0190a3b2-0000-7000-8000-000000000001", "order", "o-1", "OrderPlaced", "{}",
                    headersColumn, "2026-11-23 21:40:01+00", 0, 0, 1);
            var record = ((Routing.Deliver) router.route(row)).record();
            assertThat(record.headers().toArray()).extracting(h -> h.key()).containsExactly("id", "ce_specversion",
                    "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "content-type");
        }
    }

    @Test
    void reservedHeaderNamesFromTheHeadersColumnAreDroppedAndTheRelaysValueWins() {
        var row = new OutboxRow("0190a3b2-0000-7000-8000-000000000001", "order", "o-1", "OrderPlaced", "{}",
                "{\"id\": \"forged\", \"ce_type\": \"Forged\", \"CE_SOURCE\": \"x\", \"ce_custom\": \"y\", "
                        + "\"Content-Type\": \"text/plain\", \"saga_id\": \"s-9\"}",
                "2026-11-23 21:40:01+00", 0, 0, 1);

        var record = ((Routing.Deliver) router.route(row)).record();

        var names = Arrays.stream(record.headers().toArray()).map(h -> h.key()).toList();
        assertThat(names).containsExactly("id", "saga_id", "ce_specversion", "ce_id", "ce_type", "ce_source",
                "ce_subject", "ce_time", "content-type");
        assertThat(header(record, "id")).isEqualTo("0190a3b2-0000-7000-8000-000000000001");
        assertThat(header(record, "ce_type")).isEqualTo("OrderPlaced");
        assertThat(header(record, "ce_source")).isEqualTo("/outbox-relay/test");
        assertThat(header(record, "content-type")).isEqualTo("application/json");
    }

    @Test
    void aTemplateThatYieldsTheDeadLetterOrPositionTopicMakesADeadLetter() {
        var router = new Router("${aggregatetype}", "s", 1 << 20, RESERVED);

        for (String topic : RESERVED) {
            assertThat(router.route(row(topic, "o-1", "{}")))
                    .isInstanceOfSatisfying(Routing.DeadLetter.class,
                            dead -> assertThat(dead.reason()).contains("'" + topic + "' is reserved"));
        }
        assertThat(router.route(row("orders", "o-1", "{}"))).isInstanceOf(Routing.Deliver.class);
    }

    @Test
    void postgresTimestampsBecomeRfc3339() {
        assertThat(Router.rfc3339("2026-11-23 21:40:01+00")).isEqualTo("2026-11-23T21:40:01Z");
        assertThat(Router.rfc3339("2026-11-23 23:40:01.5+02")).isEqualTo("2026-11-23T21:40:01.500Z");
        assertThat(Router.rfc3339("2026-11-23 21:40:01.123+05:30")).isEqualTo("2026-11-23T16:10:01.123Z");
        // The Debezium source hands created_at over as RFC 3339 already (CreatedAtAsRfc3339).
        assertThat(Router.rfc3339("2026-11-23T21:40:01.123456Z")).isEqualTo("2026-11-23T21:40:01.123456Z");
    }
}
