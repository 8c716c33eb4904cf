package dev.outbox.relay.source;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** pgoutput read directly through the driver's replication API ({@code OUTBOX_SOURCE=pgoutput}). */
final class PgOutputStream implements ChangeStream {

    private static final Logger log = LoggerFactory.getLogger(PgOutputStream.class);

    private final Connection connection;
    private final PGReplicationStream stream;
    private final OutboxTransactions transactions;
    /** Null when the driver's internals differ from those the relay was built with: the relay sleeps instead. */
    private final ReplicationSocket socket;

    PgOutputStream(Connection connection, PGReplicationStream stream, String schema, String table) {
        this.connection = connection;
        this.stream = stream;
        this.transactions = new OutboxTransactions(schema, table);
        this.socket = socketOf(connection);
    }

    private static ReplicationSocket socketOf(Connection connection) {
        try {
            return ReplicationSocket.of(connection);
        } catch (ReflectiveOperationException | SQLException | RuntimeException e) {
            log.warn("an idle relay wakes every 5 ms to read the slot instead of waiting on its connection, so it "
                    + "uses more CPU (this PostgreSQL driver differs from the one the relay was built with: {})",
                    e.toString());
            return null;
        }
    }

    /** Wakes as soon as the server sends a row or a keepalive. */
    @Override
    public void awaitMessage() throws InterruptedException {
        if (socket != null) {
            socket.awaitBytes(LONGEST_IDLE_WAIT_MILLIS);
        } else {
            ChangeStream.super.awaitMessage();
        }
    }

    @Override
    public boolean poll(Handler handler) throws SQLException, InterruptedException {
        ByteBuffer buffer = stream.readPending();
        if (buffer == null) {
            return false;
        }
        transactions.accept(PgOutputDecoder.decode(buffer), handler);
        return true;
    }

    @Override
    public boolean inTransaction() {
        return transactions.inTransaction();
    }

    @Override
    public void confirm(long lsn) throws SQLException {
        LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
        stream.setFlushedLSN(position);
        stream.setAppliedLSN(position);
        stream.forceUpdateStatus();
    }

    /** The server's keepalives move this on while the outbox is idle, so no help is needed from {@link #idle}. */
    @Override
    public long receivedPosition() {
        return stream.getLastReceiveLSN().asLong();
    }

    @Override
    public void idle(Connection monitoring) {
    }

    @Override
    public void close() throws SQLException {
        try {
            if (!stream.isClosed()) {
                stream.close();
            }
        } finally {
            connection.close();
        }
    }
}
