-- The relay streams only INSERTs into the outbox table. Creating a publication needs ownership of the
-- table, so the migration (run by the table owner) creates it and the relay's role needs no such right.
-- The name is a Flyway placeholder (default outbox_pub); by hand, replace ${publication_name}.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '${publication_name}') THEN
        CREATE PUBLICATION ${publication_name} FOR TABLE outbox WITH (publish = 'insert');
    END IF;
END
$$;
