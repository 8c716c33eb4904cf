-- One row per (saga, step), written in the same transaction as the domain change and the outbox row.
CREATE TABLE IF NOT EXISTS saga_log (
    saga_id     uuid        NOT NULL,
    saga_type   text        NOT NULL,
    step        text        NOT NULL,
    status      text        NOT NULL
        CONSTRAINT saga_log_status_check
        CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'COMPENSATING', 'COMPENSATED', 'TIMED_OUT')),
    payload     jsonb       NOT NULL DEFAULT '{}',
    event_ids   uuid[]      NOT NULL DEFAULT '{}',    -- events published or consumed by this step
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text,
    deadline_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    retried_at  timestamptz,
    PRIMARY KEY (saga_id, step)
);

-- The timeout scanner reads only pending steps with a deadline, oldest first.
CREATE INDEX IF NOT EXISTS saga_log_pending_deadline_idx
    ON saga_log (deadline_at) WHERE status = 'PENDING' AND deadline_at IS NOT NULL;
