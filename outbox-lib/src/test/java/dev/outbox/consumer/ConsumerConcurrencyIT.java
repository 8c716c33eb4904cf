package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.support.RelayRecords;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runner with {@code concurrency > 1}: partitions side by side, each still in order, offsets after commits. */
@OutboxInfraTest
class ConsumerConcurrencyIT {

    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 20;

    record Step(int partition, int n) {
    }

    private final List<EventConsumer> consumers = new ArrayList<>();
    private RelayRecords relay;
    private String topic;
    private String group;

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("""
                CREATE TABLE applied (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, kafka_partition int NOT NULL,
                                      n int NOT NULL, thread text NOT NULL)""");
    }

    @BeforeEach
    void setUp(Kafka kafka, TestDatabase database) {
        relay = new RelayRecords(kafka.bootstrapServers());
        topic = "outbox.event.concurrent-" + UUID.randomUUID();
        group = "concurrent-" + UUID.randomUUID();
        kafka.createTopic(topic, PARTITIONS);
        database.execute("TRUNCATE applied");
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        relay.close();
    }

    private void sendSteps() {
        for (int n = 0; n < PER_PARTITION; n++) {
            for (int p = 0; p < PARTITIONS; p++) {
                relay.send(topic, p, UUID.randomUUID(), "Step", "agg-" + p,
                        "{\"partition\":" + p + ",\"n\":" + n + "}", Map.of());
            }
        }
    }

    private EventConsumer start(DataSource dataSource, Kafka kafka, EventHandler<Step> handler) {
        EventConsumer consumer = EventConsumer.builder(dataSource, kafka.bootstrapServers(), group)
                .topics(topic)
                .concurrency(PARTITIONS)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .pollTimeout(Duration.ofMillis(100))
                .on("Step", Step.class, handler)
                .start();
        consumers.add(consumer);
        return consumer;
    }

    private static void apply(DSLContext tx, Step step, ConsumedEvent context) {
        tx.execute("INSERT INTO applied (event_id, kafka_partition, n, thread) VALUES (?::uuid, ?, ?, ?)",
                context.eventId(), context.partition(), step.n(), Thread.currentThread().getName());
    }

    private long committedTotal(Kafka kafka) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            return offsets.values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Each partition's steps were applied once each, in offset order (the serial seq is the commit order). */
    private static void assertAppliedOnceInOrder(DSLContext dsl) {
        for (int p = 0; p < PARTITIONS; p++) {
            List<Integer> order = dsl.fetch("SELECT n FROM applied WHERE kafka_partition = ? ORDER BY seq", p)
                    .map(r -> r.get(0, Integer.class));
            List<Integer> expected = new ArrayList<>();
            for (int n = 0; n < PER_PARTITION; n++) {
                expected.add(n);
            }
            assertThat(order).as("partition %d", p).isEqualTo(expected);
        }
    }

    @Test
    void partitionsOfOnePollAreHandledAtTheSameTimeEachInOrder(DataSource dataSource, DSLContext dsl, Kafka kafka) {
        sendSteps();
        // The first step of every partition waits until all three are in their handlers at once: possible only if
        // the partitions really run side by side.
        CyclicBarrier together = new CyclicBarrier(PARTITIONS);
        AtomicBoolean metTogether = new AtomicBoolean();
        start(dataSource, kafka, (tx, step, context) -> {
            if (step.n() == 0) {
                try {
                    together.await(20, TimeUnit.SECONDS);
                    metTogether.set(true);
                } catch (BrokenBarrierException | TimeoutException e) {
                    throw new IllegalStateException("partitions were not handled concurrently", e);
                }
            }
            apply(tx, step, context);
        });

        await().atMost(Duration.ofSeconds(60)).until(() -> committedTotal(kafka) == (long) PARTITIONS * PER_PARTITION);
        assertThat(metTogether).isTrue();
        assertAppliedOnceInOrder(dsl);
        Set<String> threads = Set.copyOf(dsl.fetch("SELECT DISTINCT thread FROM applied")
                .map(r -> r.get(0, String.class)));
        assertThat(threads).hasSizeGreaterThan(1).allMatch(t -> t.startsWith("outbox-consumer-" + group + "-worker-"));
    }

    @Test
    void aFailingRecordIsRetriedInItsPlaceAndAppliedOnce(DataSource dataSource, DSLContext dsl, Kafka kafka) {
        sendSteps();
        AtomicInteger failures = new AtomicInteger();
        start(dataSource, kafka, (tx, step, context) -> {
            if (step.partition() == 0 && step.n() == 5 && failures.get() < 3) {
                failures.incrementAndGet();
                throw new IllegalStateException("transient failure " + failures.get());
            }
            apply(tx, step, context);
        });

        await().atMost(Duration.ofSeconds(60)).until(() -> committedTotal(kafka) == (long) PARTITIONS * PER_PARTITION);
        assertThat(failures).hasValue(3);
        assertAppliedOnceInOrder(dsl);
        // Rolled back three times, applied once: the inbox holds exactly one row per event.
        assertThat(dsl.fetchOne("SELECT count(*) FROM processed_event WHERE consumer_group = ?", group)
                .get(0, Integer.class)).isEqualTo(PARTITIONS * PER_PARTITION);
    }
}
