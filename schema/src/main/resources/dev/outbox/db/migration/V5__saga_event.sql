-- Events a saga exchanged as seen by this service, for the saga status view. Kept apart from the outbox
-- table so that the view still works when outbox rows are deleted right after insert.
CREATE TABLE IF NOT EXISTS saga_event (
    saga_id        uuid        NOT NULL,
    event_id       uuid        NOT NULL,
    direction      text        NOT NULL CONSTRAINT saga_event_direction_check CHECK (direction IN ('PUBLISHED', 'CONSUMED')),
    type           text        NOT NULL,
    topic          text,
    kafka_partition integer,
    kafka_offset   bigint,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (saga_id, event_id, direction)
);
