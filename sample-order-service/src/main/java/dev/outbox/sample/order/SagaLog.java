package dev.outbox.sample.order;

import java.time.Duration;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Writes {@code saga_log}: one row per (saga, step), in the caller's transaction. Every writer of a saga's rows
 * first locks the saga's order row, so that these upserts never race each other.
 */
final class SagaLog {

    static final String SAGA_TYPE = "order";

    /** Saga steps, in the order they happen. */
    static final String RESERVE_STOCK = "reserve_stock";
    static final String CHARGE_CREDIT = "charge_credit";
    static final String CONFIRM_ORDER = "confirm_order";
    static final String RELEASE_STOCK = "release_stock";

    private static final String UPSERT = """
            INSERT INTO saga_log (saga_id, saga_type, step, status, event_ids, attempts, last_error, deadline_at,
                                  created_at, updated_at)
            VALUES (?, ?, ?, ?, CASE WHEN ?::uuid IS NULL THEN '{}'::uuid[] ELSE ARRAY[?::uuid] END, 1, ?,
                    clock_timestamp() + ?::bigint * interval '1 millisecond', clock_timestamp(), clock_timestamp())
            ON CONFLICT (saga_id, step) DO UPDATE SET
                status      = excluded.status,
                event_ids   = CASE WHEN excluded.event_ids <@ saga_log.event_ids THEN saga_log.event_ids
                                   ELSE saga_log.event_ids || excluded.event_ids END,
                attempts    = saga_log.attempts + ?,
                retried_at  = CASE WHEN ? > 0 THEN clock_timestamp() ELSE saga_log.retried_at END,
                last_error  = coalesce(excluded.last_error, saga_log.last_error),
                deadline_at = coalesce(excluded.deadline_at, saga_log.deadline_at),
                updated_at  = clock_timestamp()""";

    private SagaLog() {
    }

    /**
     * Sets a step's status, adding {@code eventId} (nullable) to its events.
     *
     * @param deadline     from now; null keeps the current deadline (none for a new row)
     * @param newAttempt   true when this write is another attempt of the step (a retry, a re-sent compensation)
     */
    static void record(DSLContext tx, UUID sagaId, String step, String status, UUID eventId, String error,
            Duration deadline, boolean newAttempt) {
        int attempt = newAttempt ? 1 : 0;
        tx.execute(UPSERT, sagaId, SAGA_TYPE, step, status, eventId, eventId, error,
                deadline == null ? null : deadline.toMillis(), attempt, attempt);
    }

    static void record(DSLContext tx, UUID sagaId, String step, String status, UUID eventId, String error) {
        record(tx, sagaId, step, status, eventId, error, null, false);
    }

    static String status(DSLContext tx, UUID sagaId, String step) {
        return tx.fetchOptional("SELECT status FROM saga_log WHERE saga_id = ? AND step = ?", sagaId, step)
                .map(r -> r.get(0, String.class))
                .orElse(null);
    }
}
