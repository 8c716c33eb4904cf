-- The outbox table. Column names follow Debezium's Outbox Event Router defaults, so that either
-- outbox-relay or Debezium's router can read the same table.
CREATE TABLE IF NOT EXISTS outbox (
    id            uuid        PRIMARY KEY,            -- event id: Kafka header `id`, the dedup key downstream
    aggregatetype text        NOT NULL,               -- routes the topic
    aggregateid   text        NOT NULL,               -- Kafka key: per-aggregate order
    type          text        NOT NULL,               -- logical event type name, never a Java class name
    payload       jsonb       NOT NULL,               -- the event body, passed through verbatim
    headers       jsonb       NOT NULL DEFAULT '{}',  -- traceparent, saga_id, causation_id, correlation_id ...
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Lets a retention job delete old rows without a sequential scan.
CREATE INDEX IF NOT EXISTS outbox_created_at_idx ON outbox (created_at);
