package dev.outbox.sample.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.sample.support.DeadLetters.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    private static ConsumerRecord<byte[], byte[]> record(String topic, String value, String... headers) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(topic, 0, 7, "key-1".getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            record.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    @Test
    void consumerDeadLetterTakesItsReasonFromTheExceptionHeadersAndItsAggregateFromTheOriginalTopic() {
        DeadLetter letter = DeadLetters.toDeadLetter(record("outbox.event.order-dlt", "{\"orderId\":\"x\"}",
                "id", "0193f0c2-0000-7000-8000-000000000001", "ce_type", "OrderConfirmed", "saga_id", "s-1",
                "dlt.original.topic", "outbox.event.order", "dlt.exception.class", "java.lang.IllegalStateException",
                "dlt.exception.message", "sku under maintenance"));

        assertThat(letter.kind()).isEqualTo("consumer");
        assertThat(letter.reason()).isEqualTo("java.lang.IllegalStateException: sku under maintenance");
        assertThat(letter.type()).isEqualTo("OrderConfirmed");
        assertThat(letter.aggregateType()).isEqualTo("order");
        assertThat(letter.key()).isEqualTo("key-1");
        assertThat(letter.offset()).isEqualTo(7);
    }

    @Test
    void relayDeadLetterTakesItsReasonTypeAndAggregateFromTheRelaysHeaders() {
        DeadLetter letter = DeadLetters.toDeadLetter(record("outbox.dlq", null, "id", "e-1", "dlq_reason",
                "record too large", "dlq_type", "OrderPlaced", "dlq_aggregatetype", "order"));

        assertThat(letter.kind()).isEqualTo("relay");
        assertThat(letter.reason()).isEqualTo("record too large");
        assertThat(letter.type()).isEqualTo("OrderPlaced");
        assertThat(letter.aggregateType()).isEqualTo("order");
        assertThat(letter.payload()).isNull();
    }

    @Test
    void transportHeadersAreLeftOutOfAReplayButBusinessHeadersAreKept() {
        assertThat(DeadLetters.isTransportHeader("dlt.exception.message")).isTrue();
        assertThat(DeadLetters.isTransportHeader("dlq_reason")).isTrue();
        assertThat(DeadLetters.isTransportHeader("ce_type")).isTrue();
        assertThat(DeadLetters.isTransportHeader("id")).isTrue();
        assertThat(DeadLetters.isTransportHeader("replay_source")).isTrue();
        assertThat(DeadLetters.isTransportHeader("saga_id")).isFalse();
        assertThat(DeadLetters.isTransportHeader("causation_id")).isFalse();
        assertThat(DeadLetters.isTransportHeader("traceparent")).isFalse();
    }
}
