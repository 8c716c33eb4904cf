package dev.outbox.relay;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.sink.Delivery;
import dev.outbox.relay.source.ChangeStream;
import dev.outbox.relay.source.SourceDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One read of the slot: source → route → deliver, and the slot confirmed only up to what the delivery reports safely
 * in Kafka ({@link Delivery#confirmablePosition()}, always a transaction end).
 *
 * <p>Why this is safe: the server re-sends, on every (re)start, each transaction that commits after the slot's
 * confirmed position, whole and in commit order. Confirming only completed, delivered transactions therefore never
 * loses a row, whatever the crash; rows sent but not yet confirmed may be sent again (exactly-once first moves the
 * slot to Kafka's committed position, see {@link Delivery#startPosition()}). Rows that share one WAL record (multi-row INSERT, COPY) are never split by a restart,
 * since positions are only ever transaction ends.
 */
final class StreamLoop implements ChangeStream.Handler {

    /** How often acknowledged rows move the slot, unless the delivery asks at once (each move is a message). */
    private static final long CONFIRM_INTERVAL_NANOS = Duration.ofMillis(10).toNanos();
    /**
     * Poll fast right after activity (latency); idle for a while, wait for the stream (CPU), or while rows are in
     * flight poll slower.
     */
    private static final long BUSY_NANOS = Duration.ofMillis(200).toNanos();
    /** How long closing the stream may take (Debezium waits for the slot, then for its engine to stop). */
    private static final Duration CLOSE_PATIENCE = Duration.ofSeconds(60);
    /** While the stream keeps delivering, the loop shows it is alive every this many (+1) messages. */
    private static final int BEAT_EVERY_POLLS = 1023;

    private final ChangeStream stream;
    private final Router router;
    private final Delivery delivery;
    private final SourceDatabase source;
    private final Liveness liveness;
    private final long heartbeatNanos;
    private final BooleanSupplier stopping;

    private long confirmed;
    private long lastConfirmAt = System.nanoTime();
    private int polls;
    private long idleSince = System.nanoTime();

    StreamLoop(ChangeStream stream, Router router, Delivery delivery, SourceDatabase source, Liveness liveness,
            Duration heartbeatInterval, BooleanSupplier stopping) {
        this.stream = stream;
        this.router = router;
        this.delivery = delivery;
        this.source = source;
        this.liveness = liveness;
        this.heartbeatNanos = heartbeatInterval.toNanos();
        this.stopping = stopping;
    }

    /**
     * Reads until the relay stops, then delivers and confirms everything read. On stop, a transaction already begun
     * is read to its end (the server sends committed transactions whole), so a clean stop leaves nothing half-sent.
     */
    void run() throws SQLException, InterruptedException {
        delivery.streamOpened();
        try (Connection monitoring = source.monitoringConnection()) {
            while (!stopping.getAsBoolean() || stream.inTransaction()) {
                if (stream.poll(this)) {
                    idleSince = System.nanoTime();
                    if ((++polls & BEAT_EVERY_POLLS) == 0) {
                        liveness.beat();
                    }
                } else {
                    nothingWaiting(monitoring);
                }
            }
            long end = delivery.finish();
            if (end > confirmed) {
                confirm(end);
            }
        } finally {
            liveness.waitingUpTo(CLOSE_PATIENCE);
        }
    }

    @Override
    public void row(OutboxRow row) throws SQLException, InterruptedException {
        delivery.row(router.route(row));
        if (delivery.confirmationUrgent()) {
            confirmDelivered();
        }
    }

    @Override
    public void transactionEnd(long endPosition) throws SQLException, InterruptedException {
        delivery.transactionEnd(endPosition);
        if (delivery.confirmationUrgent()) {
            confirmDelivered();
        }
    }

    private void nothingWaiting(Connection monitoring) throws SQLException, InterruptedException {
        liveness.beat();
        delivery.streamPaused();
        long now = System.nanoTime();
        boolean moved = (delivery.confirmationUrgent() || now - lastConfirmAt >= CONFIRM_INTERVAL_NANOS)
                && confirmDelivered();
        if (!moved && !stream.inTransaction() && delivery.isEmpty() && now - lastConfirmAt > heartbeatNanos) {
            heartbeat(monitoring);
        }
        if (now - idleSince < BUSY_NANOS) {
            LockSupport.parkNanos(500_000L);
        } else if (delivery.isEmpty() && !stream.inTransaction()) {
            stream.awaitMessage();
        } else {
            LockSupport.parkNanos(5_000_000L);
        }
    }

    /**
     * Idle: nothing in flight, so everything the server has sent so far is done. Confirming its position lets it
     * recycle WAL written by other tables.
     */
    private void heartbeat(Connection monitoring) throws SQLException {
        long received = stream.receivedPosition();
        if (received <= confirmed) {
            stream.idle(monitoring);
        } else {
            delivery.idleAt(received);
            confirm(received);
        }
        lastConfirmAt = System.nanoTime();
    }

    /** Confirms the delivered position if it moved; returns whether it did. */
    private boolean confirmDelivered() throws SQLException {
        long confirmable = delivery.confirmablePosition();
        if (confirmable <= confirmed) {
            return false;
        }
        confirm(confirmable);
        return true;
    }

    private void confirm(long position) throws SQLException {
        stream.confirm(position);
        delivery.confirmed(position);
        confirmed = position;
        lastConfirmAt = System.nanoTime();
    }
}
