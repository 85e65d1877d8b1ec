# order_items.order_id: orphans cleared, an index and a foreign key to orders
class OrderItemsOrderFk < ActiveRecord::Migration[6.1]
  include SchemashiftMigration
  disable_ddl_transaction!

  def up
    schemashift_apply <<~SQL
      UPDATE order_items SET order_id = NULL WHERE order_id NOT IN (SELECT id FROM orders);
      CREATE INDEX order_items_order_idx ON order_items (order_id);
      ALTER TABLE order_items ADD CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
    SQL
  end

  def down
    schemashift_revert "CALL schemashift.with_lock_retries('ALTER TABLE order_items DROP CONSTRAINT IF EXISTS order_items_order_fk')",
                       "CALL schemashift.drop_index('order_items_order_idx')"
  end
end
