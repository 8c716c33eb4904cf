package dev.outbox.consumer;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offsets of what committed in the database, waiting to be committed to Kafka, and the commits themselves.
 * A committed offset may carry the attempts already made at the record it points to ({@code outbox.attempts=N} in
 * the offset metadata): that is how the count survives a rebalance, a restart or a crash.
 */
final class OffsetCommits {

    private static final Logger log = LoggerFactory.getLogger(OffsetCommits.class);
    private static final String ATTEMPTS = "outbox.attempts=";

    private final Consumer<byte[], byte[]> consumer;
    private final String group;
    private final long intervalNanos;
    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    private long lastCommitNanos;
    private boolean committedOnce;

    /**
     * @param interval how long progress may wait before {@link #commitDue} commits it: the inbox row, not the
     *                 offset, is what makes a record done, so a redelivery after a crash costs a lookup, not an
     *                 effect; zero commits after every poll
     */
    OffsetCommits(Consumer<byte[], byte[]> consumer, String group, java.time.Duration interval) {
        this.consumer = consumer;
        this.group = group;
        this.intervalNanos = interval.toNanos();
    }

    /** The next record to read, all before it committed in the database. */
    void done(TopicPartition partition, long nextOffset) {
        pending.put(partition, new OffsetAndMetadata(nextOffset));
    }

    /** The record at {@code offset} is next, and {@code attempts} attempts at it count. */
    void attempts(TopicPartition partition, long offset, int attempts) {
        pending.put(partition, new OffsetAndMetadata(offset, ATTEMPTS + attempts));
    }

    /** The attempts an offset's metadata records; 0 when it records none. */
    static int attemptsOf(OffsetAndMetadata committed) {
        String metadata = committed == null ? null : committed.metadata();
        if (metadata == null || !metadata.startsWith(ATTEMPTS)) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(metadata.substring(ATTEMPTS.length())));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Commits the progress of the polls so far without waiting for the broker, once the interval has passed since
     * the last commit. A failed commit leaves the offsets pending for the next one (or for the commit on revocation
     * or close); the callbacks run inside a later poll, on the polling thread.
     */
    void commitDue(long nowNanos) {
        if (pending.isEmpty() || (committedOnce && nowNanos - lastCommitNanos < intervalNanos)) {
            return;
        }
        committedOnce = true;
        lastCommitNanos = nowNanos;
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pending);
        consumer.commitAsync(offsets, (committed, failure) -> {
            if (failure == null) {
                offsets.forEach((partition, offset) -> pending.remove(partition, offset));
                log.debug("Committed {}", offsets);
            } else {
                log.debug("Consumer group {}: asynchronous offset commit failed ({}); the next commit carries the "
                        + "offsets", group, failure.toString());
            }
        });
    }

    /**
     * Commits what is pending and waits for the broker. A broker that cannot be reached keeps the offsets for the
     * next call; a commit refused after a rebalance drops them (the new owner re-reads, the inbox skips what was
     * done).
     */
    void commitPending() {
        if (pending.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pending);
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets);
                log.debug("Committed {}", offsets);
                break;
            } catch (WakeupException e) {
                if (attempt == 2) {
                    throw e;
                }
                // close() woke us during the commit; the wakeup is consumed, so the retry runs to completion.
            } catch (CommitFailedException e) {
                log.warn("Consumer group {}: offset commit refused after a rebalance; the new owner re-reads and "
                        + "the inbox skips what was done", group);
                break;
            } catch (KafkaException e) {
                // Broker unreachable or slow: keep the offsets and try again after the next poll; if we crash first,
                // the records are redelivered and the inbox skips them.
                log.warn("Consumer group {}: offset commit failed ({}); retrying after the next poll", group,
                        e.toString());
                return;
            }
        }
        offsets.forEach((partition, offset) -> pending.remove(partition, offset));
    }

    /** Commits what is pending for partitions being revoked: called inside poll(), so nothing is half done. */
    void commitRevoked(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = pending.remove(partition);
            if (offset != null) {
                done.put(partition, offset);
            }
        }
        if (done.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(done);
        } catch (RuntimeException e) {
            log.warn("Consumer group {}: commit on revocation failed; the inbox absorbs the redelivery", group, e);
        }
    }

    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(pending::remove);
    }
}
