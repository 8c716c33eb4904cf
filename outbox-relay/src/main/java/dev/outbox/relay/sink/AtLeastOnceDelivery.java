package dev.outbox.relay.sink;

import dev.outbox.relay.route.Routing;
import java.util.concurrent.TimeUnit;

/**
 * At-least-once delivery ({@link Delivery#atLeastOnce}): rows go to the idempotent producer as they are read, in
 * bursts, through an {@link AckPipeline} per read of the slot; the confirmable position follows Kafka's
 * acknowledgements, taken in send order.
 *
 * <p>When rows go to the producer: when the stream pauses, when a burst of {@link #SEND_BURST} rows is queued, or
 * at a transaction end once the oldest queued row has waited {@link #SEND_LINGER_NANOS} (at a steady 1,000 events/s
 * the stream never seems to pause: pgjdbc's non-blocking read itself waits up to 1 ms for more data, and Debezium
 * hands over its rows in batches). Sending only at transaction ends keeps a backlog's bursts as large as its
 * transactions: small bursts cost a cold relay a large part of its drain rate.
 */
final class AtLeastOnceDelivery implements Delivery {

    /** Rows read in a row are handed to the producer in bursts of at most this many. */
    private static final int SEND_BURST = 5_000;
    private static final long SEND_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final KafkaSink sink;
    private final int maxUnconfirmedRows;
    private final long maxUnconfirmedBytes;
    private final KafkaSink.Listener listener;
    /** The rows in flight of the current read of the slot; read by the health check on another thread. */
    private volatile AckPipeline pipeline;
    /** The bound of rows read ahead was reached and waited for: the slot must be confirmed before reading on. */
    private boolean roomAwaited;

    AtLeastOnceDelivery(KafkaSink sink, int maxUnconfirmedRows, long maxUnconfirmedBytes,
            KafkaSink.Listener listener) {
        this.sink = sink;
        this.maxUnconfirmedRows = maxUnconfirmedRows;
        this.maxUnconfirmedBytes = maxUnconfirmedBytes;
        this.listener = listener;
        this.pipeline = new AckPipeline(sink, maxUnconfirmedRows, maxUnconfirmedBytes);
    }

    @Override
    public boolean streamMayOpenBeforeStart() {
        return true; // Debezium takes about a second to start: open it while Kafka is checked
    }

    @Override
    public void start() {
    }

    @Override
    public void streamOpened() {
        pipeline = new AckPipeline(sink, maxUnconfirmedRows, maxUnconfirmedBytes);
        roomAwaited = false;
    }

    @Override
    public void row(Routing routing) throws InterruptedException {
        AckPipeline rows = pipeline;
        rows.add(routing);
        sendWhenDue(rows, false);
        if (rows.mustWait()) {
            // Bounds what a crash can repeat (and, in a huge transaction, what is held).
            rows.awaitRoom();
            roomAwaited = true;
        }
    }

    @Override
    public void transactionEnd(long endPosition) throws InterruptedException {
        AckPipeline rows = pipeline;
        rows.transactionEnd(endPosition);
        sendWhenDue(rows, true);
    }

    /**
     * While the stream keeps delivering: hands the queued rows to the producer once a burst is full, or at a
     * transaction end once the oldest has waited long enough, and takes the acknowledgements already there, so the
     * commit→ack figures and the health check stay current during a long drain.
     */
    private static void sendWhenDue(AckPipeline rows, boolean transactionEnded) throws InterruptedException {
        if (rows.rowsQueued() >= SEND_BURST || (transactionEnded && rows.queuedLongerThan(SEND_LINGER_NANOS))) {
            rows.sendQueued();
            rows.takeArrived();
        }
    }

    @Override
    public void streamPaused() throws InterruptedException {
        pipeline.sendQueued();
        pipeline.takeArrived();
    }

    @Override
    public long confirmablePosition() {
        return pipeline.acknowledgedPosition();
    }

    @Override
    public boolean confirmationUrgent() {
        return roomAwaited;
    }

    /** The rows acknowledged since the last confirmation count as one batch. */
    @Override
    public void confirmed(long position) {
        pipeline.confirmed();
        roomAwaited = false;
        int rows = pipeline.takeAcknowledgedCount();
        if (rows > 0) {
            listener.batch(rows);
        }
    }

    @Override
    public boolean isEmpty() {
        return pipeline.isEmpty();
    }

    @Override
    public void idleAt(long position) {
        // Nothing in flight: the slot may move to the server's position, nothing of ours records it.
    }

    @Override
    public long finish() throws InterruptedException {
        pipeline.takeAll();
        return pipeline.acknowledgedPosition();
    }

    @Override
    public boolean acknowledgementsOverdue() {
        return pipeline.acknowledgementsOverdue();
    }

    @Override
    public void close() {
        sink.close();
    }
}
