package dev.outbox.saga;

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
 * Deletes the {@code saga_log} and {@code saga_event} rows of finished sagas once they are older than a window, in
 * batches, like {@link dev.outbox.OutboxRetention} does for the outbox.
 *
 * <p>A saga is finished when none of its steps waits: no step is {@link SagaStatus#PENDING} or
 * {@link SagaStatus#COMPENSATING}. It is old when its last step changed before the window. A saga that has events in
 * {@code saga_event} but no step in this database (a participant that only records what it saw) is old when its
 * last event is. A FAILED or TIMED_OUT step left for an operator counts as finished: keep the window longer than
 * stuck sagas take to be handled.
 *
 * <pre>{@code
 * try (SagaRetention retention = SagaRetention.schedule(dataSource, Duration.ofDays(30), Duration.ofMinutes(10))) {
 *     ...
 * }
 * }</pre>
 */
public final class SagaRetention implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SagaRetention.class);
    /** Sagas deleted per statement, so that a big backlog is deleted in many short transactions. */
    static final int BATCH_SAGAS = 500;
    /** Events deleted per statement for sagas without steps here. */
    static final int BATCH_EVENTS = 5_000;

    private static final String DELETE_FINISHED = """
            WITH finished AS (
              SELECT saga_id FROM saga_log GROUP BY saga_id
              HAVING bool_and(status NOT IN ('PENDING', 'COMPENSATING')) AND max(updated_at) < now() - ?::interval
              LIMIT %d),
            events AS (
              DELETE FROM saga_event WHERE saga_id IN (SELECT saga_id FROM finished))
            DELETE FROM saga_log WHERE saga_id IN (SELECT saga_id FROM finished)
              AND status NOT IN ('PENDING', 'COMPENSATING')
            """.formatted(BATCH_SAGAS);

    private static final String DELETE_STEPLESS_EVENTS = """
            DELETE FROM saga_event WHERE (saga_id, event_id, direction) IN (
              SELECT e.saga_id, e.event_id, e.direction FROM saga_event e
              WHERE NOT EXISTS (SELECT 1 FROM saga_log l WHERE l.saga_id = e.saga_id)
                AND NOT EXISTS (SELECT 1 FROM saga_event n WHERE n.saga_id = e.saga_id
                                AND n.occurred_at >= now() - ?::interval)
              LIMIT %d)
            """.formatted(BATCH_EVENTS);

    private final ScheduledExecutorService scheduler;

    private SagaRetention(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * Deletes finished sagas whose last change is older than {@code keep}: their steps and their events, a batch of
     * sagas per statement, each committed. The connection must be in auto-commit mode (a dedicated one).
     *
     * @return the {@code saga_log} rows deleted
     */
    public static long deleteFinishedOlderThan(Connection connection, Duration keep) throws SQLException {
        Objects.requireNonNull(keep, "keep");
        return BatchedRetention.deleteInBatches(connection, DELETE_FINISHED, keep, deleted -> deleted > 0);
    }

    /**
     * Deletes the {@code saga_event} rows of sagas that have no step in this database and no event newer than
     * {@code keep}; auto-commit connection.
     *
     * @return the rows deleted
     */
    public static long deleteSteplessEventsOlderThan(Connection connection, Duration keep) throws SQLException {
        Objects.requireNonNull(keep, "keep");
        return BatchedRetention.deleteInBatches(connection, DELETE_STEPLESS_EVENTS, keep,
                deleted -> deleted == BATCH_EVENTS);
    }

    /**
     * Runs both deletions every {@code every} on a daemon thread with connections from {@code dataSource}. Failures
     * are logged and the next run tries again. Close the returned object to stop.
     */
    public static SagaRetention schedule(DataSource dataSource, Duration keep, Duration every) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(keep, "keep");
        Objects.requireNonNull(every, "every");
        return new SagaRetention(BatchedRetention.schedule("saga-retention", dataSource, every, log, c -> {
            long steps = deleteFinishedOlderThan(c, keep);
            long events = deleteSteplessEventsOlderThan(c, keep);
            log.debug("Saga retention deleted {} saga_log rows and {} saga_event rows of sagas without steps",
                    steps, events);
        }));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
