-- The same changes, written the safe way: short lock waits, no rewrite, no
-- long scan under a strong lock, each step re-runnable or in its own
-- transaction.
SET lock_timeout = '1s';
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN IF NOT EXISTS tracking_token uuid;
BEGIN;
ALTER TABLE orders ALTER COLUMN tracking_token SET DEFAULT gen_random_uuid();
COMMIT;
-- (existing rows get their token from a batched backfill)
BEGIN;
ALTER TABLE orders ALTER COLUMN note TYPE text;            -- varchar -> text: free
COMMIT;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
    FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
COMMIT;
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_customer_nn CHECK (customer_id IS NOT NULL) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_nn;
COMMIT;
BEGIN;
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;  -- no scan: the check proves it
COMMIT;
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_nn;
