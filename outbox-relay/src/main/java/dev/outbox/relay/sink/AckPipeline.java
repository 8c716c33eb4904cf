package dev.outbox.relay.sink;

import dev.outbox.relay.route.Routing;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * At-least-once delivery without stop-and-wait: rows are queued as they are read and handed to the producer
 * whenever the stream has nothing more for the moment, a queued row has waited long enough or a burst is full (the
 * delivery decides which), without waiting for the rows before them to be acknowledged; the slot position moves to a
 * transaction's end once Kafka has acknowledged every row up to that end. Acknowledgements are taken strictly in
 * send order, so a confirmed position never passes an unacknowledged row. Sending in bursts rather than row by row
 * lets the producer fill large batches when rows come fast (each small request costs the relay, the broker and the
 * consumers CPU) while a lone row still goes at once.
 *
 * <p>The rows read past the last confirmed position are bounded by {@code maxUnconfirmedRows} (the relay's
 * {@code OUTBOX_BATCH_MAX_RECORDS}) and by {@code maxUnconfirmedBytes} of their estimated size
 * ({@code OUTBOX_MAX_IN_FLIGHT_BYTES}, see {@link dev.outbox.relay.route.OutboxRow#estimatedBytes()}): at either {@link #mustWait()} says to {@link #awaitRoom()} (until half of
 * them, by count and by size, are acknowledged) and confirm before reading on, so the other half stays in flight while it reads. That
 * bounds the rows a crash can repeat, plus the rest of a transaction bigger than the bound (positions are
 * transaction ends only).
 */
final class AckPipeline {

    /** A sent row awaiting its acknowledgement, or (routing null) the end of a source transaction. */
    private record Entry(Routing routing, Future<RecordMetadata> ack, long commitEnd, long rowsThrough,
            long bytesThrough, long sentAtNanos) {
    }

    private final KafkaSink sink;
    private final int maxUnconfirmedRows;
    private final long maxUnconfirmedBytes;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** Read but not yet handed to the producer, in order; transaction ends among them. */
    private final ArrayList<Entry> queued = new ArrayList<>();
    private int rowsQueued;
    /** When the oldest row still queued was read (valid while {@code rowsQueued > 0}). */
    private long oldestQueuedAt;
    private int rowsAcknowledgedSinceTaken;
    /** Rows ever added; a transaction end records the count so far, to tell how many rows a position covers. */
    private long rowsAdded;
    private long acknowledgedPosition;
    /** {@link #rowsAdded} at {@link #acknowledgedPosition}. */
    private long rowsThroughAcknowledged;
    /** {@link #rowsAdded} at the position the relay last confirmed, or past it inside a transaction too big to wait. */
    private long rowsThroughConfirmed;
    /** The same three counts for the rows' estimated bytes. */
    private long bytesAdded;
    private long bytesThroughAcknowledged;
    private long bytesThroughConfirmed;
    private boolean overdueReported;
    /** When the oldest unacknowledged row was sent (0: none); read by the health check on another thread. */
    private volatile long oldestUnacknowledgedSentAt;

    AckPipeline(KafkaSink sink, int maxUnconfirmedRows, long maxUnconfirmedBytes) {
        this.sink = sink;
        this.maxUnconfirmedRows = maxUnconfirmedRows;
        this.maxUnconfirmedBytes = maxUnconfirmedBytes;
    }

    /** Queues a row; {@link #sendQueued()} hands it to the producer. */
    void add(Routing routing) {
        if (rowsQueued == 0) {
            oldestQueuedAt = System.nanoTime();
        }
        queued.add(new Entry(routing, null, 0, 0, 0, 0));
        rowsAdded++;
        bytesAdded += routing.row().estimatedBytes();
        rowsQueued++;
    }

    /** The source transaction whose rows were all {@link #add added} ends at {@code endLsn}. */
    void transactionEnd(long endLsn) {
        if (entries.isEmpty() && queued.isEmpty()) {
            acknowledgedPosition = endLsn; // nothing of it to wait for (no outbox rows, or all acknowledged)
            rowsThroughAcknowledged = rowsAdded;
            bytesThroughAcknowledged = bytesAdded;
        } else {
            queued.add(new Entry(null, null, endLsn, rowsAdded, bytesAdded, 0));
        }
    }

    int rowsQueued() {
        return rowsQueued;
    }

    /** A row has been queued for at least {@code nanos}: time to send, even if the stream has not paused. */
    boolean queuedLongerThan(long nanos) {
        return rowsQueued > 0 && System.nanoTime() - oldestQueuedAt >= nanos;
    }

    /** Hands every queued row to the producer, in order, without waiting for acknowledgements. */
    void sendQueued() throws InterruptedException {
        if (queued.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        if (oldestUnacknowledgedSentAt == 0 && rowsQueued > 0) {
            oldestUnacknowledgedSentAt = now;
        }
        for (Entry entry : queued) {
            if (entry.routing() == null) {
                entries.add(entry);
            } else {
                entries.add(new Entry(entry.routing(), sink.send(entry.routing()), 0, 0, 0, now));
            }
        }
        queued.clear();
        rowsQueued = 0;
    }

    /** Takes the acknowledgements that have arrived, in order, without waiting. */
    void takeArrived() throws InterruptedException {
        take(false, 0, 0);
    }

    /** Sends what is queued and waits until every row is acknowledged. */
    void takeAll() throws InterruptedException {
        sendQueued();
        take(true, 0, 0);
    }

    /**
     * Sends what is queued, then waits for acknowledgements, in order, until at most half of the allowed rows are
     * past the acknowledged position: reading goes on while the other half is still on its way to Kafka. The caller
     * then confirms {@link #acknowledgedPosition()}.
     */
    void awaitRoom() throws InterruptedException {
        sendQueued();
        take(true, maxUnconfirmedRows / 2, maxUnconfirmedBytes / 2);
        if (entries.isEmpty() && (rowsAdded - rowsThroughAcknowledged > maxUnconfirmedRows / 2
                || bytesAdded - bytesThroughAcknowledged > maxUnconfirmedBytes / 2)) {
            // Inside one huge transaction: no position to confirm until its end, so every row sent so far had to
            // be acknowledged; the next rows of the transaction may follow.
            rowsThroughConfirmed = rowsAdded;
            bytesThroughConfirmed = bytesAdded;
        }
    }

    private void take(boolean wait, long allowedRows, long allowedBytes) throws InterruptedException {
        try {
            takeInOrder(wait, allowedRows, allowedBytes);
        } finally {
            Entry head = entries.peek();
            oldestUnacknowledgedSentAt = head == null ? 0 : Math.max(1, head.sentAtNanos());
        }
    }

    private void takeInOrder(boolean wait, long allowedRows, long allowedBytes) throws InterruptedException {
        while (!entries.isEmpty()) {
            Entry head = entries.peek();
            if (head.routing() == null) {
                acknowledgedPosition = head.commitEnd();
                rowsThroughAcknowledged = head.rowsThrough();
                bytesThroughAcknowledged = head.bytesThrough();
            } else if (rowsAdded - rowsThroughAcknowledged <= allowedRows
                    && bytesAdded - bytesThroughAcknowledged <= allowedBytes) {
                return;
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

    /** Too many rows (or bytes) read past the confirmed position: {@link #awaitRoom()} before reading more. */
    boolean mustWait() {
        return rowsAdded - rowsThroughConfirmed >= maxUnconfirmedRows
                || bytesAdded - bytesThroughConfirmed >= maxUnconfirmedBytes;
    }

    /** The end of the last transaction whose rows Kafka has all acknowledged (0 before the first). */
    long acknowledgedPosition() {
        return acknowledgedPosition;
    }

    /** The relay confirmed {@link #acknowledgedPosition()} to the server. */
    void confirmed() {
        rowsThroughConfirmed = Math.max(rowsThroughConfirmed, rowsThroughAcknowledged);
        bytesThroughConfirmed = Math.max(bytesThroughConfirmed, bytesThroughAcknowledged);
    }

    /** Rows acknowledged since the last call: the relay confirms them as one batch. */
    int takeAcknowledgedCount() {
        int count = rowsAcknowledgedSinceTaken;
        rowsAcknowledgedSinceTaken = 0;
        return count;
    }

    boolean isEmpty() {
        return entries.isEmpty() && queued.isEmpty();
    }
}
