package dev.outbox.relay.source;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/** pgoutput read directly through the driver's replication API ({@code OUTBOX_SOURCE=pgoutput}). */
final class PgOutputStream implements ChangeStream {

    private final Connection connection;
    private final PGReplicationStream stream;
    private final OutboxTransactions transactions;

    PgOutputStream(Connection connection, PGReplicationStream stream, String schema, String table) {
        this.connection = connection;
        this.stream = stream;
        this.transactions = new OutboxTransactions(schema, table);
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
