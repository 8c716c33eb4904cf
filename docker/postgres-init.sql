-- Runs once when the PostgreSQL container initialises its data directory.
-- One database per service; the service role owns its tables (its migrations create them and the publication);
-- the relay role may only replicate and read the outbox table: least privilege.
CREATE ROLE outbox_relay WITH LOGIN REPLICATION PASSWORD 'relay';

CREATE DATABASE orders;
CREATE DATABASE inventory;

\connect orders
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO outbox_relay;
\connect inventory
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO outbox_relay;
