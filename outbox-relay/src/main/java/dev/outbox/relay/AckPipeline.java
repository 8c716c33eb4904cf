package dev.outbox.relay;

import dev.outbox.relay.route.Routing;
import dev.outbox.relay.sink.KafkaSink;
import java.util.ArrayDeque;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * At-least-once delivery without stop-and-wait: rows are handed to the producer as they are read, and the slot
 * position moves to a transaction's end once Kafka has acknowledged every row up to that end. Acknowledgements
 * are taken strictly in send order, so a confirmed position never passes an unacknowledged row.
 *
 * <p>The rows sent since the last confirmed position are bounded by {@code maxUnconfirmedRows} (the relay's
 * {@code OUTBOX_BATCH_MAX_RECORDS}): beyond it, {@link #mustWait()} tells the relay to wait for acknowledgements
 * and confirm before reading on. That bounds the rows a crash can repeat, as the batch did before.
 */
final class AckPipeline {

    /** A sent row awaiting its acknowledgement, or (routing null) the end of a source transaction. */
    private record Entry(Routing routing, Future<RecordMetadata> ack, long commitEnd, long sentAtNanos) {
    }

    private final KafkaSink sink;
    private final int maxUnconfirmedRows;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private int rowsInFlight;
    private int rowsAcknowledgedSinceTaken;
    private long acknowledgedPosition;
    private boolean overdueReported;
    /** When the oldest unacknowledged row was sent (0: none); read by the health check on another thread. */
    private volatile long oldestUnacknowledgedSentAt;

    AckPipeline(KafkaSink sink, int maxUnconfirmedRows) {
        this.sink = sink;
        this.maxUnconfirmedRows = maxUnconfirmedRows;
    }

    void send(Routing routing) throws InterruptedException {
        long now = System.nanoTime();
        if (oldestUnacknowledgedSentAt == 0) {
            oldestUnacknowledgedSentAt = now;
        }
        entries.add(new Entry(routing, sink.send(routing), 0, now));
        rowsInFlight++;
    }

    /** The source transaction whose rows were all {@link #send sent} ends at {@code endLsn}. */
    void transactionEnd(long endLsn) {
        if (entries.isEmpty()) {
            acknowledgedPosition = endLsn; // nothing of it to wait for (no outbox rows, or all acknowledged)
        } else {
            entries.add(new Entry(null, null, endLsn, 0));
        }
    }

    /** Takes the acknowledgements that have arrived, in order, without waiting. */
    void takeArrived() throws InterruptedException {
        take(false);
    }

    /** Waits until every row sent so far is acknowledged. */
    void takeAll() throws InterruptedException {
        take(true);
    }

    private void take(boolean wait) throws InterruptedException {
        try {
            takeInOrder(wait);
        } finally {
            Entry head = entries.peek();
            oldestUnacknowledgedSentAt = head == null ? 0 : Math.max(1, head.sentAtNanos());
        }
    }

    private void takeInOrder(boolean wait) throws InterruptedException {
        while (!entries.isEmpty()) {
            Entry head = entries.peek();
            if (head.routing() == null) {
                acknowledgedPosition = head.commitEnd();
            } else {
                if (!wait && !head.ack().isDone()) {
                    long waited = System.nanoTime() - head.sentAtNanos();
                    if (!overdueReported && waited > KafkaSink.ackPatience().toNanos()) {
                        sink.acknowledgementOverdue();
                        overdueReported = true;
                    }
                    return;
                }
                overdueReported = false;
                sink.awaitAcknowledged(head.routing(), head.ack());
                rowsInFlight--;
                rowsAcknowledgedSinceTaken++;
            }
            entries.poll();
        }
    }

    /**
     * Kafka has not acknowledged the oldest row sent for longer than {@link KafkaSink#ackPatience()}: not ready.
     * Safe to call from any thread; it also holds while the relay thread is blocked in a send (no metadata).
     */
    boolean acknowledgementsOverdue() {
        long oldest = oldestUnacknowledgedSentAt;
        return oldest != 0 && System.nanoTime() - oldest > KafkaSink.ackPatience().toNanos();
    }

    /** Too many rows sent past the confirmed position: wait for acknowledgements before reading more. */
    boolean mustWait() {
        return rowsInFlight + rowsAcknowledgedSinceTaken >= maxUnconfirmedRows;
    }

    /** The end of the last transaction whose rows Kafka has all acknowledged (0 before the first). */
    long acknowledgedPosition() {
        return acknowledgedPosition;
    }

    /** Rows acknowledged since the last call: the relay confirms them as one batch. */
    int takeAcknowledgedCount() {
        int count = rowsAcknowledgedSinceTaken;
        rowsAcknowledgedSinceTaken = 0;
        return count;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }
}
