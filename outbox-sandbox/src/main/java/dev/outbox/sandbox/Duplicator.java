package dev.outbox.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Chaos for the consumers: reads the event topics and publishes a fraction of the records again, byte for byte
 * (same key, value and headers, so the same event id), as an at-least-once pipeline may after a crash.
 */
final class Duplicator implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final double ratio;
    private final Random random;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong duplicated = new AtomicLong();
    private final Thread thread;

    Duplicator(String bootstrapServers, List<String> topics, double ratio, long seed) {
        this.ratio = ratio;
        this.random = new Random(seed);
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "sandbox-duplicator",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer());
        consumer.subscribe(topics);
        this.thread = Thread.ofPlatform().name("sandbox-duplicator").daemon().start(this::loop);
    }

    private void loop() {
        while (running.get()) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                // A re-published copy is itself read back here: duplicate only originals (no marker header), so
                // the copies stay a fraction of the originals.
                if (record.headers().lastHeader("sandbox-duplicate") == null && random.nextDouble() < ratio) {
                    ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(record.topic(), record.partition(),
                            record.key(), record.value(), record.headers());
                    copy.headers().add("sandbox-duplicate", new byte[] {1});
                    producer.send(copy);
                    duplicated.incrementAndGet();
                }
            }
        }
    }

    long duplicated() {
        return duplicated.get();
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
        consumer.close();
    }
}
