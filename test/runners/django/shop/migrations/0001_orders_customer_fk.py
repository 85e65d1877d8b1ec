"""orders.customer_id: an index and a foreign key to customers"""
from django.db import migrations

from shop import schemashift_ops


class Migration(migrations.Migration):
    atomic = False
    dependencies = []
    operations = [schemashift_ops.apply("shop.0001_orders_customer_fk", """
CREATE INDEX orders_customer_idx ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
""", revert=[
        "CALL schemashift.with_lock_retries('ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk')",
        "CALL schemashift.drop_index('orders_customer_idx')",
    ])]
