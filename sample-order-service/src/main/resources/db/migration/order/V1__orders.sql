-- Order service: customers with credit, orders with their lines, and the charge taken for an order.
CREATE TABLE IF NOT EXISTS customer (
    id                     text        PRIMARY KEY,
    name                   text        NOT NULL,
    credit_limit_cents     bigint      NOT NULL CHECK (credit_limit_cents >= 0),
    credit_available_cents bigint      NOT NULL CHECK (credit_available_cents >= 0),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customer_credit_within_limit CHECK (credit_available_cents <= credit_limit_cents)
);

CREATE TABLE IF NOT EXISTS orders (
    id            uuid        PRIMARY KEY,
    customer_id   text        NOT NULL REFERENCES customer (id),
    status        text        NOT NULL
        CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
    total_cents   bigint      NOT NULL CHECK (total_cents >= 0),
    reason        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS orders_customer_idx ON orders (customer_id);

CREATE TABLE IF NOT EXISTS order_line (
    order_id         uuid    NOT NULL REFERENCES orders (id),
    line_no          integer NOT NULL,
    sku              text    NOT NULL,
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_cents bigint  NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, line_no)
);

-- At most one charge per order: the primary key makes "charged once" a database fact.
CREATE TABLE IF NOT EXISTS charge (
    order_id     uuid        PRIMARY KEY REFERENCES orders (id),
    customer_id  text        NOT NULL REFERENCES customer (id),
    amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
    status       text        NOT NULL CONSTRAINT charge_status_check CHECK (status IN ('CHARGED', 'REFUNDED')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
