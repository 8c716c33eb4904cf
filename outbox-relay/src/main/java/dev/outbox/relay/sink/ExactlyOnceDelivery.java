package dev.outbox.relay.sink;

import dev.outbox.relay.route.Routing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once delivery ({@link Delivery#exactlyOnce}): rows are sent into an open Kafka transaction as they are read,
 * and the transaction commits at a source transaction end together with that source position (the position topic);
 * the slot is confirmed only up to the position committed in Kafka. Nothing is held but what the producer buffers.
 *
 * <p>Why no row is sent twice: before the slot is read, it is moved forward to Kafka's committed position
 * ({@link #startPosition()}; it lags that position only after a crash between the Kafka commit and the slot
 * confirmation), so every transaction the server then sends is not in Kafka yet. A source transaction is never split
 * across Kafka transactions, so one huge source transaction keeps one Kafka transaction open until its end: it must
 * be relayed within the producer's {@code transaction.timeout.ms}, or the relay stops with a line naming the setting.
 *
 * <p>A Kafka transaction commits at a source transaction end once it holds {@code maxRows} rows or about
 * {@code maxBytes} of them (see {@link dev.outbox.relay.route.OutboxRow#estimatedBytes()}), when the stream pauses
 * between source transactions, or at a source transaction end once its first row has waited
 * {@link #SEND_LINGER_NANOS} while the stream kept delivering; a transaction filling fast (a backlog) waits to be
 * full, since each commit costs.
 *
 * <p>A row Kafka refuses for good (size, topic) aborts the transaction; the rows are not held, so the relay re-reads
 * them from the slot (it has not moved) and this delivery sends the refused row's dead letter in its place.
 */
final class ExactlyOnceDelivery implements Delivery {

    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceDelivery.class);
    private static final long SEND_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final KafkaSink sink;
    private final int maxRows;
    private final long maxBytes;
    private final KafkaSink.Listener listener;
    private final CommitHook hook;
    /** Kafka's refusals by outbox id, in order: applied to the row each time it is read again, until committed. */
    private final Map<String, List<Throwable>> refusedRows = new HashMap<>();
    private boolean kafkaTransactionOpen;
    private long kafkaTransactionBegan;
    private int rowsInKafkaTransaction;
    private long bytesInKafkaTransaction;
    /** Bytes of rows sent since Kafka last answered all of them: bounded by {@code maxBytes}. */
    private long unansweredBytes;
    /** Rows of a source transaction whose end has not been read yet are in the open Kafka transaction. */
    private boolean sourceTransactionOpen;
    /** The last row read: names the source transaction being relayed when it takes too long. */
    private dev.outbox.relay.route.OutboxRow lastRow;
    /** End of the last source transaction read in this read of the slot; 0 before the first. */
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

    /** Kafka's committed position: the slot is moved there before it is read. */
    @Override
    public long startPosition() {
        return committedPosition;
    }

    /** A re-read starts at the committed position: rows sent into a still open Kafka transaction come again. */
    @Override
    public void streamOpened() {
        if (kafkaTransactionOpen) {
            abort(new IllegalStateException("the source stream was opened again"));
        }
        sourceTransactionOpen = false;
        lastTransactionEnd = 0;
    }

    @Override
    public void row(Routing routing) {
        if (!kafkaTransactionOpen) {
            begin();
        }
        lastRow = routing.row();
        failIfTooLong();
        Routing toSend = withRefusalsApplied(routing);
        sourceTransactionOpen = true;
        rowsInKafkaTransaction++;
        bytesInKafkaTransaction += toSend.row().estimatedBytes();
        unansweredBytes += toSend.row().estimatedBytes();
        try {
            sink.sendStreamed(toSend);
            if (unansweredBytes >= maxBytes) {
                sink.flushStreamed(); // the producer's buffer alone may hold several times more
                unansweredBytes = 0;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted inside a Kafka transaction", e);
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    @Override
    public void transactionEnd(long endPosition) {
        if (endPosition <= committedPosition) {
            if (sourceTransactionOpen) {
                // The slot was read from before Kafka's position: committing would repeat these rows.
                IllegalStateException duplicate = new IllegalStateException("source transaction ending at "
                        + positionText(endPosition) + " was read again although Kafka's committed position is "
                        + positionText(committedPosition) + "; aborted so that no row is sent twice");
                abort(duplicate);
                throw duplicate;
            }
            return;
        }
        lastTransactionEnd = endPosition;
        sourceTransactionOpen = false;
        if (rowsInKafkaTransaction >= maxRows || bytesInKafkaTransaction >= maxBytes
                || (kafkaTransactionOpen && rowsInKafkaTransaction < maxRows / 10
                        && System.nanoTime() - kafkaTransactionBegan >= SEND_LINGER_NANOS)) {
            commit();
        }
    }

    /** Kafka transactions end at source transaction ends only: an open one waits for its end. */
    @Override
    public void streamPaused() {
        if (kafkaTransactionOpen && !sourceTransactionOpen) {
            commit();
        } else if (kafkaTransactionOpen) {
            failIfTooLong();
        }
    }

    private void begin() {
        sink.beginStreamedTransaction();
        kafkaTransactionOpen = true;
        kafkaTransactionBegan = System.nanoTime();
        rowsInKafkaTransaction = 0;
        bytesInKafkaTransaction = 0;
        unansweredBytes = 0;
    }

    /** The rows sent since {@link #begin()} and the position of the last source transaction end, in Kafka at once. */
    private void commit() {
        if (!kafkaTransactionOpen) {
            begin(); // only a position to move (finish)
        }
        failIfTooLong();
        int rows = rowsInKafkaTransaction;
        try {
            sink.commitStreamed(lastTransactionEnd, rows, hook);
        } catch (RuntimeException e) {
            throw failed(e);
        }
        kafkaTransactionOpen = false;
        hook.afterCommit(rows, lastTransactionEnd);
        committedPosition = lastTransactionEnd;
        refusedRows.clear(); // committed rows are never read again
        listener.batch(rows);
    }

    /**
     * Kafka aborts a transaction open longer than {@code transaction.timeout.ms}; fail first, with the fix, rather than
     * let a commit fail as if fenced. The same source transaction stops the relay again at every restart (same line)
     * until the setting is raised: it is never committed in part.
     */
    private void failIfTooLong() {
        if (kafkaTransactionOpen && tooLong()) {
            IllegalStateException timeout = new IllegalStateException(timeoutLine());
            abort(timeout);
            throw timeout;
        }
    }

    private boolean tooLong() {
        long limit = sink.transactionTimeout().toNanos();
        return System.nanoTime() - kafkaTransactionBegan >= limit - limit / 10;
    }

    private String timeoutLine() {
        String transaction = lastRow == null ? "after position " + positionText(committedPosition)
                : "xid " + Integer.toUnsignedString(lastRow.xid()) + " (committed at " + lastRow.commitLsnText() + ")";
        return "exactly-once: the source transaction " + transaction + " was not relayed within the Kafka "
                + "transaction timeout (transaction.timeout.ms = " + sink.transactionTimeout().toMillis()
                + " ms, less a tenth for the commit). A source transaction is "
                + "never split across Kafka transactions, so raise OUTBOX_KAFKA_TRANSACTION_TIMEOUT_MS (at most the "
                + "broker's transaction.max.timeout.ms, default 900000; raise that too if needed) and restart; "
                + "nothing of it was committed";
    }

    /** What a failure of a send or commit becomes; the Kafka transaction is no longer open after it. */
    private RuntimeException failed(RuntimeException e) {
        boolean wasTooLong = tooLong();
        kafkaTransactionOpen = false;
        if (e instanceof KafkaSink.RowsRefusedException refused) {
            for (KafkaSink.RefusedRow row : refused.refused()) {
                refusedRows.computeIfAbsent(row.id(), id -> new ArrayList<>()).add(row.cause());
            }
            log.warn("Kafka refused {} record(s) of the transaction after {}; reading it again from the slot with "
                    + "the refused rows as dead letters", refused.refused().size(), positionText(committedPosition));
            return new KafkaSink.RetryFromSlotException(refused.getMessage(), refused);
        }
        if (wasTooLong) {
            // Kafka aborted it (bumping the epoch, which can read as a fence): the timeout is the cause to report.
            return new IllegalStateException(timeoutLine(), e);
        }
        return e;
    }

    /** The routing to send for a row Kafka refused before: its dead letter (metadata only if that was refused). */
    private Routing withRefusalsApplied(Routing routing) {
        List<Throwable> causes = refusedRows.get(routing.row().id());
        if (causes == null) {
            return routing;
        }
        Routing replacement = routing;
        for (Throwable cause : causes) {
            Routing.DeadLetter dead = KafkaSink.deadLetterOf(replacement, cause);
            if (dead == null) {
                IllegalStateException fatal = new IllegalStateException(sink.refusedFatally(replacement, cause), cause);
                abort(fatal);
                throw fatal;
            }
            replacement = dead;
        }
        return replacement;
    }

    private void abort(RuntimeException reason) {
        if (kafkaTransactionOpen) {
            kafkaTransactionOpen = false;
            sink.abortStreamed(reason);
        }
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
        return !kafkaTransactionOpen;
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
        if (kafkaTransactionOpen || lastTransactionEnd > committedPosition) {
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
