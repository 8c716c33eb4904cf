package dev.outbox.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The consumer every measuring reader here uses: read_committed, every partition of one topic from its beginning. */
final class TopicFromStart {

    private TopicFromStart() {
    }

    /**
     * Assigned and positioned before it returns, so that the first measured fetch pays no metadata or offset round
     * trips.
     */
    static KafkaConsumer<byte[], byte[]> open(String bootstrap, String topic, int fetchMaxWaitMs) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.put("max.poll.records", "5000");
        p.put("fetch.max.wait.ms", Integer.toString(fetchMaxWaitMs));
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }
}
