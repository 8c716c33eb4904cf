package dev.outbox.relay;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.sink.CommitHook;
import dev.outbox.relay.source.ChangeStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A test hook for crash tests that must hit one exact point of the exactly-once cycle rather than a random
 * moment: the JVM halts (no shutdown hooks, no flush, as {@code kill -9} would) the first time a Kafka transaction
 * carrying at least {@code outbox.relay.fault.min-rows} rows reaches the point named by {@code outbox.relay.fault}:
 * {@code before-kafka-commit} (rows and position sent, not committed), {@code after-kafka-commit} (committed in
 * Kafka, slot not yet confirmed) or {@code after-slot-confirm} (the slot confirmed past that transaction). Liveness
 * tests use {@code stall-relay-thread}: once the stream has handed out {@code min-rows} rows, the relay thread stops
 * for {@link #STALL} without any sign of life, then goes on. Both are JVM system properties, not settings: never set
 * them in production.
 *
 * <p>Without the property there is no instance at all: the relay uses {@link CommitHook#NONE} and the change stream
 * as it is, so the hook costs nothing.
 */
final class FaultInjection implements CommitHook {

    /** The exit code of a halt, so a test can tell it from a failure. */
    static final int HALT_EXIT_CODE = 86;

    static final Duration STALL = Duration.ofSeconds(15);

    enum Point { BEFORE_KAFKA_COMMIT, AFTER_KAFKA_COMMIT, AFTER_SLOT_CONFIRM, STALL_RELAY_THREAD }

    private final Point point;
    private final int minRows;
    /** after-slot-confirm: the end of the transaction that qualified, once it is committed in Kafka. */
    private long armedEnd = -1;
    /** stall-relay-thread: rows handed out so far; the stall happens once. */
    private int rowsSeen;
    private boolean stalled;

    FaultInjection(Point point, int minRows) {
        this.point = point;
        this.minRows = minRows;
    }

    /** The hook the system properties ask for, or {@code null} when they ask for none. */
    static FaultInjection fromSystemProperties() {
        String name = System.getProperty("outbox.relay.fault", "none").trim();
        if (name.equalsIgnoreCase("none")) {
            return null;
        }
        Point point = Point.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        return new FaultInjection(point, Integer.getInteger("outbox.relay.fault.min-rows", 1));
    }

    @Override
    public void beforeCommit(int rows) {
        if (point == Point.BEFORE_KAFKA_COMMIT && rows >= minRows) {
            halt("before the Kafka commit of a transaction of " + rows + " rows");
        }
    }

    @Override
    public void afterCommit(int rows, long endPosition) {
        if (rows < minRows) {
            return;
        }
        if (point == Point.AFTER_KAFKA_COMMIT) {
            halt("after the Kafka commit of a transaction of " + rows + " rows, before the slot is confirmed");
        }
        if (point == Point.AFTER_SLOT_CONFIRM && armedEnd < 0) {
            armedEnd = endPosition;
        }
    }

    void afterSlotConfirm(long confirmed) {
        if (armedEnd >= 0 && confirmed >= armedEnd) {
            halt("after the slot was confirmed to " + LogSequenceNumber.valueOf(confirmed).asString());
        }
    }

    /** {@code stream}, halting right after it confirms the slot past the armed transaction. */
    ChangeStream watching(ChangeStream stream) {
        return new ChangeStream() {
            @Override
            public boolean poll(Handler handler) throws SQLException, InterruptedException {
                stallOnceEnoughRowsSeen();
                return stream.poll(new Handler() {
                    @Override
                    public void row(OutboxRow row) throws SQLException, InterruptedException {
                        rowsSeen++;
                        handler.row(row);
                    }

                    @Override
                    public void transactionEnd(long endPosition) throws SQLException, InterruptedException {
                        handler.transactionEnd(endPosition);
                    }
                });
            }

            @Override
            public boolean inTransaction() {
                return stream.inTransaction();
            }

            @Override
            public void confirm(long lsn) throws SQLException {
                stream.confirm(lsn);
                afterSlotConfirm(lsn);
            }

            @Override
            public long receivedPosition() {
                return stream.receivedPosition();
            }

            @Override
            public void idle(Connection monitoring) throws SQLException {
                stream.idle(monitoring);
            }

            @Override
            public void close() throws SQLException {
                stream.close();
            }
        };
    }

    private void stallOnceEnoughRowsSeen() {
        if (point == Point.STALL_RELAY_THREAD && !stalled && rowsSeen >= minRows) {
            stalled = true;
            System.err.println("fault injection: stalling the relay thread for " + STALL.toSeconds() + " s");
            long until = System.nanoTime() + STALL.toNanos();
            while (System.nanoTime() < until) {
                LockSupport.parkNanos(until - System.nanoTime());
            }
        }
    }

    private static void halt(String where) {
        System.err.println("fault injection: halting " + where);
        System.err.flush();
        Runtime.getRuntime().halt(HALT_EXIT_CODE);
    }
}
