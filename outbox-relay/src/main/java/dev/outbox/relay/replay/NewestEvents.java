package dev.outbox.relay.replay;

import dev.outbox.relay.sink.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * The last event of each partition of the relay's topics, as a {@code read_committed} consumer sees it: what
 * {@code --after-kafka} starts from. Reads only the tail of each partition (a few records before its end, because
 * transaction markers take offsets too), never the whole topic.
 */
final class NewestEvents {

    /** Records read back from a partition's end: room for the markers of the last transactions. */
    private static final int TAIL = 32;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final java.util.regex.Pattern UUID_TEXT = java.util.regex.Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private NewestEvents() {
    }

    /** The event ids of the last records and the newest record timestamp (the source commit time), or empty. */
    record Found(List<String> ids, Optional<Instant> newestTimestamp) {
    }

    static Found in(KafkaClients clients, Collection<String> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("replay-tail")) {
            List<TopicPartition> partitions = new ArrayList<>();
            Map<String, List<PartitionInfo>> existing = consumer.listTopics(KafkaClients.callTimeout());
            for (String topic : topics) {
                for (PartitionInfo info : existing.getOrDefault(topic, List.of())) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            if (partitions.isEmpty()) {
                return new Found(List.of(), Optional.empty());
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
            Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
            ends.entrySet().removeIf(end -> end.getValue() <= begins.get(end.getKey()));
            consumer.assign(ends.keySet());
            ends.forEach((partition, end) -> consumer.seek(partition, Math.max(begins.get(partition), end - TAIL)));
            return readTails(consumer, ends);
        }
    }

    private static Found readTails(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        Map<TopicPartition, ConsumerRecord<byte[], byte[]>> last = new HashMap<>();
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (ends.keySet().stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading the last records of " + ends.keySet() + " from Kafka took "
                        + "longer than " + READ_TIMEOUT.toSeconds() + " s: is Kafka reachable, and may this relay's "
                        + "principal read these topics? Or give the range with --from instead of --after-kafka");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.offset() < ends.get(partition) && header(record, "id") != null) {
                    last.put(partition, record);
                }
            }
        }
        List<String> ids = new ArrayList<>();
        Optional<Instant> newest = Optional.empty();
        for (ConsumerRecord<byte[], byte[]> record : last.values()) {
            String id = header(record, "id");
            if (UUID_TEXT.matcher(id).matches()) {
                ids.add(id);
            }
            Instant timestamp = Instant.ofEpochMilli(record.timestamp());
            if (newest.isEmpty() || timestamp.isAfter(newest.get())) {
                newest = Optional.of(timestamp);
            }
        }
        return new Found(ids, newest);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
