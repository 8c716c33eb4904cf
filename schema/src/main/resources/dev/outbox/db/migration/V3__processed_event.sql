-- Inbox of the idempotent consumer: a row per (consumer group, event) already applied. Written with
-- INSERT ... ON CONFLICT DO NOTHING in the handler's transaction.
CREATE TABLE IF NOT EXISTS processed_event (
    consumer_group text        NOT NULL,
    event_id       uuid        NOT NULL,
    processed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);

CREATE INDEX IF NOT EXISTS processed_event_processed_at_idx ON processed_event (processed_at);
