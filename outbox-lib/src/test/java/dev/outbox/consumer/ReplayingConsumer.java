package dev.outbox.consumer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * A {@link MockConsumer} that keeps a log per partition, as a broker does: a seek or a new assignment delivers the
 * log again from the consumer's position (MockConsumer on its own delivers each added record once).
 */
final class ReplayingConsumer extends MockConsumer<byte[], byte[]> {

    private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log = new HashMap<>();
    /** What the group committed, readable after close() as the broker would keep it. */
    private final Map<TopicPartition, OffsetAndMetadata> groupOffsets = new HashMap<>();

    ReplayingConsumer() {
        super("earliest");
    }

    /** A consumer of the same group after a restart: the same log and the group's committed offsets. */
    ReplayingConsumer restarted() {
        return restartedWith(groupOffsets());
    }

    /** A consumer of the same group after a crash that left {@code committed} as the group's offsets. */
    ReplayingConsumer restartedWith(Map<TopicPartition, OffsetAndMetadata> committed) {
        ReplayingConsumer next = new ReplayingConsumer();
        next.log.putAll(log);
        next.commitSync(committed);
        return next;
    }

    /** A copy of the group's committed offsets. */
    synchronized Map<TopicPartition, OffsetAndMetadata> groupOffsets() {
        return new HashMap<>(groupOffsets);
    }

    /** The group's committed offset of a partition, or null. */
    synchronized OffsetAndMetadata groupOffset(TopicPartition partition) {
        return groupOffsets.get(partition);
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        super.commitSync(offsets);
        groupOffsets.putAll(offsets);
    }

    /** Completes at once (MockConsumer's commitSync goes through here too), as a broker answering at once would. */
    @Override
    public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                         OffsetCommitCallback callback) {
        super.commitAsync(offsets, callback);
        groupOffsets.putAll(offsets);
    }

    /** Appends a relayed event (headers {@code id} and {@code ce_type}) to a partition's log; returns its offset. */
    synchronized long append(TopicPartition partition, String type, UUID id) {
        List<ConsumerRecord<byte[], byte[]>> records = log.computeIfAbsent(partition, p -> new ArrayList<>());
        RecordHeaders headers = new RecordHeaders();
        headers.add("id", id.toString().getBytes(StandardCharsets.UTF_8));
        headers.add("ce_type", type.getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(partition.topic(), partition.partition(),
                records.size(), 0L, TimestampType.CREATE_TIME, 0, 0, "key".getBytes(StandardCharsets.UTF_8),
                "{}".getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
        records.add(record);
        if (assignment().contains(partition)) {
            addRecord(record);
            notifyAll();
        }
        return record.offset();
    }

    /** As the broker does, and MockConsumer does not: with the metadata committed along with the offsets. */
    @Override
    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        partitions.forEach(p -> committed.put(p, groupOffsets.get(p)));
        return committed;
    }

    @Override
    public synchronized void rebalance(Collection<TopicPartition> newAssignment) {
        super.rebalance(newAssignment);
        Map<TopicPartition, Long> beginning = new HashMap<>();
        newAssignment.forEach(p -> beginning.put(p, 0L));
        updateBeginningOffsets(beginning);
        newAssignment.forEach(this::redeliver);
    }

    /**
     * When there is nothing, waits for the next {@link #append} (at most the timeout, capped at 10 ms), as a
     * broker's poll does, so a runner thread does not spin.
     */
    @Override
    public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
        if (records.isEmpty()) {
            try {
                wait(Math.max(1, Math.min(timeout.toMillis(), 10))); // released by append's notifyAll
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return records;
    }

    @Override
    public synchronized void seek(TopicPartition partition, long offset) {
        super.seek(partition, offset);
        redeliver(partition);
    }

    private void redeliver(TopicPartition partition) {
        // Records below the position are skipped by poll(), so the whole log can be handed over again.
        log.getOrDefault(partition, List.of()).forEach(this::addRecord);
    }
}
