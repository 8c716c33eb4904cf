package dev.outbox;

import dev.outbox.internal.BatchedRetention;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes old rows from the outbox table when {@link OutboxConfig#deleteAfterInsert()} is {@code false} (the
 * default), and old inbox rows from {@code processed_event}. The relay reads inserts from the WAL, so deleting a row
 * never un-publishes it; keep rows as long as you want them for debugging. Keep {@code processed_event} rows longer
 * than any redelivery can happen (Kafka retention of the consumed topics), or a very late duplicate is applied again.
 *
 * <pre>{@code
 * try (OutboxRetention retention = OutboxRetention.schedule(dataSource, "outbox", Duration.ofDays(7),
 *         Duration.ofDays(30), Duration.ofMinutes(10))) { ... }
 * }</pre>
 */
public final class OutboxRetention implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxRetention.class);
    /** Rows deleted per statement, so that a big backlog never holds locks or bloats WAL in one transaction. */
    static final int BATCH = 5_000;

    private final ScheduledExecutorService scheduler;

    private OutboxRetention(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * Deletes outbox rows older than {@code keep}, in batches of 5,000, committing each batch. The connection must
     * be in auto-commit mode (a dedicated one, not a business transaction).
     *
     * @return the number of rows deleted
     */
    public static long deleteOutboxOlderThan(Connection connection, String table, Duration keep) throws SQLException {
        if (!OutboxConfig.isTableName(table)) {
            throw new IllegalArgumentException("table must be a lower-case SQL identifier, was " + table);
        }
        return deleteInBatches(connection, """
                DELETE FROM %s WHERE id IN (
                  SELECT id FROM %s WHERE created_at < now() - ?::interval LIMIT %d)
                """.formatted(table, table, BATCH), keep);
    }

    /** Deletes {@code processed_event} rows older than {@code keep}, in batches; auto-commit connection. */
    public static long deleteProcessedOlderThan(Connection connection, Duration keep) throws SQLException {
        return deleteInBatches(connection, """
                DELETE FROM processed_event WHERE (consumer_group, event_id) IN (
                  SELECT consumer_group, event_id FROM processed_event WHERE processed_at < now() - ?::interval LIMIT %d)
                """.formatted(BATCH), keep);
    }

    /**
     * Runs both deletions every {@code every} on one daemon thread, with connections from {@code dataSource}.
     * {@code keepProcessed} may be {@code null} to leave {@code processed_event} alone. Failures are logged and the
     * next run tries again. Close the returned object to stop.
     */
    public static OutboxRetention schedule(DataSource dataSource, String table, Duration keepOutbox,
                                           Duration keepProcessed, Duration every) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(keepOutbox, "keepOutbox");
        Objects.requireNonNull(every, "every");
        ScheduledExecutorService scheduler = BatchedRetention.schedule("outbox-retention", dataSource, every, log,
                c -> {
                    long outbox = deleteOutboxOlderThan(c, table, keepOutbox);
                    long processed = keepProcessed == null ? 0 : deleteProcessedOlderThan(c, keepProcessed);
                    log.debug("Retention deleted {} outbox and {} processed_event rows", outbox, processed);
                });
        return new OutboxRetention(scheduler);
    }

    private static long deleteInBatches(Connection connection, String sql, Duration keep) throws SQLException {
        return BatchedRetention.deleteInBatches(connection, sql, keep, deleted -> deleted == BATCH);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
