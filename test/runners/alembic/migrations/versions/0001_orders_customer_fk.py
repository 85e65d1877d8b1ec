"""orders.customer_id: an index and a foreign key to customers"""
import schemashift_ops

revision = "0001_orders_customer_fk"
down_revision = None


def upgrade():
    schemashift_ops.apply("""
CREATE INDEX orders_customer_idx ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
""", revision)


def downgrade():
    schemashift_ops.revert(
        revision,
        "CALL schemashift.with_lock_retries('ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk')",
        "CALL schemashift.drop_index('orders_customer_idx')")
