package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.support.RelayRecords;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 18: several records of a partition per database transaction, with the guarantees of one per transaction. */
@OutboxInfraTest
class ConsumerBatchIT {

    record Step(int seq) {
    }

    private final List<EventConsumer> consumers = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private RelayRecords relay;
    private String topic;
    private String group;

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("""
                CREATE TABLE batch_effect (
                    applied bigserial PRIMARY KEY,
                    event_id uuid NOT NULL,
                    seq int NOT NULL,
                    txid bigint NOT NULL DEFAULT txid_current())
                """);
    }

    @BeforeEach
    void setUp(Kafka kafka, TestDatabase database) {
        relay = new RelayRecords(kafka.bootstrapServers());
        topic = "outbox.event.batch-" + UUID.randomUUID();
        group = "batch-" + UUID.randomUUID();
        kafka.createTopic(topic, 1);
        database.execute("TRUNCATE batch_effect");
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        relay.close();
    }

    private static void applyEffect(DSLContext tx, Step step, ConsumedEvent context) {
        tx.execute("INSERT INTO batch_effect (event_id, seq) VALUES (?::uuid, ?)", context.eventId(), step.seq());
    }

    private EventConsumer started(EventConsumer.Builder builder) {
        EventConsumer consumer = builder.start();
        consumers.add(consumer);
        return consumer;
    }

    private EventConsumer.Builder consumer(DataSource dataSource, Kafka kafka) {
        return EventConsumer.builder(dataSource, kafka.bootstrapServers(), group)
                .topics(topic)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .pollTimeout(Duration.ofMillis(100))
                .meterRegistry(meters);
    }

    private List<UUID> sendSteps(int from, int to) {
        List<UUID> ids = new ArrayList<>();
        for (int seq = from; seq < to; seq++) {
            UUID id = UUID.randomUUID();
            relay.send(topic, 0, id, "Step", "aggregate-1", "{\"seq\":" + seq + "}", Map.of());
            ids.add(id);
        }
        return ids;
    }

    private static List<Integer> appliedInOrder(DSLContext dsl) {
        return dsl.fetch("SELECT seq FROM batch_effect ORDER BY applied").getValues(0, Integer.class);
    }

    private long committed(Kafka kafka) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private double count(String name) {
        return meters.find(name).tag("group", group).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void theRecordsOfAPollCommitInTransactionsOfAtMostTheBatchSizeInOffsetOrder(
            DataSource dataSource, DSLContext dsl, Kafka kafka) {
        sendSteps(0, 20);

        started(consumer(dataSource, kafka).batchSize(8).on("Step", Step.class, ConsumerBatchIT::applyEffect));

        await().atMost(Duration.ofSeconds(60)).until(() -> committed(kafka) == 20);
        assertThat(appliedInOrder(dsl)).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed()
                .toList());
        List<Integer> perTransaction = dsl.fetch("SELECT count(*) FROM batch_effect GROUP BY txid")
                .getValues(0, Integer.class);
        assertThat(perTransaction).allSatisfy(records -> assertThat(records).isLessThanOrEqualTo(8));
        // One transaction per record would make 20; a fetch may split the 20 records over a few polls.
        assertThat(perTransaction).hasSizeLessThanOrEqualTo(6);
        assertThat(dsl.fetchOne("SELECT count(DISTINCT txid) FROM batch_effect").get(0, Integer.class))
                .isEqualTo(perTransaction.size());
        assertThat(count("outbox.consumer.processed")).isEqualTo(20);
    }

    @Test
    void anEventAppliedBeforeOrRepeatedWithinABatchIsAppliedOnceAndCountedAsADuplicate(
            DataSource dataSource, DSLContext dsl, Kafka kafka) {
        List<UUID> earlier = sendSteps(0, 3);
        started(consumer(dataSource, kafka).batchSize(50).on("Step", Step.class, ConsumerBatchIT::applyEffect));
        await().atMost(Duration.ofSeconds(60)).until(() -> committed(kafka) == 3);

        UUID repeated = UUID.randomUUID();
        relay.send(topic, 0, earlier.get(1), "Step", "aggregate-1", "{\"seq\":1}", Map.of());
        relay.send(topic, 0, repeated, "Step", "aggregate-1", "{\"seq\":3}", Map.of());
        relay.send(topic, 0, repeated, "Step", "aggregate-1", "{\"seq\":3}", Map.of());
        sendSteps(4, 5);

        await().atMost(Duration.ofSeconds(60)).until(() -> committed(kafka) == 7);
        assertThat(appliedInOrder(dsl)).containsExactly(0, 1, 2, 3, 4);
        assertThat(count("outbox.consumer.processed")).isEqualTo(5);
        assertThat(count("outbox.consumer.duplicates")).isEqualTo(2);
    }

    @Test
    void aPoisonRecordInTheMiddleOfABatchIsRetriedAndDeadLetteredAloneAndTheOthersAreAppliedOnceInOrder(
            DataSource dataSource, DSLContext dsl, Kafka kafka) {
        List<UUID> ids = sendSteps(0, 7);
        AtomicInteger poisonAttempts = new AtomicInteger();

        started(consumer(dataSource, kafka).maxAttempts(3).on("Step", Step.class, (tx, step, context) -> {
            applyEffect(tx, step, context); // written, then rolled back with the failure
            if (step.seq() == 3) {
                poisonAttempts.incrementAndGet();
                throw new IllegalStateException("step 3 always fails");
            }
        }));

        await().atMost(Duration.ofSeconds(60)).until(() -> committed(kafka) == 7);
        assertThat(appliedInOrder(dsl)).containsExactly(0, 1, 2, 4, 5, 6);
        // Its own three counted attempts, after one in the batch that rolled back (unless a poll gave it alone).
        assertThat(poisonAttempts.get()).isBetween(3, 4);
        List<ConsumerRecord<byte[], byte[]>> dead = relay.readAll(topic + "-dlt", 1);
        assertThat(dead).hasSize(1);
        assertThat(RelayRecords.header(dead.getFirst(), "id")).isEqualTo(ids.get(3).toString());
        assertThat(RelayRecords.header(dead.getFirst(), DeadLetterHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(count("outbox.consumer.processed")).isEqualTo(6);
        assertThat(count("outbox.consumer.dead.lettered")).isEqualTo(1);
    }

    /**
     * The first member hangs in the middle of a batch, its connection is cut (what a crash does to its transaction)
     * and it is thrown out of the group; the second member re-reads from the last committed offset, which lags
     * behind the database.
     */
    @Test
    void aMemberThatDiesInTheMiddleOfABatchLeavesNothingAppliedTwiceAfterTheRestart(
            DataSource dataSource, DSLContext dsl, Kafka kafka) throws Exception {
        CountDownLatch hung = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean dead = new AtomicBoolean();
        AtomicInteger backend = new AtomicInteger();
        EventHandler<Step> dying = (tx, step, context) -> {
            if (dead.get()) {
                throw new IllegalStateException("this member is dead");
            }
            applyEffect(tx, step, context);
            if (step.seq() == 7) {
                backend.set(tx.fetchOne("SELECT pg_backend_pid()").get(0, Integer.class));
                hung.countDown();
                assertThat(release.await(120, TimeUnit.SECONDS)).isTrue();
                throw new IllegalStateException("this member is dead");
            }
        };
        started(consumer(dataSource, kafka)
                .offsetCommitInterval(Duration.ofHours(1)) // the first offset only: the rest stays behind
                .consumerProperty("max.poll.interval.ms", 4000) // a hung member is thrown out soon
                .on("Step", Step.class, dying));
        sendSteps(0, 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> committed(kafka) == 1);
        sendSteps(1, 5);
        await().atMost(Duration.ofSeconds(60)).until(() -> appliedInOrder(dsl).size() == 5);
        sendSteps(5, 9);
        assertThat(hung.await(60, TimeUnit.SECONDS)).isTrue();
        List<Integer> committedByTheFirst = appliedInOrder(dsl);
        // 7 hangs in an open transaction, with those of 5 and 6 its poll gave it with 7.
        assertThat(committedByTheFirst).startsWith(0, 1, 2, 3, 4).doesNotContain(7, 8);
        dsl.execute("SELECT pg_terminate_backend(?)", backend.get());
        dead.set(true);
        assertThat(committed(kafka)).isEqualTo(1);

        SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
        try (EventConsumer second = EventConsumer.builder(dataSource, kafka.bootstrapServers(), group)
                .topics(topic)
                .pollTimeout(Duration.ofMillis(100))
                .meterRegistry(secondMeters)
                .on("Step", Step.class, ConsumerBatchIT::applyEffect)
                .start()) {
            await().atMost(Duration.ofSeconds(90)).until(() -> appliedInOrder(dsl).size() >= 9);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka) == 9);
            assertThat(secondMeters.find("outbox.consumer.duplicates").counters().stream()
                    .mapToDouble(c -> c.count()).sum()).isEqualTo(committedByTheFirst.size() - 1);
        } finally {
            release.countDown();
        }
        assertThat(appliedInOrder(dsl)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(dsl.fetchOne("SELECT count(*) FROM processed_event WHERE consumer_group = ?", group)
                .get(0, Integer.class)).isEqualTo(9);
    }
}
