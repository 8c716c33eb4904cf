package dev.outbox.relay.sink;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The compacted topic where exactly-once relays keep their committed source position: key = relay name, value = the
 * end LSN (decimal) of the last source transaction whose rows are all in Kafka. Written inside each Kafka transaction,
 * read back {@code read_committed}, so it moves exactly when the rows do.
 */
final class PositionTopic implements AutoCloseable {

    private final String bootstrapServers;
    private final String topic;
    private final String relayName;

    PositionTopic(String bootstrapServers, String topic, String relayName) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.relayName = relayName;
    }

    void ensureExists() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1)
                        .configs(Map.of("cleanup.policy", "compact")))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create the position topic " + topic
                            + " (OUTBOX_POSITION_TOPIC): " + e.getCause(), e.getCause());
                }
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
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long position = 0;
            while (consumer.position(partition) < end) {
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
