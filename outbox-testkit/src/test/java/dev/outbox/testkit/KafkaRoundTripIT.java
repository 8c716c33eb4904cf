package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

@OutboxInfraTest
class KafkaRoundTripIT {

    @Test
    void keyedRecordWithHeadersComesBackIntact(Kafka kafka) throws Exception {
        String topic = "roundtrip-" + UUID.randomUUID();
        kafka.createTopic(topic, 3);
        byte[] key = "order-42".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{\"total\":12.5}".getBytes(StandardCharsets.UTF_8);
        RecordHeaders headers = new RecordHeaders();
        headers.add("id", "5b0e5c1e-0000-7000-8000-000000000001".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_type", "OrderPlaced".getBytes(StandardCharsets.UTF_8));

        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, null, key, value, headers)).get();
        }

        List<ConsumerRecord<byte[], byte[]>> received = consumeAll(kafka, topic, 1);

        assertThat(received).hasSize(1);
        ConsumerRecord<byte[], byte[]> record = received.getFirst();
        assertThat(record.key()).isEqualTo(key);
        assertThat(record.value()).isEqualTo(value);
        assertThat(record.headers().toArray()).containsExactly(headers.toArray());
    }

    static List<ConsumerRecord<byte[], byte[]>> consumeAll(Kafka kafka, String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
        }
        return received;
    }
}
