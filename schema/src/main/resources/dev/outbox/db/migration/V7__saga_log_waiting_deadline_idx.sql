-- The timeout scanner claims steps WHERE status IN ('PENDING', 'COMPENSATING') AND deadline_at <= now(). The V4 index
-- holds only PENDING rows, so the planner could not use it for that predicate and read the whole saga_log on every
-- scan (several times a second, on a table that grows with every saga). This index holds exactly the rows a scan can
-- claim, so a scan reads only the waiting steps, and finished steps leave it.
CREATE INDEX IF NOT EXISTS saga_log_waiting_deadline_idx
    ON saga_log (deadline_at) WHERE status IN ('PENDING', 'COMPENSATING') AND deadline_at IS NOT NULL;

-- Served by the index above (its rows are a superset); one index less to maintain on every saga_log write.
DROP INDEX IF EXISTS saga_log_pending_deadline_idx;
