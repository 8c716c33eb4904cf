package dev.outbox.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a partition's records through the {@link RecordHandler} in offset order and decides, by the
 * {@link RetryPolicy}, what a failure leads to: a retry after a backoff (the rest of the partition's batch waits),
 * or the dead-letter topic. Never touches the Kafka consumer, so partitions can run on worker threads; each worker
 * touches its own partition's entry only.
 */
final class RecordAttempts {

    private static final Logger log = LoggerFactory.getLogger(RecordAttempts.class);

    /** The record of a partition being retried: its offset, attempts counted, retries not counted, next retry. */
    private static final class RetryState {
        final long offset;
        int attempts;
        int uncounted;
        long resumeAtNanos;

        RetryState(long offset, int attempts) {
            this.offset = offset;
            this.attempts = attempts;
        }
    }

    /** A record left for a later retry: where to rewind, and the attempts counted so far (if this one counted). */
    record Retry(long offset, int attempts, boolean counted) {
    }

    /**
     * What a partition's share of a poll came to: the next offset to commit (null if no record was done), the
     * record left for a retry (null if none), and whether some record's handler applied its effect.
     */
    record PartitionResult(TopicPartition partition, Long nextOffset, Retry retry, boolean applied) {
    }

    private final RecordHandler handler;
    private final RetryPolicy policy;
    private final DeadLetterPublisher deadLetters;
    private final ConsumerMetrics metrics;
    private final BooleanSupplier running;
    private final int batchSize;
    private final Map<TopicPartition, RetryState> retries = new ConcurrentHashMap<>();

    RecordAttempts(RecordHandler handler, RetryPolicy policy, DeadLetterPublisher deadLetters,
                   ConsumerMetrics metrics, BooleanSupplier running, int batchSize) {
        this.handler = handler;
        this.policy = policy;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.running = running;
        this.batchSize = batchSize;
    }

    /**
     * Processes records of one partition in order, up to the first that must wait for a retry. Up to
     * {@code batchSize} records at a time go through the handler as one transaction; when that fails, nothing of it
     * committed and its records are taken again one by one, so that only the failing record is retried or
     * dead-lettered and the others commit once.
     */
    PartitionResult process(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
        Long next = null;
        boolean applied = false;
        int index = 0;
        while (index < records.size() && running.getAsBoolean()) {
            int end = Math.min(records.size(), index + batchSize);
            if (end - index > 1 && retryOf(partition, records.get(index).offset()) == null) {
                List<ConsumerRecord<byte[], byte[]>> batch = records.subList(index, end);
                Boolean batchApplied = attemptTogether(batch);
                if (batchApplied != null) {
                    applied |= batchApplied;
                    next = batch.get(batch.size() - 1).offset() + 1;
                    index = end;
                    continue;
                }
            } else {
                end = index + 1; // a record being retried goes alone
            }
            for (; index < end; index++) {
                if (!running.getAsBoolean()) {
                    break; // graceful stop: the unprocessed rest is redelivered to whoever gets the partition
                }
                ConsumerRecord<byte[], byte[]> record = records.get(index);
                RetryState retry = retryOf(partition, record.offset());
                try {
                    if (retry != null && policy.exhausted(retry.attempts)) {
                        giveUpOnCutShortAttempts(record, retry.attempts);
                    } else {
                        applied |= handler.handle(record) == RecordHandler.Outcome.APPLIED;
                    }
                    retries.remove(partition);
                } catch (Throwable failure) { // an Error in a handler is the record's failure too, not the runner's
                    Retry later = failed(partition, record, retry, failure);
                    if (later != null) {
                        return new PartitionResult(partition, next, later, applied);
                    }
                }
                next = record.offset() + 1;
            }
        }
        return new PartitionResult(partition, next, null, applied);
    }

    /**
     * Runs the records as one transaction: whether one of them applied an effect, or null when the transaction
     * failed (rolled back, so nothing of it counts; the caller takes the records one by one).
     */
    private Boolean attemptTogether(List<ConsumerRecord<byte[], byte[]>> batch) {
        try {
            return handler.handleAll(batch).contains(RecordHandler.Outcome.APPLIED);
        } catch (Throwable failure) { // the records one by one find out which failed and why
            log.debug("A batch of {} records from {}-{}@{} failed ({}); taking them one by one", batch.size(),
                    batch.get(0).topic(), batch.get(0).partition(), batch.get(0).offset(), failure.toString());
            return null;
        }
    }

    /** Attempts counted at {@code offset} of {@code partition}, by this runner or (restored) by an earlier one. */
    int attemptsAt(TopicPartition partition, long offset) {
        RetryState retry = retries.get(partition);
        return retry != null && retry.offset == offset ? retry.attempts : 0;
    }

    /** Attempts an earlier owner of the partition made at {@code offset}, read from the committed offset. */
    void restore(TopicPartition partition, long offset, int attempts) {
        retries.put(partition, new RetryState(offset, attempts));
    }

    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(retries::remove);
    }

    /** Partitions among {@code paused} whose backoff is over. */
    Set<TopicPartition> due(Set<TopicPartition> paused, long nowNanos) {
        return Set.copyOf(paused.stream().filter(p -> {
            RetryState retry = retries.get(p);
            return retry == null || retry.resumeAtNanos - nowNanos <= 0;
        }).toList());
    }

    /** How long until the first of the {@code paused} partitions is due, at most {@code ceiling}. */
    Duration untilDue(Set<TopicPartition> paused, long nowNanos, Duration ceiling) {
        long nanos = ceiling.toNanos();
        for (TopicPartition partition : paused) {
            RetryState retry = retries.get(partition);
            if (retry != null) {
                nanos = Math.min(nanos, Math.max(retry.resumeAtNanos - nowNanos, TimeUnit.MILLISECONDS.toNanos(1)));
            }
        }
        return Duration.ofNanos(nanos);
    }

    private RetryState retryOf(TopicPartition partition, long offset) {
        RetryState retry = retries.get(partition);
        if (retry != null && retry.offset != offset) {
            retries.remove(partition);
            return null;
        }
        return retry;
    }

    /**
     * The attempts counted are used up but the last did not fail here: the process stopped during it. One of them
     * may have committed just before the stop, so the inbox decides between done and dead-lettered.
     */
    private void giveUpOnCutShortAttempts(ConsumerRecord<byte[], byte[]> record, int attempts) throws Exception {
        if (handler.alreadyApplied(record)) {
            log.info("{}-{}@{} was applied by an attempt cut short by a stop; skipping it", record.topic(),
                    record.partition(), record.offset());
            return;
        }
        deadLetters.publish(record, new AttemptsCutShortException(attempts), attempts);
    }

    /** Counts and logs a failure; returns null when the record was dead-lettered, else the retry to make. */
    private Retry failed(TopicPartition partition, ConsumerRecord<byte[], byte[]> record, RetryState retry,
                         Throwable failure) {
        if (retry == null) {
            retry = new RetryState(record.offset(), 0);
            retries.put(partition, retry);
        }
        RetryPolicy.Failure kind = policy.classify(failure);
        boolean counted = kind == RetryPolicy.Failure.COUNTED || kind == RetryPolicy.Failure.NON_RETRIABLE;
        if (counted) {
            retry.attempts++;
        } else {
            retry.uncounted++;
        }
        if (kind == RetryPolicy.Failure.NON_RETRIABLE || (counted && policy.exhausted(retry.attempts))) {
            try {
                deadLetters.publish(record, failure, retry.attempts);
                retries.remove(partition);
                return null;
            } catch (Exception dltFailure) {
                if (dltFailure instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.warn("Could not dead-letter {}-{}@{}; retrying later", record.topic(), record.partition(),
                        record.offset(), dltFailure);
            }
        }
        metrics.increment(ConsumerMetrics.RETRIES, record.topic());
        Duration backoff = policy.backoff(counted ? retry.attempts : retry.uncounted);
        log.warn("Handling {}-{}@{} failed ({}); retrying in {} ms: {}", record.topic(), record.partition(),
                record.offset(), counted ? "attempt " + retry.attempts + " of " + policy.maxAttempts() : reason(kind),
                backoff.toMillis(), failure.toString());
        retry.resumeAtNanos = System.nanoTime() + backoff.toNanos();
        return new Retry(record.offset(), retry.attempts, counted);
    }

    private static String reason(RetryPolicy.Failure kind) {
        return kind == RetryPolicy.Failure.TRANSIENT
                ? "serialization failure, deadlock or lock timeout; not counted as an attempt"
                : "database unavailable; not counted as an attempt";
    }

    /** Why a record whose attempts were all cut short by stops of the process goes to the dead-letter topic. */
    static final class AttemptsCutShortException extends RuntimeException {
        AttemptsCutShortException(int attempts) {
            super("the process stopped (crash, kill) during the last of " + attempts + " attempt(s): the handler "
                    + "may be what kills it; see the logs of the earlier attempts");
        }
    }
}
