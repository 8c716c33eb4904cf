package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.route.Routing;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * What replaces a record Kafka refused: the broker refuses a whole producer batch for its size, so a dead letter keeps
 * its payload through one size refusal (a big neighbour may have caused it) and loses it only on the second; of the
 * refusals of a failed transaction, only the culprit is charged to its row.
 */
class DeadLetterReplacementTest {

    private static final String PAYLOAD = "{\"n\": 1}";

    private final Router router = new Router("outbox.event.${aggregatetype}", "/outbox-relay/test", 1024 * 1024,
            Set.of("outbox.dlq", "outbox.relay.positions"));
    private final KafkaSink sink = Sinks.atLeastOnce(new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer()), new AckPipelineTest.Recording());
    private final Routing deliver = router.route(new OutboxRow("e-1", "order", "o-1", "OrderPlaced", PAYLOAD, null,
            null, 0x100, 0, 1));
    /** No key: a dead letter from the router, with the payload. */
    private final Routing keyless = router.route(new OutboxRow("e-2", "order", "", "OrderPlaced", PAYLOAD, null,
            null, 0x100, 0, 1));

    @Test
    void aRowRefusedForItsSizeBecomesAMetadataOnlyDeadLetter() {
        Routing.DeadLetter dead = KafkaSink.deadLetterOf(deliver, new RecordTooLargeException("too large"));

        assertThat(dead.reason()).startsWith("Kafka refused the record");
        assertThat(sink.deadLetterRecord(dead).value()).isNull();
    }

    @Test
    void aDeadLetterKeepsItsPayloadThroughOneSizeRefusalAndCarriesTheMetadataOnlyAfterTheSecond() {
        RecordTooLargeException tooLarge = new RecordTooLargeException("too large");
        Routing.DeadLetter first = (Routing.DeadLetter) keyless;
        assertThat(sink.deadLetterRecord(first).value()).isEqualTo(PAYLOAD.getBytes(StandardCharsets.UTF_8));

        Routing.DeadLetter again = KafkaSink.deadLetterOf(first, tooLarge);
        assertThat(again.payloadRefusedOnce()).isTrue();
        assertThat(again.reason()).isEqualTo(first.reason());
        assertThat(sink.deadLetterRecord(again).value()).isEqualTo(PAYLOAD.getBytes(StandardCharsets.UTF_8));

        Routing.DeadLetter metadataOnly = KafkaSink.deadLetterOf(again, tooLarge);
        assertThat(metadataOnly.reason()).startsWith(first.reason()).contains("carries the metadata only");
        assertThat(sink.deadLetterRecord(metadataOnly).value()).isNull();
        assertThat(sink.deadLetterRecord(metadataOnly).headers().lastHeader("dlq_outbox_id").value())
                .isEqualTo("e-2".getBytes(StandardCharsets.UTF_8));

        assertThat(KafkaSink.deadLetterOf(metadataOnly, tooLarge)).isNull();
    }

    @Test
    void aRefusalThatMayPassReplacesNothing() {
        assertThat(KafkaSink.deadLetterOf(deliver, new TimeoutException("no answer"))).isNull();
        Routing.DeadLetter dead = KafkaSink.deadLetterOf(deliver, new RecordTooLargeException("too large"));
        assertThat(KafkaSink.deadLetterOf(dead, new TimeoutException("no answer"))).isNull();
    }

    @Test
    void aFailedTransactionChargesTheFirstRefusalNotTheRecordsThatInheritedItsException() {
        RecordTooLargeException tooLarge = new RecordTooLargeException("too large");
        KafkaSink.RefusedRow big = new KafkaSink.RefusedRow("big", tooLarge, "dlq", 6_000);
        KafkaSink.RefusedRow small = new KafkaSink.RefusedRow("small", tooLarge, "dlq", 100);
        KafkaSink.RefusedRow elsewhere = new KafkaSink.RefusedRow("elsewhere", tooLarge, "orders", 9_000);

        assertThat(KafkaSink.culprit(List.of(big, small, elsewhere))).isEqualTo(big);
    }

    @Test
    void ofOneBatchRefusedForItsSizeTheLargestRecordIsCharged() {
        RecordTooLargeException tooLarge = new RecordTooLargeException("too large");
        KafkaSink.RefusedRow small = new KafkaSink.RefusedRow("small", tooLarge, "dlq", 100);
        KafkaSink.RefusedRow big = new KafkaSink.RefusedRow("big", tooLarge, "dlq", 6_000);

        assertThat(KafkaSink.culprit(List.of(small, big))).isEqualTo(big);
    }

    @Test
    void aLaterRefusalOfItsOwnWaitsForTheNextRound() {
        KafkaSink.RefusedRow first = new KafkaSink.RefusedRow("first", new RecordTooLargeException("a"), "dlq", 100);
        KafkaSink.RefusedRow later = new KafkaSink.RefusedRow("later", new RecordTooLargeException("b"), "dlq", 900);

        assertThat(KafkaSink.culprit(List.of(first, later))).isEqualTo(first);
    }
}
