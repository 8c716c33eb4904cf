-- The saga status shows each of this service's events from its commit to Kafka: when the service reads its own
-- event back from its topic it records the record's timestamp (the relay's send, just before Kafka's ack) here.
ALTER TABLE saga_event ADD COLUMN IF NOT EXISTS relayed_at timestamptz;
