-- The invariant "initial = available + reserved + sold" needs the initial quantity, and PUT /stock/{sku}
-- changes it (restocking, corrections). `received` counts every unit ever put into stock for the sku, so that
-- received = available + reserved + sold holds at rest whatever the adjustments were.
ALTER TABLE stock ADD COLUMN IF NOT EXISTS received integer NOT NULL DEFAULT 0 CHECK (received >= 0);
UPDATE stock SET received = available + reserved + sold WHERE received = 0;
