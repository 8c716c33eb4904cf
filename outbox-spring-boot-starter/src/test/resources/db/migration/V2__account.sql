CREATE TABLE account (id text PRIMARY KEY, balance bigint NOT NULL);
CREATE TABLE handler_attempt (event_id uuid NOT NULL);
INSERT INTO account (id, balance) VALUES ('a-1', 0), ('a-2', 0);
