package dev.outbox.sample.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads dead letters of both kinds from Kafka, without a consumer group (nothing is committed, nothing is consumed
 * away): the relay's ({@code outbox.dlq}: a row it could not deliver, reason in {@code dlq_reason}) and the
 * consumers' ({@code <topic>-dlt}: an event a handler gave up on, reason in {@code dlt.exception.message}).
 */
public final class DeadLetters {

    /** One dead letter with its reason; {@code payload} is the event body (JSON text), or null when not kept. */
    public record DeadLetter(String topic, int partition, long offset, Instant timestamp, String kind, String key,
                             String eventId, String type, String reason, String originalTopic,
                             Map<String, String> headers, String payload) {

        /** Where a replay should publish: the relay's row's aggregate type, or the original topic's last segment. */
        public String aggregateType() {
            String fromRelay = headers.get("dlq_aggregatetype");
            if (fromRelay != null && !fromRelay.isBlank()) {
                return fromRelay;
            }
            if (originalTopic == null) {
                return null;
            }
            return originalTopic.substring(originalTopic.lastIndexOf('.') + 1);
        }
    }

    /** How many dead letters a topic holds (end offset minus start offset, summed over partitions). */
    public record TopicCount(String topic, long count) {
    }

    static final String RELAY = "relay";
    static final String CONSUMER = "consumer";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration READ_LIMIT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final List<String> topics;

    /** @param topics the dead-letter topics this service answers for (the relay's and its consumers') */
    public DeadLetters(String bootstrapServers, List<String> topics) {
        this.bootstrapServers = bootstrapServers;
        this.topics = List.copyOf(topics);
    }

    public List<String> topics() {
        return topics;
    }

    /** The newest {@code limit} dead letters of each topic, newest first. */
    public List<DeadLetter> list(int limit) {
        List<DeadLetter> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (String topic : topics) {
                all.addAll(readTail(consumer, topic, limit));
            }
        }
        all.sort((a, b) -> b.timestamp().compareTo(a.timestamp()));
        return all;
    }

    /** One dead letter, or null when that topic, partition and offset hold none (or the topic is not ours). */
    public DeadLetter get(String topic, int partition, long offset) {
        if (!topics.contains(topic)) {
            return null;
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition tp = new TopicPartition(topic, partition);
            if (partitions(consumer, topic).stream().noneMatch(tp::equals)) {
                return null;
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            Instant until = Instant.now().plus(READ_LIMIT);
            while (Instant.now().isBefore(until)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (record.offset() == offset) {
                        return toDeadLetter(record);
                    }
                    if (record.offset() > offset) {
                        return null;
                    }
                }
                if (consumer.position(tp) > offset) {
                    return null;
                }
            }
            return null;
        }
    }

    /** Dead letters per topic: the gauge an operator alerts on. */
    public List<TopicCount> counts() {
        List<TopicCount> counts = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (String topic : topics) {
                List<TopicPartition> partitions = partitions(consumer, topic);
                long count = 0;
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
                for (TopicPartition tp : partitions) {
                    count += end.get(tp) - start.get(tp);
                }
                counts.add(new TopicCount(topic, count));
            }
        }
        return counts;
    }

    private List<DeadLetter> readTail(KafkaConsumer<byte[], byte[]> consumer, String topic, int limit) {
        List<TopicPartition> partitions = partitions(consumer, topic);
        if (partitions.isEmpty()) {
            return List.of();
        }
        consumer.assign(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
        for (TopicPartition tp : partitions) {
            consumer.seek(tp, Math.max(start.get(tp), end.get(tp) - limit));
        }
        List<DeadLetter> letters = new ArrayList<>();
        Instant until = Instant.now().plus(READ_LIMIT);
        while (!caughtUp(consumer, partitions, end) && Instant.now().isBefore(until)) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                letters.add(toDeadLetter(record));
            }
        }
        return letters;
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions,
                                    Map<TopicPartition, Long> end) {
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        Map<String, List<PartitionInfo>> all = consumer.listTopics(Duration.ofSeconds(10));
        List<PartitionInfo> infos = all.get(topic);
        if (infos == null) {
            return List.of();
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    static DeadLetter toDeadLetter(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
        }
        boolean relay = headers.containsKey("dlq_reason");
        String reason = relay ? headers.get("dlq_reason")
                : headers.getOrDefault("dlt.exception.class", "") + ": " + headers.getOrDefault("dlt.exception.message", "");
        String type = relay ? headers.get("dlq_type") : headers.get("ce_type");
        String eventId = headers.getOrDefault("id", headers.get("ce_id"));
        return new DeadLetter(record.topic(), record.partition(), record.offset(),
                Instant.ofEpochMilli(record.timestamp()), relay ? RELAY : CONSUMER, text(record.key()), eventId, type,
                reason, relay ? null : headers.get("dlt.original.topic"), headers, text(record.value()));
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "dead-letter-reader");
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Headers of a dead letter that describe the failure or are set by the relay; a replay leaves them out. */
    static boolean isTransportHeader(String name) {
        return name.startsWith("dlt.") || name.startsWith("dlq_") || name.startsWith("ce_") || name.equals("id")
                || name.equals("content-type") || name.startsWith("replay_");
    }
}
