package dev.outbox.relay.source;

import dev.outbox.relay.route.OutboxRow;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.LockSupport;

/**
 * The committed inserts into the outbox table, as whole source transactions in commit order: each transaction's
 * outbox rows, then its end position (the position the slot may be confirmed at once every row before it is in
 * Kafka). It starts at the slot's confirmed position; {@link #confirm} is the way back to the slot.
 */
public interface ChangeStream extends AutoCloseable {

    /** Receives what the stream reads, in commit order. */
    interface Handler {

        /** An outbox row of the source transaction being read. */
        void row(OutboxRow row) throws SQLException, InterruptedException;

        /**
         * The source transaction whose rows were all handed to {@link #row} ends at {@code endPosition}; a transaction
         * without outbox rows (or the stream's own position marker) ends too, with no rows before it.
         */
        void transactionEnd(long endPosition) throws SQLException, InterruptedException;
    }

    /**
     * Reads the next message waiting, if any, and hands what it holds (a row, a transaction end, or nothing) to
     * {@code handler}. Never blocks for long.
     *
     * @return {@code false} when nothing was waiting
     */
    boolean poll(Handler handler) throws SQLException, InterruptedException;

    /**
     * The longest {@link #awaitMessage} of a stream that can wait for its next message: the relay thread then still
     * checks for a stop, and does what is due (status updates, heartbeats, every second or more), ten times a second.
     */
    int LONGEST_IDLE_WAIT_MILLIS = 100;

    /**
     * Called with nothing to read, nothing in flight and no transaction open, after a while without messages: returns
     * once a message may be waiting. By default a short sleep (5 ms); a stream that can wait for its next message
     * (on its connection, or on the thread that reads for it) returns as soon as one arrives, and otherwise after
     * {@link #LONGEST_IDLE_WAIT_MILLIS}.
     */
    default void awaitMessage() throws InterruptedException {
        LockSupport.parkNanos(5_000_000L);
    }

    /** A source transaction has begun and not yet ended: its end is still to come. */
    boolean inTransaction();

    /** Everything up to {@code lsn} (a transaction end) is safely in Kafka: the slot may move there. */
    void confirm(long lsn) throws SQLException;

    /**
     * A position the server has sent everything before, as far as this stream has handed out messages; confirming it
     * while nothing is in flight lets the server recycle WAL written by other tables.
     */
    long receivedPosition();

    /**
     * Called while the relay is idle and has nothing new to confirm: a stream that learns positions only from
     * messages asks the server for one here when the slot holds back much WAL. The monitoring connection is an
     * ordinary (non-replication) session.
     */
    void idle(Connection monitoring) throws SQLException;

    @Override
    void close() throws SQLException;
}
