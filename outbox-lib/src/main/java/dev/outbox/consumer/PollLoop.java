package dev.outbox.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka consumer's life: subscribe, poll, hand each partition's records to {@link RecordAttempts} (side by side
 * on the workers when there are any; several records per database transaction), rewind and pause a partition whose record waits for a retry, commit what the
 * database committed. Only this loop's thread touches the consumer, which is not thread-safe.
 *
 * <p>Attempt counts outlive the consumer: a counted failure commits the record's offset with the attempts in its
 * metadata, and so does every attempt that could crash the process unseen (a retry, or any record of a partition
 * from its assignment until a record is applied, when the group had committed an offset there). A record that
 * kills the process each time is thus dead-lettered after {@code maxAttempts} runs.
 */
final class PollLoop {

    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Consumer<byte[], byte[]> consumer;
    private final String group;
    private final List<String> topics;
    private final Duration pollTimeout;
    private final RetryPolicy policy;
    private final RecordAttempts attempts;
    private final OffsetCommits commits;
    /** Runs the partitions of one poll side by side; null when they run on this loop's thread. */
    private final ExecutorService workers;
    /** Assigned partitions where a record the previous owner was handling may have crashed it. */
    private final Set<TopicPartition> unverified = new HashSet<>();
    private volatile boolean running = true;
    private volatile boolean polled;
    private volatile Set<TopicPartition> assignment = Set.of();

    PollLoop(Consumer<byte[], byte[]> consumer, String group, List<String> topics, Duration pollTimeout,
             Duration commitInterval, RetryPolicy policy, RecordHandler handler, DeadLetterPublisher deadLetters,
             ConsumerMetrics metrics, ExecutorService workers, int batchSize) {
        this.consumer = consumer;
        this.group = group;
        this.topics = List.copyOf(topics);
        this.pollTimeout = pollTimeout;
        this.policy = policy;
        this.attempts = new RecordAttempts(handler, policy, deadLetters, metrics, () -> running, batchSize);
        this.commits = new OffsetCommits(consumer, group, commitInterval);
        this.workers = workers;
    }

    void subscribe() {
        consumer.subscribe(topics, new Rebalance());
    }

    /** Polls until {@link #stop()}; throws what broke the loop. Call {@link #close()} afterwards in any case. */
    void run() {
        try {
            while (running) {
                pollOnce();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        }
    }

    void pollOnce() {
        resumeDuePartitions();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(nextPollTimeout());
        polled = true;
        processBatch(records);
        commits.commitDue(System.nanoTime());
    }

    /** Asks the loop to stop after the record in progress; safe from any thread. */
    void stop() {
        running = false;
        consumer.wakeup();
    }

    /** Whether a poll has returned since this loop started. */
    boolean hasPolled() {
        return polled;
    }

    Set<TopicPartition> assignment() {
        return assignment;
    }

    /** Commits what is done, leaves the group and closes the consumer, bounded in time. */
    void close() {
        try {
            commits.commitPending();
        } catch (RuntimeException e) {
            log.warn("Consumer group {}: final offset commit failed; the inbox absorbs the redelivery", group, e);
        }
        try {
            // Bounded: with the broker gone, leaving the group must not hold up a service's shutdown.
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            log.warn("Consumer group {}: closing the Kafka consumer failed", group, e);
        } finally {
            if (workers != null) {
                workers.shutdownNow();
            }
            assignment = Set.of();
        }
    }

    /**
     * Handles a poll's records partition by partition in offset order. Records that need an offset commit before
     * their attempt (see the class comment) run first, here; the rest of each partition then runs on the workers
     * when there are any. Either way this returns only when every record handled has committed in the database
     * (or was left for a retry), so the offsets committed next never pass an uncommitted record.
     */
    private void processBatch(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> rest = new LinkedHashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> remaining = processGuarded(partition, records.records(partition));
            if (!remaining.isEmpty()) {
                rest.put(partition, remaining);
            }
        }
        if (workers == null || rest.size() < 2) {
            rest.forEach((partition, ofPartition) -> apply(attempts.process(partition, ofPartition)));
            return;
        }
        List<Future<RecordAttempts.PartitionResult>> results = new ArrayList<>(rest.size());
        rest.forEach((partition, ofPartition) ->
                results.add(workers.submit(() -> attempts.process(partition, ofPartition))));
        RuntimeException failure = null;
        for (Future<RecordAttempts.PartitionResult> result : results) {
            try {
                apply(getUninterruptibly(result));
            } catch (ExecutionException e) {
                // RecordAttempts turns every failure into a retry, so this is a bug: after the other partitions are
                // accounted for, let the loop die and be restarted.
                if (failure == null) {
                    failure = new IllegalStateException("a consumer worker failed", e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs the records that need an offset commit first, one by one; returns the rest of the partition's batch. */
    private List<ConsumerRecord<byte[], byte[]>> processGuarded(TopicPartition partition,
                                                                List<ConsumerRecord<byte[], byte[]>> records) {
        int index = 0;
        while (index < records.size() && running) {
            ConsumerRecord<byte[], byte[]> record = records.get(index);
            int counted = attempts.attemptsAt(partition, record.offset());
            if (!unverified.contains(partition) && counted == 0) {
                break;
            }
            if (!policy.exhausted(counted)) {
                commits.attempts(partition, record.offset(), counted + 1); // counted even if it kills the process
                commits.commitPending();
            }
            RecordAttempts.PartitionResult result = attempts.process(partition, List.of(record));
            apply(result);
            if (result.applied() || (result.retry() != null && result.retry().counted())) {
                unverified.remove(partition); // from here on, the retry state or a plain run covers the partition
            }
            if (result.retry() != null) {
                return List.of();
            }
            index++;
        }
        return records.subList(index, records.size());
    }

    private void apply(RecordAttempts.PartitionResult result) {
        TopicPartition partition = result.partition();
        if (result.nextOffset() != null) {
            commits.done(partition, result.nextOffset());
        }
        RecordAttempts.Retry retry = result.retry();
        if (retry != null) {
            consumer.seek(partition, retry.offset());
            consumer.pause(List.of(partition));
            if (retry.counted()) {
                commits.attempts(partition, retry.offset(), retry.attempts());
                commits.commitPending(); // the count must survive a crash during the backoff
            }
        }
    }

    private static <T> T getUninterruptibly(Future<T> future) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the worker is mid-transaction: its outcome must be known before going on
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void resumeDuePartitions() {
        Set<TopicPartition> paused = consumer.paused();
        if (!paused.isEmpty()) {
            Set<TopicPartition> assigned = consumer.assignment(); // a revoked partition can still be listed paused
            Set<TopicPartition> due = attempts.due(paused, System.nanoTime());
            due = Set.copyOf(due.stream().filter(assigned::contains).toList());
            if (!due.isEmpty()) {
                consumer.resume(due);
            }
        }
    }

    private Duration nextPollTimeout() {
        return attempts.untilDue(consumer.paused(), System.nanoTime(), pollTimeout);
    }

    /** Restores the attempts the group's committed offsets record for newly assigned partitions. */
    private void restoreAttempts(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(new HashSet<>(partitions));
        } catch (KafkaException e) {
            log.warn("Consumer group {}: could not read committed offsets of {} ({}); attempt counts start at 0",
                    group, partitions, e.toString());
            return;
        }
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset == null) {
                continue; // nothing ever committed here: no earlier attempt can be recorded either
            }
            unverified.add(partition);
            int counted = OffsetCommits.attemptsOf(offset);
            if (counted > 0) {
                attempts.restore(partition, offset.offset(), counted);
                log.info("Consumer group {}: {}@{} has {} attempt(s) counted by an earlier owner", group, partition,
                        offset.offset(), counted);
            }
        }
    }

    private void forget(Collection<TopicPartition> partitions) {
        attempts.forget(partitions);
        unverified.removeAll(partitions);
        assignment = Set.copyOf(consumer.assignment().stream().filter(p -> !partitions.contains(p)).toList());
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Called inside poll() on this thread, so no record is half done: hand over exactly what committed.
            commits.commitRevoked(partitions);
            forget(partitions);
            log.info("Consumer group {}: revoked {}", group, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            commits.forget(partitions);
            forget(partitions);
            log.info("Consumer group {}: lost {}", group, partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            restoreAttempts(partitions);
            assignment = Set.copyOf(consumer.assignment());
            log.info("Consumer group {}: assigned {}", group, partitions);
        }
    }
}
