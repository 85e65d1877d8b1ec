--
-- CALL schemashift.add_constraint, schemashift.check_constraint_data and
-- CALL schemashift.with_lock_retries.
--
\set SHOW_CONTEXT never
SET schemashift.mode = 'enforce';
SET schemashift.rules = 'prefer-bigint-over-int=off';

CREATE TABLE cs_parent (id bigint PRIMARY KEY);
INSERT INTO cs_parent SELECT g FROM generate_series(1, 10) g;
CREATE TABLE cs_items (id bigint PRIMARY KEY, parent_id bigint, qty int, code text, note text, k bigint);
INSERT INTO cs_items SELECT g, g % 10 + 1, g, 'c' || g, CASE WHEN g > 2 THEN 'n' END, g FROM generate_series(1, 50) g;

-- 1. with_lock_retries: one statement, its own transaction per attempt,
-- every attempt recorded
CALL schemashift.with_lock_retries('ALTER TABLE cs_items ADD COLUMN extra text', attempts => 3);
SELECT statement, attempt, lock_timeout_ms, outcome, error, migration_id FROM schemashift.lock_attempts WHERE statement ~ '^ALTER TABLE cs_items';
-- the guard still judges the statement: with_lock_retries is no approval
CALL schemashift.with_lock_retries('ALTER TABLE cs_items DROP COLUMN extra');
SELECT attempt, outcome, error FROM schemashift.lock_attempts ORDER BY started_at DESC LIMIT 1;
-- what it refuses
CALL schemashift.with_lock_retries(NULL);
CALL schemashift.with_lock_retries('SELECT 1; SELECT 2');
CALL schemashift.with_lock_retries('CREATE INDEX CONCURRENTLY cs_q ON cs_items (qty)');
CALL schemashift.with_lock_retries('COMMIT');
CALL schemashift.with_lock_retries('SELECT 1', attempts => 0);
CALL schemashift.with_lock_retries('SELECT 1', min_lock_timeout => '0');
CALL schemashift.with_lock_retries('SELECT 1', min_lock_timeout => '1s', max_lock_timeout => '10ms');
CALL schemashift.with_lock_retries('SELEC 1');
BEGIN;
CALL schemashift.with_lock_retries('SELECT 1');
ROLLBACK;

-- 2. CHECK: NOT VALID, then VALIDATE
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CONSTRAINT cs_qty_pos CHECK (qty > 0)');
SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'cs_items'::regclass AND contype = 'c';
-- again: already there and valid
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CONSTRAINT cs_qty_pos CHECK (qty > 0)');
-- an unnamed one gets the name the server would give it
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CHECK (qty < 1000);');
-- a violation: counted, with examples; the constraint is gone again
SELECT * FROM schemashift.check_constraint_data('ALTER TABLE cs_items ADD CONSTRAINT cs_qty_small CHECK (qty < 48)');
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CONSTRAINT cs_qty_small CHECK (qty < 48)');
SELECT count(*) FROM pg_constraint WHERE conname = 'cs_qty_small';
-- NOT VALID asked for: added, not validated
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CONSTRAINT cs_qty_nv CHECK (qty < 40) NOT VALID');
SELECT conname, convalidated FROM pg_constraint WHERE conname = 'cs_qty_nv';

-- a CHECK calling a function found through the caller's search_path: the
-- count resolves it as ALTER TABLE would, then runs as the table's owner
-- with search_path pg_catalog, pg_temp (the query names the function's schema)
CREATE FUNCTION cs_small(q int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT q < 45';
SELECT constraint_type, violating_rows, examples, query
  FROM schemashift.check_constraint_data('ALTER TABLE cs_items ADD CONSTRAINT cs_fn CHECK (cs_small(qty) OR code = ''c50'')');
DROP FUNCTION cs_small(int);

-- 3. FOREIGN KEY, referenced columns taken from the primary key
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD FOREIGN KEY (parent_id) REFERENCES cs_parent');
SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE contype = 'f' AND conrelid = 'cs_items'::regclass;
INSERT INTO cs_items (id, parent_id, qty, k) VALUES (51, NULL, 1, 51);
CREATE TABLE cs_child (id bigint PRIMARY KEY, item bigint, item_k bigint);
INSERT INTO cs_child VALUES (1, 1, 1), (2, 77, 77), (3, NULL, NULL), (4, 78, 1);
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE cs_child ADD CONSTRAINT cs_child_item_fkey FOREIGN KEY (item) REFERENCES cs_items (id)');
CALL schemashift.add_constraint('ALTER TABLE cs_child ADD CONSTRAINT cs_child_item_fkey FOREIGN KEY (item) REFERENCES cs_items (id)');
SELECT count(*) FROM pg_constraint WHERE conrelid = 'cs_child'::regclass AND contype = 'f';
-- every clause of a foreign key survives the rebuild from the parse tree
CALL schemashift.add_constraint('ALTER TABLE cs_child ADD CONSTRAINT cs_child_k_fkey FOREIGN KEY (item_k) REFERENCES cs_items (id) MATCH FULL ON UPDATE CASCADE ON DELETE SET NULL (item_k) DEFERRABLE INITIALLY DEFERRED NOT VALID');
SELECT pg_get_constraintdef(oid), convalidated FROM pg_constraint WHERE conname = 'cs_child_k_fkey';
ALTER TABLE cs_child DROP CONSTRAINT cs_child_k_fkey;
SELECT * FROM schemashift.check_constraint_data('ALTER TABLE cs_child ADD FOREIGN KEY (nope) REFERENCES cs_items');

-- 4. SET NOT NULL through a validated check, no scan under the lock
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE cs_items ALTER COLUMN note SET NOT NULL');
CALL schemashift.add_constraint('ALTER TABLE cs_items ALTER COLUMN note SET NOT NULL');
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'cs_items'::regclass AND attname = 'note';
UPDATE cs_items SET note = 'filled' WHERE note IS NULL;
CALL schemashift.add_constraint('ALTER TABLE cs_items ALTER COLUMN note SET NOT NULL');
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'cs_items'::regclass AND attname = 'note';
SELECT count(*) AS helpers_left FROM pg_constraint WHERE conname LIKE '%ss_not_null';
CALL schemashift.add_constraint('ALTER TABLE cs_items ALTER COLUMN note SET NOT NULL');
CALL schemashift.add_constraint('ALTER TABLE cs_items ALTER COLUMN nope SET NOT NULL');

-- 5. UNIQUE: index built concurrently, then attached
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CONSTRAINT cs_code_key UNIQUE (code)');
UPDATE cs_items SET k = 7 WHERE id IN (8, 9);
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE cs_items ADD UNIQUE (k)');
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD UNIQUE (k)');
SELECT count(*) FROM pg_class WHERE relname = 'cs_items_k_key';

-- 6. PRIMARY KEY on a nullable column: proved NOT NULL first
CREATE TABLE cs_nopk (a bigint, b text);
INSERT INTO cs_nopk SELECT g, 'x' FROM generate_series(1, 20) g;
CALL schemashift.add_constraint('ALTER TABLE cs_nopk ADD PRIMARY KEY (a)');
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'cs_nopk'::regclass AND contype <> 'n';
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'cs_nopk'::regclass AND attname = 'a';
CALL schemashift.add_constraint('ALTER TABLE cs_nopk ADD CONSTRAINT other_pk PRIMARY KEY (b)');
CREATE TABLE cs_nopk2 (a bigint);
INSERT INTO cs_nopk2 VALUES (1), (NULL), (2);
SELECT constraint_type, violating_rows FROM schemashift.check_constraint_data('ALTER TABLE cs_nopk2 ADD PRIMARY KEY (a)');
CALL schemashift.add_constraint('ALTER TABLE cs_nopk2 ADD PRIMARY KEY (a)');
SELECT count(*) AS left_behind FROM pg_constraint WHERE conrelid = 'cs_nopk2'::regclass;

-- 7. what add_constraint does not take
CALL schemashift.add_constraint(NULL);
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD COLUMN z int');
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CHECK (qty > 0), ADD CHECK (qty < 5000)');
CALL schemashift.add_constraint('ALTER TABLE cs_nosuch ADD CHECK (a > 0)');
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CONSTRAINT x EXCLUDE USING btree (qty WITH =)');
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CONSTRAINT x UNIQUE USING INDEX cs_code_key');
CALL schemashift.add_constraint('DROP TABLE cs_items');
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CHECK (qty >');
SELECT * FROM schemashift.check_constraint_data(NULL);
-- only the table's owner
CREATE ROLE cs_other;
GRANT USAGE ON SCHEMA public TO cs_other;
SET ROLE cs_other;
CALL schemashift.add_constraint('ALTER TABLE cs_items ADD CHECK (qty > -1)');
SELECT * FROM schemashift.check_constraint_data('ALTER TABLE cs_items ADD CHECK (qty > -1)');
RESET ROLE;
REVOKE USAGE ON SCHEMA public FROM cs_other;
DROP ROLE cs_other;
