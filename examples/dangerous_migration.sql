-- A migration as an ORM might generate it.  Every statement here is
-- valid SQL that works on a developer's empty database and hurts a
-- production table.
ALTER TABLE orders ADD COLUMN tracking_token uuid DEFAULT gen_random_uuid();
ALTER TABLE orders ALTER COLUMN id TYPE bigint;
ALTER TABLE orders ALTER COLUMN note TYPE text;            -- varchar -> text: free
CREATE INDEX orders_customer_idx ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
    FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
UPDATE orders SET status = 'new' WHERE status IS NULL;
ALTER TABLE customers RENAME COLUMN email TO email_address;
