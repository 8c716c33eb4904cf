-- Inventory service: stock per sku and the reservations held for orders (Try / Confirm / Cancel).
-- Invariant at rest: initial = available + reserved + sold, reserved = sum of RESERVED reservations.
CREATE TABLE IF NOT EXISTS stock (
    sku              text        PRIMARY KEY,
    unit_price_cents bigint      NOT NULL CHECK (unit_price_cents >= 0),
    available        integer     NOT NULL CHECK (available >= 0),
    reserved         integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    sold             integer     NOT NULL DEFAULT 0 CHECK (sold >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS reservation (
    order_id   uuid        NOT NULL,
    sku        text        NOT NULL REFERENCES stock (sku),
    quantity   integer     NOT NULL CHECK (quantity > 0),
    status     text        NOT NULL
        CONSTRAINT reservation_status_check CHECK (status IN ('RESERVED', 'COMMITTED', 'RELEASED')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, sku)
);

CREATE INDEX IF NOT EXISTS reservation_sku_status_idx ON reservation (sku, status);
