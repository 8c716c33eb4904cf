package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The runner thread around the poll loop, on MockConsumer/MockProducer: restarts and health. */
class EventConsumerRunnerTest {

    private static final String TOPIC = "outbox.event.order";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    record Ping(String id) {
    }

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final List<String> handled = new CopyOnWriteArrayList<>();

    private final RecordHandler handler = new RecordHandler() {
        @Override
        public Outcome handle(ConsumerRecord<byte[], byte[]> record) {
            handled.add(record.partition() + "@" + record.offset());
            return Outcome.APPLIED;
        }

        @Override
        public List<Outcome> handleAll(List<ConsumerRecord<byte[], byte[]>> records) {
            return records.stream().map(this::handle).toList();
        }

        @Override
        public boolean alreadyApplied(ConsumerRecord<byte[], byte[]> record) {
            return false;
        }
    };

    private DefaultEventConsumer start(Supplier<Consumer<byte[], byte[]>> consumers) {
        EventConsumer.Builder settings = EventConsumer.builder(new PGSimpleDataSource(), "localhost:9", "group")
                .topics(TOPIC)
                .on("Ping", Ping.class, (tx, event, context) -> { })
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50))
                .pollTimeout(Duration.ofMillis(10));
        DefaultEventConsumer consumer = new DefaultEventConsumer(settings, consumers, producer, handler,
                new ConsumerMetrics(new SimpleMeterRegistry(), "group"));
        consumer.start();
        return consumer;
    }

    /** A consumer that is assigned P0 and holds one record at its first poll. */
    private static ReplayingConsumer healthyConsumer() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0));
            consumer.append(P0, "Ping", UUID.randomUUID());
        });
        return consumer;
    }

    @Test
    void aPollLoopThatDiesIsRestartedWithANewConsumerAndTheRestartShowsInHealth() {
        ReplayingConsumer broken = new ReplayingConsumer();
        broken.setPollException(new KafkaException("broker says no"));
        ConcurrentLinkedQueue<Consumer<byte[], byte[]>> consumers = new ConcurrentLinkedQueue<>(
                List.of(broken, healthyConsumer()));

        try (DefaultEventConsumer consumer = start(consumers::remove)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains("0@0"));
            EventConsumer.Health health = consumer.health();
            assertThat(health.running()).isTrue();
            assertThat(health.restarts()).isEqualTo(1);
            assertThat(health.lastError()).contains("broker says no");
            assertThat(health.lastErrorAt()).isNotNull();
            assertThat(broken.closed()).isTrue();
            assertThat(consumer.assignment()).containsExactly(P0);
        }
    }

    @Test
    void aRunnerThatCannotGetAConsumerKeepsRetryingAndIsNotRunningMeanwhile() {
        ReplayingConsumer broken = new ReplayingConsumer();
        broken.setPollException(new KafkaException("broker says no"));
        ConcurrentLinkedQueue<Consumer<byte[], byte[]>> consumers = new ConcurrentLinkedQueue<>(List.of(broken));
        Supplier<Consumer<byte[], byte[]>> next = () -> {
            Consumer<byte[], byte[]> consumer = consumers.poll();
            if (consumer == null) {
                throw new KafkaException("cannot create a consumer");
            }
            return consumer;
        };

        DefaultEventConsumer consumer = start(next);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.health().restarts() >= 3);
        assertThat(consumer.health().running()).isFalse();
        assertThat(consumer.health().lastError()).contains("cannot create a consumer");
        assertThat(consumer.isRunning()).isTrue();

        consumer.close();
        assertThat(consumer.isRunning()).isFalse();
        assertThat(consumer.health().running()).isFalse();
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void closeStopsTheRunnerAndClosesTheClients() {
        ReplayingConsumer kafka = healthyConsumer();
        DefaultEventConsumer consumer = start(() -> kafka);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains("0@0"));

        consumer.close();
        consumer.close(); // idempotent

        assertThat(consumer.isRunning()).isFalse();
        assertThat(consumer.health()).isEqualTo(new EventConsumer.Health(false, 0, null, null));
        assertThat(kafka.closed()).isTrue();
        assertThat(kafka.groupOffset(P0).offset()).isEqualTo(1);
        assertThat(producer.closed()).isTrue();
    }
}
