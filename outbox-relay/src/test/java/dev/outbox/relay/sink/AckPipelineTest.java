package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.route.Routing;
import java.time.Duration;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The at-least-once pipeline's bookkeeping, over Kafka's {@code MockProducer} (no broker): what may be confirmed,
 * and when the relay must wait. The relay ITs run the same code against a real broker.
 */
class AckPipelineTest {

    private static final int MAX_UNCONFIRMED = 20;

    private final Router router = new Router("outbox.event.${aggregatetype}", "/outbox-relay/test", 1024 * 1024,
            java.util.Set.of());
    private final MockProducer<byte[], byte[]> producer = mockProducer(false);
    private final AckPipeline pipeline = pipelineOver(producer);
    private int rowsAdded;

    /** Acknowledges each record as it is sent ({@code autoComplete}), or when the test says so. */
    private static MockProducer<byte[], byte[]> mockProducer(boolean autoComplete) {
        // No partitioner: the mock's cluster knows no topics, so every record goes to partition 0.
        return new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static AckPipeline pipelineOver(MockProducer<byte[], byte[]> producer) {
        return new AckPipeline(Sinks.atLeastOnce(producer, IGNORING), MAX_UNCONFIRMED, Long.MAX_VALUE);
    }

    static final KafkaSink.Listener IGNORING = new Recording();

    /** A listener that ignores everything; tests override what they watch. */
    static class Recording implements KafkaSink.Listener {
        @Override
        public void delivered(Routing.Deliver routed, RecordMetadata metadata) {
        }

        @Override
        public void deadLettered(Routing.DeadLetter deadLetter) {
        }

        @Override
        public void kafkaAvailable(boolean available) {
        }

        @Override
        public void transactionCommitted(Duration commitLatency) {
        }

        @Override
        public void transactionAborted() {
        }

        @Override
        public void waiting() {
        }

        @Override
        public void batch(int rows) {
        }
    }

    private void addTransaction(int rows, long endLsn) {
        for (int i = 0; i < rows; i++) {
            pipeline.add(routing());
        }
        pipeline.transactionEnd(endLsn);
    }

    private Routing routing() {
        rowsAdded++;
        return router.route(new OutboxRow("id-" + rowsAdded, "order", "o-" + (rowsAdded % 3), "OrderPlaced",
                "{\"n\": " + rowsAdded + "}", null, null, 0x100L + rowsAdded, 0, 1));
    }

    @Test
    void confirmsOnlyTransactionsWhoseEveryRowIsAcknowledged() throws Exception {
        addTransaction(3, 100);
        addTransaction(3, 200);
        pipeline.sendQueued();
        assertThat(producer.history()).hasSize(6);

        for (int i = 0; i < 4; i++) {
            producer.completeNext();
        }
        pipeline.takeArrived();
        assertThat(pipeline.acknowledgedPosition()).as("the second transaction has unacknowledged rows").isEqualTo(100);

        producer.completeNext();
        producer.completeNext();
        pipeline.takeArrived();
        assertThat(pipeline.acknowledgedPosition()).isEqualTo(200);
        assertThat(pipeline.isEmpty()).isTrue();
    }

    @Test
    void aTransactionWithoutOutboxRowsBehindAcknowledgedRowsIsTakenToo() throws Exception {
        addTransaction(2, 100);
        pipeline.sendQueued();
        pipeline.transactionEnd(150); // a transaction of other tables, ending while rows are in flight
        pipeline.sendQueued();
        producer.completeNext();
        producer.completeNext();

        pipeline.takeArrived();

        assertThat(pipeline.acknowledgedPosition()).isEqualTo(150);
        assertThat(pipeline.isEmpty()).as("nothing left, so the idle heartbeat may confirm").isTrue();
    }

    @Test
    void waitsAtTheBoundForHalfTheRowsAndKeepsTheRestInFlight() throws Exception {
        MockProducer<byte[], byte[]> acknowledging = mockProducer(true);
        AckPipeline bounded = pipelineOver(acknowledging);
        long end = 0;
        for (int transaction = 0; transaction < 4; transaction++) {
            for (int row = 0; row < 5; row++) {
                assertThat(bounded.mustWait()).isFalse();
                bounded.add(routing());
            }
            end = 1_000L * (transaction + 1);
            bounded.transactionEnd(end);
        }
        assertThat(bounded.mustWait()).as("20 rows read past the confirmed position").isTrue();

        bounded.awaitRoom();
        bounded.confirmed();

        assertThat(bounded.acknowledgedPosition()).as("acknowledged up to 10 rows past it, not all 20")
                .isEqualTo(2_000);
        assertThat(bounded.isEmpty()).isFalse();
        assertThat(bounded.mustWait()).isFalse();
        bounded.takeAll();
        assertThat(bounded.acknowledgedPosition()).isEqualTo(end);
    }

    @Test
    void largeRowsAreBoundedByTheirBytesLongBeforeTheRowBound() throws Exception {
        MockProducer<byte[], byte[]> acknowledging = mockProducer(true);
        AckPipeline bounded = new AckPipeline(Sinks.atLeastOnce(acknowledging, IGNORING), MAX_UNCONFIRMED,
                3 * 100_000L);
        String large = "{\"s\": \"" + "x".repeat(100_000) + "\"}";
        int rowsBeforeWait = 0;
        while (!bounded.mustWait()) {
            rowsAdded++;
            bounded.add(router.route(new OutboxRow("id-" + rowsAdded, "order", "o-1", "OrderPlaced", large, null, null,
                    0x100L, 0, 1)));
            bounded.transactionEnd(1_000L * rowsAdded);
            rowsBeforeWait++;
        }
        assertThat(rowsBeforeWait).as("three rows of 100 KB reach the 300 KB bound; the row bound is 20")
                .isEqualTo(3);

        bounded.awaitRoom();
        bounded.confirmed();

        assertThat(bounded.mustWait()).isFalse();
        assertThat(bounded.acknowledgedPosition()).as("acknowledged until at most half the bytes are past it")
                .isGreaterThanOrEqualTo(1_000L * (rowsAdded - 1));
    }

    @Test
    void aTransactionLargerThanTheBoundGoesOnInChunks() throws Exception {
        MockProducer<byte[], byte[]> acknowledging = mockProducer(true);
        AckPipeline bounded = pipelineOver(acknowledging);
        int waits = 0;
        for (int row = 0; row < 50; row++) {
            bounded.add(routing());
            if (bounded.mustWait()) {
                bounded.awaitRoom();
                bounded.confirmed();
                waits++;
                assertThat(bounded.mustWait()).as("every row sent so far is acknowledged: read on").isFalse();
            }
        }
        bounded.transactionEnd(5_000);
        bounded.takeAll();

        assertThat(waits).isEqualTo(2);
        assertThat(acknowledging.history()).hasSize(50);
        assertThat(bounded.acknowledgedPosition()).isEqualTo(5_000);
    }
}
