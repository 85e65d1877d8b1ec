-- a migration as a developer writes it: every statement here would block
-- the orders table if run as written
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid() NOT NULL;
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
