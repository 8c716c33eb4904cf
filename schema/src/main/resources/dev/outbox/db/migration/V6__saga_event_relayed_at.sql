-- When the relay sent a consumed event to Kafka (the record's timestamp), beside when this service recorded it
-- (occurred_at): the saga status view shows each hop's time without reading the topics back.
-- IF NOT EXISTS: services that added this column themselves before the library did keep their data.
ALTER TABLE saga_event ADD COLUMN IF NOT EXISTS relayed_at timestamptz;
