package dev.outbox.relay.source;

import io.debezium.connector.postgresql.PostgresStreamingChangeEventSource;
import io.debezium.jdbc.JdbcConnection;
import io.debezium.pipeline.ChangeEventSourceCoordinator;
import io.debezium.util.DelayStrategy;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pause of Debezium's streaming thread when the slot has nothing to read: it waits until the replication
 * connection's socket has bytes (or {@link #LONGEST_WAIT_MILLIS} passed) instead of sleeping {@code poll.interval.ms}.
 *
 * <p>Why: Debezium's PostgreSQL streaming loop reads what is pending, and after five empty reads sleeps
 * {@code poll.interval.ms} (the relay's 1 ms), so an idle relay would wake about 1,000 times a second, and a row that
 * arrives during a sleep waits for its end. Waiting on the socket wakes at once when the server sends something (a
 * row, a keepalive) and otherwise once per interval of the relay's Debezium heartbeat (200 ms), which is when the
 * loop next has something due (its heartbeat; status updates every second). Each wake costs more than the wait
 * itself: the loop then reads four more times before it pauses again, and the driver's every empty read waits a
 * millisecond on the socket and throws a timeout exception.
 *
 * <p>The wait holds the driver's connection lock ({@link ReplicationSocket}), so the thread that confirms positions
 * on the same connection writes before or after it (at most {@link #LONGEST_WAIT_MILLIS} later). Debezium gives no
 * setting for this pause: {@link #install} replaces its {@code pauseNoMessage} field, and if Debezium's or the
 * driver's internals ever differ, the relay logs that once and keeps Debezium's own sleep. Should the wait on the socket fail once installed
 * (the connection closed), the thread sleeps {@link #FALLBACK_SLEEP} instead: Debezium's own 1 ms would spin.
 */
final class WakingStreamPause implements DelayStrategy {

    static final int LONGEST_WAIT_MILLIS = 200;
    /** The pause when the socket cannot be waited on: as long as the relay can wait before reading the slot again. */
    private static final DelayStrategy FALLBACK_SLEEP = DelayStrategy.constant(Duration.ofMillis(5));

    private static final Logger log = LoggerFactory.getLogger(WakingStreamPause.class);

    private final JdbcConnection replication;
    private final Field jdbcConnection;
    private Connection resolvedFor;
    private ReplicationSocket socket;

    private WakingStreamPause(JdbcConnection replication) throws NoSuchFieldException {
        this.replication = replication;
        this.jdbcConnection = accessible(JdbcConnection.class, "conn");
    }

    /**
     * Puts the waking pause into the coordinator's PostgreSQL streaming source, once it exists. Returns false while
     * there is none yet (call again later), true once done or once it turned out impossible.
     */
    static boolean install(ChangeEventSourceCoordinator<?, ?> coordinator) {
        try {
            Object source = accessible(ChangeEventSourceCoordinator.class, "streamingSource").get(coordinator);
            if (!(source instanceof PostgresStreamingChangeEventSource)) {
                return false;
            }
            Field pause = accessible(PostgresStreamingChangeEventSource.class, "pauseNoMessage");
            Object replication = accessible(PostgresStreamingChangeEventSource.class, "replicationConnection")
                    .get(source);
            if (pause.get(source) instanceof WakingStreamPause) {
                return true;
            }
            pause.set(source, new WakingStreamPause((JdbcConnection) replication));
            log.debug("Debezium's streaming thread waits on the replication connection when idle");
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("Debezium's streaming thread keeps its own poll.interval.ms sleep when idle, so an idle relay "
                    + "uses more CPU (this Debezium or driver version differs from the one the relay was built with: "
                    + "{})", e.toString());
            return true;
        }
    }

    @Override
    public boolean sleepWhen(boolean criteria) {
        if (!criteria) {
            return false;
        }
        try {
            if (resolve()) {
                socket.awaitBytes(LONGEST_WAIT_MILLIS);
                return true;
            }
        } catch (ReflectiveOperationException | SQLException | RuntimeException e) {
            log.debug("waiting on the replication connection failed; sleeping instead", e);
        }
        return FALLBACK_SLEEP.sleepWhen(true);
    }

    /** Finds the socket of the replication connection Debezium has open now. */
    private boolean resolve() throws ReflectiveOperationException, SQLException {
        Connection current = (Connection) jdbcConnection.get(replication);
        if (current == null || current.isClosed()) {
            return false;
        }
        if (current != resolvedFor) {
            socket = ReplicationSocket.of(current);
            resolvedFor = current;
        }
        return true;
    }

    private static Field accessible(Class<?> owner, String name) throws NoSuchFieldException {
        Field field = owner.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }
}
