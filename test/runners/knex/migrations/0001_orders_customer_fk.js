// orders.customer_id: an index and a foreign key to customers
const schemashift = require('../schemashift');

exports.config = { transaction: false };

exports.up = (knex) => schemashift.apply(knex, __filename, `
CREATE INDEX orders_customer_idx ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
`);

exports.down = (knex) => schemashift.revert(knex, __filename, [
  "CALL schemashift.with_lock_retries('ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk')",
  "CALL schemashift.drop_index('orders_customer_idx')",
]);
