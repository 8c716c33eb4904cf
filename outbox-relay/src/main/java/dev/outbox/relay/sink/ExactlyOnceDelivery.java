package dev.outbox.relay.sink;

import dev.outbox.relay.route.Routing;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once delivery ({@link Delivery#exactlyOnce}): the rows of whole source transactions are collected and sent
 * in one Kafka transaction together with the source position they reach (the position topic); the slot is confirmed
 * only up to the position committed in Kafka. After a restart the slot may be behind that position (a crash between
 * the Kafka commit and the slot confirmation): transactions ending at or below it are dropped, not sent twice.
 *
 * <p>A Kafka transaction commits at a source transaction end once it holds {@code maxRows} rows or about
 * {@code maxBytes} of them (see {@link dev.outbox.relay.route.OutboxRow#estimatedBytes()}), when the stream pauses between source
 * transactions, or at a source transaction end once its oldest row has waited {@link #SEND_LINGER_NANOS} while the
 * stream kept delivering; a transaction filling fast (a backlog) waits to be full, since each commit costs.
 */
final class ExactlyOnceDelivery implements Delivery {

    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceDelivery.class);
    private static final long SEND_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final KafkaSink sink;
    private final int maxRows;
    private final long maxBytes;
    private final KafkaSink.Listener listener;
    private final CommitHook hook;
    /** The rows of the next Kafka transaction: whole source transactions, then the rows of the open one. */
    private final List<Routing> batch = new ArrayList<>();
    private long batchStartedAt;
    private long batchBytes;
    /** Where the rows of the open source transaction start in {@link #batch}. */
    private int openTransactionStartsAt;
    /** End of the last source transaction read (and not dropped) in this read of the slot; 0 before the first. */
    private long lastTransactionEnd;
    /** End of the last source transaction committed in Kafka. */
    private long committedPosition;

    ExactlyOnceDelivery(KafkaSink sink, int maxRows, long maxBytes, KafkaSink.Listener listener, CommitHook hook) {
        this.sink = sink;
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
        this.listener = listener;
        this.hook = hook;
    }

    @Override
    public boolean streamMayOpenBeforeStart() {
        return false;
    }

    /** Fences an older instance of this relay (its open transaction is aborted) and reads the committed position. */
    @Override
    public void start() {
        committedPosition = sink.initTransactions();
        log.info("exactly-once: committed source position in Kafka is {}", positionText(committedPosition));
    }

    @Override
    public void streamOpened() {
        batch.clear();
        batchBytes = 0;
        openTransactionStartsAt = 0;
        lastTransactionEnd = 0;
    }

    @Override
    public void row(Routing routing) {
        if (batch.isEmpty()) {
            batchStartedAt = System.nanoTime();
        }
        batch.add(routing);
        batchBytes += routing.row().estimatedBytes();
    }

    @Override
    public void transactionEnd(long endPosition) {
        if (endPosition <= committedPosition) {
            // Already committed in Kafka before a restart (the slot may be behind Kafka's position).
            List<Routing> dropped = batch.subList(openTransactionStartsAt, batch.size());
            dropped.forEach(routing -> batchBytes -= routing.row().estimatedBytes());
            dropped.clear();
            return;
        }
        lastTransactionEnd = endPosition;
        openTransactionStartsAt = batch.size();
        if (batch.size() >= maxRows || batchBytes >= maxBytes || (!batch.isEmpty() && batch.size() < maxRows / 10
                && System.nanoTime() - batchStartedAt >= SEND_LINGER_NANOS)) {
            commit();
        }
    }

    /** Kafka transactions end at source transaction ends only: the rows of an open one wait for its end. */
    @Override
    public void streamPaused() {
        if (!batch.isEmpty() && openTransactionStartsAt == batch.size()) {
            commit();
        }
    }

    /** The rows of the whole source transactions read, and the position they reach, in one Kafka transaction. */
    private void commit() {
        int rows = batch.size();
        sink.sendTransaction(batch, lastTransactionEnd, hook);
        hook.afterCommit(rows, lastTransactionEnd);
        committedPosition = lastTransactionEnd;
        listener.batch(rows);
        batch.clear();
        batchBytes = 0;
        openTransactionStartsAt = 0;
    }

    /** With a source transaction still open, the ones before it may not be committed in Kafka yet. */
    @Override
    public long confirmablePosition() {
        return Math.min(lastTransactionEnd, committedPosition);
    }

    @Override
    public boolean confirmationUrgent() {
        return true;
    }

    @Override
    public void confirmed(long position) {
    }

    @Override
    public boolean isEmpty() {
        return batch.isEmpty();
    }

    /** The Kafka position moves first, so the slot never passes it. */
    @Override
    public void idleAt(long position) {
        sink.sendTransaction(List.of(), position, CommitHook.NONE);
        committedPosition = position;
    }

    /** Commits the position even with no rows left, so the slot is not confirmed past Kafka's position. */
    @Override
    public long finish() {
        if (!batch.isEmpty() || lastTransactionEnd > committedPosition) {
            commit();
        }
        return lastTransactionEnd;
    }

    @Override
    public boolean acknowledgementsOverdue() {
        return false; // a Kafka transaction that does not commit fails the relay
    }

    @Override
    public void close() {
        sink.close();
    }

    private static String positionText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
