package dev.outbox.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces records the way the relay does (docs/design.md "Kafka record contract"): key = aggregate id, value = payload
 * JSON, headers {@code id}, every outbox header, and the CloudEvents binary-mode attributes. The relay is built
 * elsewhere; these tests must not depend on it.
 */
public final class RelayRecords implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String bootstrapServers;

    public RelayRecords(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends one event record and waits for the broker's acknowledgement; {@code partition} may be null. */
    public void send(String topic, Integer partition, UUID id, String type, String aggregateId, String payloadJson,
                     Map<String, String> outboxHeaders) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("id", id.toString());
        headers.putAll(outboxHeaders);
        headers.put("ce_specversion", "1.0");
        headers.put("ce_id", id.toString());
        headers.put("ce_type", type);
        headers.put("ce_source", "/outbox/test");
        headers.put("ce_subject", aggregateId);
        headers.put("ce_time", Instant.now().toString());
        headers.put("content-type", "application/json");
        RecordHeaders recordHeaders = new RecordHeaders();
        headers.forEach((k, v) -> recordHeaders.add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(new ProducerRecord<>(topic, partition, aggregateId.getBytes(StandardCharsets.UTF_8),
                    payloadJson == null ? null : payloadJson.getBytes(StandardCharsets.UTF_8), recordHeaders)).get();
        } catch (Exception e) {
            throw new AssertionError("could not produce to " + topic, e);
        }
    }

    public void send(String topic, UUID id, String type, String aggregateId, String payloadJson) {
        send(topic, null, id, type, aggregateId, payloadJson, Map.of());
    }

    /** Reads {@code expected} records of {@code topic} from the beginning, with a fresh group, within 30 s. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
        }
        return received;
    }

    /** A header of a record as text, or null. */
    public static String header(ConsumerRecord<?, ?> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
