package dev.outbox.consumer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a record that cannot be processed to {@code <topic><suffix>}: key, value and headers as they were, plus
 * {@link DeadLetterHeaders} saying where it came from and why. Waits for the broker's acknowledgement, so the
 * record's offset is committed only once its copy is safe.
 */
final class DeadLetterPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);
    private static final long SEND_TIMEOUT_SECONDS = 30;

    private final Producer<byte[], byte[]> producer;
    private final String suffix;
    private final String group;
    private final ConsumerMetrics metrics;

    DeadLetterPublisher(Producer<byte[], byte[]> producer, String suffix, String group, ConsumerMetrics metrics) {
        this.producer = producer;
        this.suffix = suffix;
        this.group = group;
        this.metrics = metrics;
    }

    void publish(ConsumerRecord<byte[], byte[]> record, Throwable cause, int attempts) throws Exception {
        String topic = record.topic() + suffix;
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        set(headers, DeadLetterHeaders.ORIGINAL_TOPIC, record.topic());
        set(headers, DeadLetterHeaders.ORIGINAL_PARTITION, Integer.toString(record.partition()));
        set(headers, DeadLetterHeaders.ORIGINAL_OFFSET, Long.toString(record.offset()));
        set(headers, DeadLetterHeaders.EXCEPTION_CLASS, cause.getClass().getName());
        set(headers, DeadLetterHeaders.EXCEPTION_MESSAGE, String.valueOf(cause.getMessage()));
        set(headers, DeadLetterHeaders.ATTEMPTS, Integer.toString(Math.max(1, attempts)));
        set(headers, DeadLetterHeaders.CONSUMER_GROUP, group);
        producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers))
                .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        metrics.increment(ConsumerMetrics.DEAD_LETTERED, record.topic());
        log.warn("Dead-lettered {}-{}@{} to {} after {} attempt(s): {}", record.topic(), record.partition(),
                record.offset(), topic, Math.max(1, attempts), cause.toString());
    }

    private static void set(RecordHeaders headers, String key, String value) {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    void close(Duration timeout) {
        producer.close(timeout);
    }
}
