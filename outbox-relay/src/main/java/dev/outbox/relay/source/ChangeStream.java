package dev.outbox.relay.source;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The committed changes of the outbox table as pgoutput-shaped messages (BEGIN, RELATION, INSERT, COMMIT), whole
 * transactions in commit order, from the slot's confirmed position on; and the way back to the slot.
 */
public interface ChangeStream extends AutoCloseable {

    /** The next message, or {@code null} when none is waiting (never blocks for long). */
    PgOutputMessage next() throws SQLException;

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
