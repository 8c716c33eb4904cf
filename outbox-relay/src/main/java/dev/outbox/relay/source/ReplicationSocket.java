package dev.outbox.relay.source;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.Lock;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;

/**
 * The socket of a replication connection, waited on until the server sends something: a thread with nothing to read
 * sleeps until bytes arrive instead of waking every few milliseconds to look. The bytes stay buffered in the driver,
 * whose next read takes them. The driver has no API for this; its stream and connection lock are reached by reflection,
 * so {@link #of} fails (and the caller sleeps instead) should the driver's internals differ.
 *
 * <p>The wait holds the driver's connection lock, as the driver's own blocking read of a replication stream does, so
 * another thread's status update on the same connection goes before or after it, never in the middle.
 */
final class ReplicationSocket {

    private final PGStream stream;
    private final Lock lock;

    private ReplicationSocket(PGStream stream, Lock lock) {
        this.stream = stream;
        this.lock = lock;
    }

    static ReplicationSocket of(Connection connection) throws ReflectiveOperationException, SQLException {
        QueryExecutorBase executor = (QueryExecutorBase) connection.unwrap(BaseConnection.class).getQueryExecutor();
        return new ReplicationSocket((PGStream) accessible("pgStream").get(executor),
                (Lock) accessible("lock").get(executor));
    }

    /**
     * Returns once the server has sent bytes or {@code longestMillis} passed. A broken connection returns at once:
     * the next read fails with the driver's own error, which the caller handles.
     */
    void awaitBytes(int longestMillis) {
        lock.lock();
        try {
            int timeout = stream.getNetworkTimeout();
            stream.setNetworkTimeout(longestMillis);
            try {
                stream.peekChar();
            } catch (SocketTimeoutException nothingArrived) {
                // The caller reads nothing, does what is due, and waits again.
            } finally {
                stream.setNetworkTimeout(timeout);
            }
        } catch (IOException e) {
            // Broken: see above.
        } finally {
            lock.unlock();
        }
    }

    private static Field accessible(String name) throws NoSuchFieldException {
        Field field = QueryExecutorBase.class.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }
}
