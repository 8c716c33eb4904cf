package dev.outbox.relay.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import dev.outbox.relay.source.SourceCheckException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of the relays with one {@code OUTBOX_RELAY_NAME} on one database streams: the one holding a session-level
 * advisory lock on the source database (key derived from the relay name), on a connection of its own. The others
 * are standbys: they ask for the lock every {@code retryInterval} and take over once the holder's session ends (its
 * process killed or stopped, or its connection dropped by the server).
 *
 * <p>Fail-closed: the holder checks its lock connection every {@code retryInterval}; once that connection is lost
 * the lock may already be someone else's, so {@link #held()} turns false and the relay stops streaming. The slot
 * itself admits one walsender at a time ({@code active_pid}), so even a holder that has not noticed yet cannot stream
 * beside the new one; exactly-once adds Kafka's producer fencing.
 */
public final class Leadership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);
    /** How long a check of the lock connection may take before the connection counts as lost. */
    private static final int CHECK_TIMEOUT_SECONDS = 2;

    /** Opens a new plain (not replication) connection to the source database. */
    @FunctionalInterface
    public interface Connector {
        Connection connect() throws SQLException;
    }

    private final Connector connector;
    private final String relayName;
    /** {@code OUTBOX_DB_URL}, for messages (masked when logged). */
    private final String database;
    private final long key;
    private final Duration retryInterval;
    private volatile Connection lockConnection;
    /** The standby's connection between attempts (relay thread only). */
    private Connection session;
    /** Whether a connection ever succeeded: afterwards a failed one is a blip to wait out (relay thread only). */
    private boolean connectedOnce;
    private volatile boolean held;
    private Thread watchdog;

    public Leadership(Connector connector, String database, String relayName, Duration retryInterval) {
        this.connector = connector;
        this.database = database;
        this.relayName = relayName;
        this.key = lockKey(relayName);
        this.retryInterval = retryInterval;
    }

    /** The advisory lock key of a relay name: the first 8 bytes of its SHA-256 (stable across versions and JVMs). */
    static long lockKey(String relayName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("outbox-relay:" + relayName).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Waits until this relay holds the lock (true) or {@code stopping} (false). {@code waiting} is called before every
     * attempt, so the caller can report the standby and show liveness.
     */
    public boolean acquire(BooleanSupplier stopping, Runnable waiting) {
        boolean announced = false;
        while (!stopping.getAsBoolean()) {
            waiting.run();
            if (tryLock()) {
                held = true;
                startWatchdog();
                log.info("relay {} holds the leadership lock (advisory lock {} on the source database): active",
                        relayName, key);
                return true;
            }
            if (!announced) {
                log.info("relay {}: another relay with this name holds the leadership lock; standby, asking again "
                        + "every {} ms", relayName, retryInterval.toMillis());
                announced = true;
            }
            LockSupport.parkNanos(retryInterval.toNanos());
        }
        return false;
    }

    /** True while this relay holds the lock and its lock connection answers. */
    public boolean held() {
        return held;
    }

    /** Asks on the standby's session, kept between attempts; a failed session is replaced at the next attempt. */
    private boolean tryLock() {
        try {
            if (session == null) {
                session = connector.connect();
                connectedOnce = true;
            }
            try (PreparedStatement statement = session.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                statement.setLong(1, key);
                try (ResultSet rs = statement.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        lockConnection = session;
                        session = null;
                        return true;
                    }
                }
            }
        } catch (SQLException | SourceCheckException e) {
            closeQuietly(session);
            session = null;
            if (!connectedOnce) {
                // At start an unreachable database or a refused login ends the relay with the checks' own line.
                throw e instanceof SourceCheckException check ? check : new SourceCheckException("asking "
                        + database + " for the leadership lock failed: " + e.getMessage(), e);
            }
            log.warn("relay {}: asking for the leadership lock failed ({}); asking again", relayName,
                    e.getMessage());
        }
        return false;
    }

    private void startWatchdog() {
        watchdog = Thread.ofPlatform().daemon().name("outbox-relay-leadership-" + relayName).start(() -> {
            while (held) {
                LockSupport.parkNanos(retryInterval.toNanos());
                Connection connection = lockConnection;
                if (!held || connection == null) {
                    return;
                }
                if (!answers(connection)) {
                    held = false;
                    log.warn("relay {}: the connection holding the leadership lock is lost; another relay may take "
                            + "over now, so this one stops streaming and goes back to standby", relayName);
                    closeQuietly(connection);
                }
            }
        });
    }

    private static boolean answers(Connection connection) {
        try {
            return connection.isValid(CHECK_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Gives the lock up (closing its connection ends the session, and with it the lock). */
    public void release() {
        held = false;
        Connection connection = lockConnection;
        lockConnection = null;
        closeQuietly(connection);
        Thread current = watchdog;
        if (current != null) {
            LockSupport.unpark(current);
        }
    }

    /** Gives the lock up, and the standby's session too. */
    @Override
    public void close() {
        release();
        closeQuietly(session);
        session = null;
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // The session is gone either way, and so is its lock.
        }
    }
}
