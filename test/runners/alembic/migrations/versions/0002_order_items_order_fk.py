"""order_items.order_id: orphans cleared, an index and a foreign key to orders"""
import schemashift_ops

revision = "0002_order_items_order_fk"
down_revision = "0001_orders_customer_fk"


def upgrade():
    schemashift_ops.apply("""
UPDATE order_items SET order_id = NULL WHERE order_id NOT IN (SELECT id FROM orders);
CREATE INDEX order_items_order_idx ON order_items (order_id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
""", revision)


def downgrade():
    schemashift_ops.revert(
        revision,
        "CALL schemashift.with_lock_retries('ALTER TABLE order_items DROP CONSTRAINT IF EXISTS order_items_order_fk')",
        "CALL schemashift.drop_index('order_items_order_idx')")
