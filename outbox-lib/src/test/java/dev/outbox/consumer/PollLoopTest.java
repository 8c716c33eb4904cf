package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The poll loop, retries, dead-lettering and commits on MockConsumer/MockProducer: no broker, no database. */
class PollLoopTest {

    private static final String TOPIC = "outbox.event.order";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ConsumerMetrics metrics = new ConsumerMetrics(meters, "group");

    /** A handler that fails as scripted per call and counts its calls per offset. */
    private static final class ScriptedHandler implements RecordHandler {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        final List<String> applied = new ArrayList<>();
        /** The records of each successful {@link #handleAll} call. */
        final List<List<String>> batches = new ArrayList<>();
        final Script script;
        boolean alreadyApplied;

        interface Script {
            void run(ConsumerRecord<byte[], byte[]> record, int call) throws Exception;
        }

        ScriptedHandler(Script script) {
            this.script = script;
        }

        @Override
        public Outcome handle(ConsumerRecord<byte[], byte[]> record) throws Exception {
            int call = calls.computeIfAbsent(key(record), k -> new AtomicInteger()).incrementAndGet();
            script.run(record, call);
            applied.add(key(record));
            return Outcome.APPLIED;
        }

        /** As one transaction: the script sees each record's next call, and nothing is applied when it throws. */
        @Override
        public List<Outcome> handleAll(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
            List<String> staged = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                AtomicInteger calls = this.calls.get(key(record));
                script.run(record, (calls == null ? 0 : calls.get()) + 1);
                staged.add(key(record));
            }
            applied.addAll(staged);
            batches.add(staged);
            return staged.stream().map(key -> Outcome.APPLIED).toList();
        }

        @Override
        public boolean alreadyApplied(ConsumerRecord<byte[], byte[]> record) {
            return alreadyApplied;
        }

        int calls(TopicPartition partition, long offset) {
            AtomicInteger count = calls.get(partition.partition() + "@" + offset);
            return count == null ? 0 : count.get();
        }

        static String key(ConsumerRecord<byte[], byte[]> record) {
            return record.partition() + "@" + record.offset();
        }
    }

    private PollLoop loop(ReplayingConsumer consumer, RecordHandler handler, int maxAttempts) {
        return loop(consumer, handler, maxAttempts, Duration.ZERO);
    }

    private PollLoop loop(ReplayingConsumer consumer, RecordHandler handler, int maxAttempts,
                          Duration commitInterval) {
        return loop(consumer, handler, maxAttempts, commitInterval, 1);
    }

    private PollLoop loop(ReplayingConsumer consumer, RecordHandler handler, int maxAttempts, Duration commitInterval,
                          int batchSize) {
        RetryPolicy policy = new RetryPolicy(maxAttempts, Duration.ZERO, Duration.ZERO,
                List.of(NonRetriableException.class));
        PollLoop loop = new PollLoop(consumer, "group", List.of(TOPIC), Duration.ofMillis(1), commitInterval, policy,
                handler, new DeadLetterPublisher(producer, "-dlt", "group", metrics), metrics, null, batchSize);
        loop.subscribe();
        return loop;
    }

    private static void pollTimes(PollLoop loop, int times) {
        for (int i = 0; i < times; i++) {
            loop.pollOnce();
        }
    }

    private double count(String name) {
        return meters.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void recordsAreHandledInOrderAndTheOffsetAfterTheLastIsCommitted() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> { });
        PollLoop loop = loop(consumer, handler, 3);
        consumer.rebalance(List.of(P0));
        for (int i = 0; i < 3; i++) {
            consumer.append(P0, "Ping", UUID.randomUUID());
        }

        loop.pollOnce();

        assertThat(handler.applied).containsExactly("0@0", "0@1", "0@2");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(3));
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void theRecordsOfAPollAreHandledAsOneUnitPerBatchSizeInOrder() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> { });
        PollLoop loop = loop(consumer, handler, 3, Duration.ZERO, 3);
        consumer.rebalance(List.of(P0));
        for (int i = 0; i < 7; i++) {
            consumer.append(P0, "Ping", UUID.randomUUID());
        }

        loop.pollOnce();

        assertThat(handler.batches).containsExactly(List.of("0@0", "0@1", "0@2"), List.of("0@3", "0@4", "0@5"));
        assertThat(handler.calls(P0, 6)).isEqualTo(1); // the last one alone: a batch of one is a plain record
        assertThat(handler.applied).containsExactly("0@0", "0@1", "0@2", "0@3", "0@4", "0@5", "0@6");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(7));
    }

    @Test
    void aPoisonRecordInABatchIsRetriedAndDeadLetteredAloneWhileTheOthersAreAppliedOnceInOrder() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            if (record.offset() == 2) {
                throw new IllegalStateException("poison");
            }
        });
        PollLoop loop = loop(consumer, handler, 3, Duration.ZERO, 100);
        consumer.rebalance(List.of(P0));
        for (int i = 0; i < 5; i++) {
            consumer.append(P0, "Ping", UUID.randomUUID());
        }

        pollTimes(loop, 5);

        assertThat(handler.applied).containsExactly("0@0", "0@1", "0@3", "0@4");
        assertThat(handler.calls(P0, 2)).isEqualTo(3); // its own attempts; the rolled-back batch does not count
        assertThat(handler.calls(P0, 0)).isEqualTo(1);
        assertThat(producer.history()).hasSize(1);
        assertThat(header(producer.history().getFirst(), DeadLetterHeaders.ORIGINAL_OFFSET)).isEqualTo("2");
        assertThat(header(producer.history().getFirst(), DeadLetterHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(5));
    }

    @Test
    void aRetryOfAFailedBatchCommitsTheRecordsBeforeThePoisonOneBeforeWaiting() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            if (record.offset() == 1 && call == 1) {
                throw new IllegalStateException("fails once");
            }
        });
        PollLoop loop = loop(consumer, handler, 3, Duration.ZERO, 100);
        consumer.rebalance(List.of(P0));
        for (int i = 0; i < 3; i++) {
            consumer.append(P0, "Ping", UUID.randomUUID());
        }

        loop.pollOnce();

        assertThat(handler.applied).containsExactly("0@0");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1, "outbox.attempts=1"));

        pollTimes(loop, 2);

        assertThat(handler.applied).containsExactly("0@0", "0@1", "0@2");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(3));
    }

    @Test
    void progressWithinTheCommitIntervalWaitsForTheNextCommitAndCloseCommitsIt() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> { });
        PollLoop loop = loop(consumer, handler, 3, Duration.ofHours(1));
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "Ping", UUID.randomUUID());

        loop.pollOnce();
        assertThat(consumer.groupOffset(P0)).as("the first progress is committed at once")
                .isEqualTo(new OffsetAndMetadata(1));

        consumer.append(P0, "Ping", UUID.randomUUID());
        consumer.append(P0, "Ping", UUID.randomUUID());
        loop.pollOnce();
        assertThat(handler.applied).containsExactly("0@0", "0@1", "0@2");
        assertThat(consumer.groupOffset(P0)).as("within the interval").isEqualTo(new OffsetAndMetadata(1));

        loop.close();
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(3));
    }

    @Test
    void aFailingRecordIsRetriedInItsPlaceWhileTheOtherPartitionGoesOn() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            if (record.partition() == 0 && record.offset() == 0 && call <= 2) {
                throw new IllegalStateException("busy");
            }
        });
        PollLoop loop = loop(consumer, handler, 5);
        consumer.rebalance(List.of(P0, P1));
        consumer.append(P0, "Ping", UUID.randomUUID());
        consumer.append(P0, "Ping", UUID.randomUUID());
        consumer.append(P1, "Ping", UUID.randomUUID());

        loop.pollOnce();
        assertThat(handler.applied).containsExactly("1@0");
        assertThat(consumer.paused()).containsExactly(P0);
        // The failure is committed at the failing record with its count, before any retry.
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(0, "outbox.attempts=1"));

        pollTimes(loop, 3);

        assertThat(handler.applied).containsExactly("1@0", "0@0", "0@1");
        assertThat(handler.calls(P0, 0)).isEqualTo(3);
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(2));
        assertThat(consumer.groupOffset(P1)).isEqualTo(new OffsetAndMetadata(1));
        assertThat(count(ConsumerMetrics.RETRIES)).isEqualTo(2);
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aRecordFailingMaxAttemptsTimesIsDeadLetteredWithItsHeadersAndTheNextOneIsHandled() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        UUID id = UUID.randomUUID();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            if (record.offset() == 0) {
                throw new IllegalStateException("always failing");
            }
        });
        PollLoop loop = loop(consumer, handler, 3);
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "Ping", id);
        consumer.append(P0, "Ping", UUID.randomUUID());

        pollTimes(loop, 4);

        assertThat(handler.calls(P0, 0)).isEqualTo(3);
        assertThat(handler.applied).containsExactly("0@1");
        assertThat(producer.history()).hasSize(1);
        ProducerRecord<byte[], byte[]> dead = producer.history().getFirst();
        assertThat(dead.topic()).isEqualTo(TOPIC + "-dlt");
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("key");
        assertThat(header(dead, "id")).isEqualTo(id.toString());
        assertThat(header(dead, DeadLetterHeaders.ORIGINAL_TOPIC)).isEqualTo(TOPIC);
        assertThat(header(dead, DeadLetterHeaders.ORIGINAL_PARTITION)).isEqualTo("0");
        assertThat(header(dead, DeadLetterHeaders.ORIGINAL_OFFSET)).isEqualTo("0");
        assertThat(header(dead, DeadLetterHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(header(dead, DeadLetterHeaders.EXCEPTION_CLASS)).isEqualTo(IllegalStateException.class.getName());
        assertThat(header(dead, DeadLetterHeaders.EXCEPTION_MESSAGE)).isEqualTo("always failing");
        assertThat(header(dead, DeadLetterHeaders.CONSUMER_GROUP)).isEqualTo("group");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(2));
        assertThat(count(ConsumerMetrics.DEAD_LETTERED)).isEqualTo(1);
    }

    @Test
    void aNonRetriableFailureIsDeadLetteredAtOnce() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            throw new NonRetriableException("order does not exist");
        });
        PollLoop loop = loop(consumer, handler, 5);
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "Ping", UUID.randomUUID());

        loop.pollOnce();

        assertThat(handler.calls(P0, 0)).isEqualTo(1);
        assertThat(producer.history()).hasSize(1);
        assertThat(header(producer.history().getFirst(), DeadLetterHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
    }

    @Test
    void anErrorThrownByTheHandlerIsRetriedThenDeadLetteredLikeAnyFailure() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            if (record.offset() == 0) {
                throw call == 1 ? new StackOverflowError() : new AssertionError("invariant broken");
            }
        });
        PollLoop loop = loop(consumer, handler, 2);
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "Ping", UUID.randomUUID());
        consumer.append(P0, "Ping", UUID.randomUUID());

        pollTimes(loop, 3);

        assertThat(handler.calls(P0, 0)).isEqualTo(2);
        assertThat(handler.applied).containsExactly("0@1");
        assertThat(producer.history()).hasSize(1);
        assertThat(header(producer.history().getFirst(), DeadLetterHeaders.EXCEPTION_CLASS))
                .isEqualTo(AssertionError.class.getName());
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(2));
    }

    @Test
    void serializationFailuresDeadlocksAndLockTimeoutsAreRetriedWithoutCountingAsAttempts() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        List<String> states = List.of("40001", "40P01", "55P03", "40001");
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            if (call <= states.size()) {
                // As jOOQ or Spring hand it over: the driver's exception as a cause.
                throw new RuntimeException("lost a race", new SQLException("race", states.get(call - 1)));
            }
        });
        PollLoop loop = loop(consumer, handler, 1); // a single counted failure would dead-letter it
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "Ping", UUID.randomUUID());

        pollTimes(loop, states.size() + 1);

        assertThat(handler.calls(P0, 0)).isEqualTo(states.size() + 1);
        assertThat(handler.applied).containsExactly("0@0");
        assertThat(producer.history()).isEmpty();
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
        assertThat(count(ConsumerMetrics.RETRIES)).isEqualTo(states.size());
    }

    @Test
    void attemptsCountedBeforeARebalanceCarryOverToTheNextAssignment() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            throw new IllegalStateException("always failing");
        });
        PollLoop loop = loop(consumer, handler, 3);
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "Ping", UUID.randomUUID());

        loop.pollOnce(); // attempt 1
        consumer.rebalance(List.of()); // the partition goes to another member...
        loop.pollOnce();
        consumer.rebalance(List.of(P0)); // ...and comes back: the in-memory count is gone, the committed one is not
        loop.pollOnce(); // attempt 2
        assertThat(producer.history()).isEmpty();
        consumer.rebalance(List.of());
        consumer.rebalance(List.of(P0));
        pollTimes(loop, 2); // attempt 3: the last

        assertThat(handler.calls(P0, 0)).isEqualTo(3);
        assertThat(producer.history()).hasSize(1);
        assertThat(header(producer.history().getFirst(), DeadLetterHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
    }

    @Test
    void attemptsCountedBeforeARestartCarryOverToTheNextConsumer() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        consumer.append(P0, "Ping", UUID.randomUUID());
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            throw new IllegalStateException("always failing");
        });
        for (int run = 1; run <= 3; run++) {
            PollLoop loop = loop(consumer, handler, 3);
            consumer.rebalance(List.of(P0));
            loop.pollOnce(); // one attempt per run, then a graceful close
            loop.close();
            consumer = consumer.restarted();
        }

        assertThat(handler.calls(P0, 0)).isEqualTo(3);
        assertThat(producer.history()).hasSize(1);
        assertThat(header(producer.history().getFirst(), DeadLetterHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
    }

    @Test
    void aRecordThatKillsTheProcessIsCountedAndDeadLetteredAfterMaxAttemptsRuns() {
        ReplayingConsumer[] current = {new ReplayingConsumer()};
        current[0].append(P0, "Ping", UUID.randomUUID());
        current[0].commitSync(Map.of(P0, new OffsetAndMetadata(0))); // the group consumed this partition before
        // The handler "kills the process": what was committed while it ran is all a crash leaves behind.
        List<Map<TopicPartition, OffsetAndMetadata>> leftByCrash = new ArrayList<>();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> leftByCrash.add(current[0].groupOffsets()));
        for (int run = 1; run <= 3; run++) {
            PollLoop loop = loop(current[0], handler, 3);
            current[0].rebalance(List.of(P0));
            loop.pollOnce();
            current[0] = current[0].restartedWith(leftByCrash.getLast());
        }
        assertThat(leftByCrash).extracting(offsets -> offsets.get(P0)).containsExactly(
                new OffsetAndMetadata(0, "outbox.attempts=1"), new OffsetAndMetadata(0, "outbox.attempts=2"),
                new OffsetAndMetadata(0, "outbox.attempts=3"));

        PollLoop last = loop(current[0], handler, 3);
        current[0].rebalance(List.of(P0));
        last.pollOnce();

        assertThat(handler.calls(P0, 0)).isEqualTo(3);
        assertThat(producer.history()).hasSize(1);
        assertThat(header(producer.history().getFirst(), DeadLetterHeaders.EXCEPTION_CLASS))
                .isEqualTo(RecordAttempts.AttemptsCutShortException.class.getName());
        assertThat(current[0].groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
    }

    @Test
    void afterAnUncountedRetryOfAFreshlyAssignedPartitionTheNextAttemptIsStillCountedBeforeItRuns() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        consumer.append(P0, "Ping", UUID.randomUUID());
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0)));
        List<OffsetAndMetadata> seenByTheHandler = new ArrayList<>();
        ScriptedHandler handler = new ScriptedHandler((record, call) -> {
            seenByTheHandler.add(consumer.groupOffset(P0));
            if (call == 1) {
                throw new RuntimeException(new SQLException("deadlock", "40P01"));
            }
        });
        PollLoop loop = loop(consumer, handler, 3);
        consumer.rebalance(List.of(P0));

        pollTimes(loop, 2);

        // The deadlock was not counted, yet the retry could still kill the process: it is recorded before it runs.
        assertThat(seenByTheHandler).containsExactly(new OffsetAndMetadata(0, "outbox.attempts=1"),
                new OffsetAndMetadata(0, "outbox.attempts=1"));
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
    }

    @Test
    void aRecordWhoseLastCutShortAttemptHadCommittedIsSkippedNotDeadLettered() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        consumer.append(P0, "Ping", UUID.randomUUID());
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0, "outbox.attempts=3")));
        ScriptedHandler handler = new ScriptedHandler((record, call) -> { });
        handler.alreadyApplied = true;
        PollLoop loop = loop(consumer, handler, 3);
        consumer.rebalance(List.of(P0));

        loop.pollOnce();

        assertThat(handler.calls(P0, 0)).isZero();
        assertThat(producer.history()).isEmpty();
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
    }

    @Test
    void withoutAnyOffsetCommittedByTheGroupNothingIsCommittedBeforeTheFirstRecordSucceeds() {
        ReplayingConsumer consumer = new ReplayingConsumer();
        List<OffsetAndMetadata> seenByTheHandler = new ArrayList<>();
        ReplayingConsumer[] self = {consumer};
        ScriptedHandler handler = new ScriptedHandler((record, call) -> seenByTheHandler.add(self[0].groupOffset(P0)));
        PollLoop loop = loop(consumer, handler, 3);
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "Ping", UUID.randomUUID());

        loop.pollOnce();

        assertThat(seenByTheHandler).containsExactly((OffsetAndMetadata) null);
        assertThat(consumer.groupOffset(P0)).isEqualTo(new OffsetAndMetadata(1));
    }
}
