-- POST /orders with an Idempotency-Key header: the key, a digest of the request it came with, and the order it made.
-- A retried request (same key, same body) answers with the same order; the same key with another body is refused.
CREATE TABLE IF NOT EXISTS order_idempotency_key (
    idempotency_key text        PRIMARY KEY,
    request_sha256  bytea       NOT NULL,
    -- Deferred: the key is claimed before the order it names is written, in the same transaction.
    order_id        uuid        NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
    created_at      timestamptz NOT NULL DEFAULT now()
);
