-- The saga view shows when the relay sent each event this service consumed: the Kafka record's timestamp (the
-- relay's send, just before the broker's ack), recorded with the event. The order service shows it for its own
-- events from here, instead of reading them back from its topic.
ALTER TABLE saga_event ADD COLUMN IF NOT EXISTS relayed_at timestamptz;
