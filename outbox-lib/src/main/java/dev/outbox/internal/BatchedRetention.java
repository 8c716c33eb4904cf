package dev.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import javax.sql.DataSource;
import org.slf4j.Logger;

/**
 * What the retention jobs share: a DELETE of one batch run again until the backlog is gone, each batch committed on
 * its own (so that a big backlog never holds locks or bloats WAL in one transaction), and a daemon thread running a
 * job at a fixed delay. Not part of the public API.
 */
public final class BatchedRetention {

    /** One run of a job, on an auto-commit connection. */
    @FunctionalInterface
    public interface Run {
        void run(Connection connection) throws SQLException;
    }

    private BatchedRetention() {
    }

    /**
     * Runs {@code sql}, whose one parameter is the age {@code keep} as an interval, until {@code again} is false for
     * the last update count; the connection must be in auto-commit mode.
     *
     * @return the rows deleted in all
     */
    public static long deleteInBatches(Connection connection, String sql, Duration keep, IntPredicate again)
            throws SQLException {
        long total = 0;
        try (PreparedStatement delete = connection.prepareStatement(sql)) {
            delete.setString(1, keep.toMillis() + " milliseconds");
            int deleted;
            do {
                deleted = delete.executeUpdate();
                total += deleted;
            } while (again.test(deleted));
        }
        return total;
    }

    /** Runs {@code job} every {@code every} on a daemon thread; a failed run is logged and the next one retries. */
    public static ScheduledExecutorService schedule(String threadName, DataSource dataSource, Duration every,
            Logger log, Run job) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                job.run(c);
            } catch (Exception e) {
                log.warn("{} run failed; retrying in {}", threadName, every, e);
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return scheduler;
    }
}
