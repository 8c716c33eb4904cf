package dev.outbox.relay.sink;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The compacted topic where exactly-once relays keep their committed source position: key = relay name, value = the
 * end LSN (decimal) of the last source transaction whose rows are all in Kafka. Written inside each Kafka transaction,
 * read back {@code read_committed}, so it moves exactly when the rows do.
 */
final class PositionTopic implements AutoCloseable {

    private final KafkaClients clients;
    private final String topic;
    private final String relayName;

    PositionTopic(KafkaClients clients, String topic, String relayName) {
        this.clients = clients;
        this.topic = topic;
        this.relayName = relayName;
    }

    void ensureExists() {
        try (Admin admin = clients.admin("positions-" + relayName)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1)
                        .configs(Map.of("cleanup.policy", "compact")))).all()
                        .get(KafkaClients.CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create the position topic " + topic
                            + " (OUTBOX_POSITION_TOPIC): " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("Kafka at " + clients.bootstrapServers() + " did not create or "
                        + "confirm the position topic " + topic + " within " + KafkaClients.CALL_TIMEOUT.toSeconds()
                        + " s; check that the relay's Kafka principal may create and describe it", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    ProducerRecord<byte[], byte[]> record(long endLsn) {
        return new ProducerRecord<>(topic, 0, relayName.getBytes(StandardCharsets.UTF_8),
                Long.toString(endLsn).getBytes(StandardCharsets.UTF_8));
    }

    /** The newest committed position of this relay, or 0 when it has none. */
    long readCommitted() {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (var consumer = clients.consumer("positions-" + relayName)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), KafkaClients.CALL_TIMEOUT).get(partition);
            long position = 0;
            while (consumer.position(partition, KafkaClients.CALL_TIMEOUT) < end) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null && relayName.equals(new String(record.key(), StandardCharsets.UTF_8))
                            && record.value() != null) {
                        position = Long.parseLong(new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
            }
            return position;
        }
    }

    @Override
    public void close() {
        // Nothing held between calls.
    }
}
