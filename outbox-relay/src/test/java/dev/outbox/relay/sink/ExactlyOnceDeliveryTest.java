package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once delivery over Kafka's transactional {@code MockProducer} (no broker): what goes into one Kafka
 * transaction, and what is dropped after a restart. {@code RelayExactlyOnceIT} runs it against a real broker.
 */
class ExactlyOnceDeliveryTest {

    private final Router router = new Router("outbox.event.${aggregatetype}", "/outbox-relay/test", 10 * 1024 * 1024,
            java.util.Set.of("outbox.dlq", "outbox.relay.positions"));
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    private int rows;

    private ExactlyOnceDelivery delivery(int maxRows, long maxBytes) {
        producer.initTransactions();
        KafkaSink sink = new KafkaSink(producer, "outbox.dlq", AckPipelineTest.IGNORING,
                new PositionTopic(new KafkaClients("unused:9092", java.util.Map.of()), "outbox.relay.positions", "relay"));
        ExactlyOnceDelivery delivery = new ExactlyOnceDelivery(sink, maxRows, maxBytes, AckPipelineTest.IGNORING,
                CommitHook.NONE);
        delivery.streamOpened();
        return delivery;
    }

    private void transaction(ExactlyOnceDelivery delivery, int count, int payloadBytes, long end) {
        for (int i = 0; i < count; i++) {
            rows++;
            delivery.row(router.route(new OutboxRow("id-" + rows, "order", "o-1", "OrderPlaced",
                    "{\"s\": \"" + "x".repeat(payloadBytes) + "\"}", null, null, end - 10, 0, 1)));
        }
        delivery.transactionEnd(end);
    }

    @Test
    void aKafkaTransactionClosesAtTheFirstSourceTransactionEndPastTheByteBound() {
        // A row bound of 10 keeps the linger rule (batches under a tenth of it) out of the way.
        ExactlyOnceDelivery delivery = delivery(10, 250_000);

        transaction(delivery, 1, 100_000, 100);
        transaction(delivery, 1, 100_000, 200);
        assertThat(producer.history()).as("200 KB held, under the bound").isEmpty();
        transaction(delivery, 1, 100_000, 300);

        assertThat(producer.history()).as("three rows and the position, committed together").hasSize(4);
        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(delivery.confirmablePosition()).isEqualTo(300);
        assertThat(delivery.isEmpty()).isTrue();
    }

    @Test
    void wholeSourceTransactionsOnlyGoToKafkaWhenTheStreamPauses() {
        ExactlyOnceDelivery delivery = delivery(10, Long.MAX_VALUE);
        transaction(delivery, 2, 10, 100);
        rows++;
        delivery.row(router.route(new OutboxRow("id-open", "order", "o-1", "OrderPlaced", "{}", null, null, 190, 0,
                1)));

        delivery.streamPaused();
        assertThat(producer.history()).as("a source transaction is still open").isEmpty();
        assertThat(delivery.confirmablePosition()).isZero();

        delivery.transactionEnd(200);
        delivery.streamPaused();
        assertThat(producer.history()).hasSize(4);
        assertThat(delivery.confirmablePosition()).isEqualTo(200);
    }
}
