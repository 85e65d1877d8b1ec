# orders.customer_id: an index and a foreign key to customers
class OrdersCustomerFk < ActiveRecord::Migration[6.1]
  include SchemashiftMigration
  disable_ddl_transaction!

  def up
    schemashift_apply <<~SQL
      CREATE INDEX orders_customer_idx ON orders (customer_id);
      ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
    SQL
  end

  def down
    schemashift_revert "CALL schemashift.with_lock_retries('ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk')",
                       "CALL schemashift.drop_index('orders_customer_idx')"
  end
end
