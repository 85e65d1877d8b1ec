--
-- schemashift.plan, CALL schemashift.apply and the migration ledger.
--
\set SHOW_CONTEXT never
SET schemashift.mode = 'enforce';
SET schemashift.progress_notices = off;
SET schemashift.rules = 'prefer-bigint-over-int=off';
-- job and change ids start at 1 here, whatever the tests before left
DELETE FROM schemashift.change_steps;
DELETE FROM schemashift.changes;
DELETE FROM schemashift.jobs;

CREATE TABLE ap_parent (id bigint PRIMARY KEY);
INSERT INTO ap_parent SELECT g FROM generate_series(1, 10) g;
CREATE TABLE ap_items (id bigint PRIMARY KEY, parent_id bigint, qty int, note text, old text);
INSERT INTO ap_items SELECT g, g % 10 + 1, g, NULL, 'o' FROM generate_series(1, 12000) g;
ANALYZE ap_parent, ap_items;

-- 1. the plan: each statement, the recipe chosen, the locks, an estimate
SELECT step, line, col, recipe, run, locks, estimate IS NOT NULL AS estimated
  FROM schemashift.plan($$
CREATE INDEX ap_items_qty ON ap_items (qty);
ALTER TABLE ap_items ADD COLUMN created timestamptz DEFAULT clock_timestamp() NOT NULL;
UPDATE ap_items SET note = 'n' || id;
ALTER TABLE ap_items ALTER COLUMN note SET NOT NULL;
ALTER TABLE ap_items ADD CONSTRAINT ap_items_parent FOREIGN KEY (parent_id) REFERENCES ap_parent;
ALTER TABLE ap_items ADD CONSTRAINT ap_items_qty_pos CHECK (qty > 0);
CREATE TABLE ap_new (id bigint PRIMARY KEY, v text);
CREATE INDEX ap_new_v ON ap_new (v);
BEGIN;
ALTER TABLE ap_parent ADD COLUMN label text;
COMMENT ON COLUMN ap_parent.label IS 'shown to people';
COMMIT;
$$);
-- what each step would find, as notes
SELECT step, notes FROM schemashift.plan($$
CREATE INDEX ap_items_qty ON ap_items (qty);
UPDATE ap_items SET note = 'n' || id WHERE qty > 5;
$$);
-- type changes go through expand/contract only when asked
SELECT step, recipe, run FROM schemashift.plan(
  'ALTER TABLE ap_items ALTER COLUMN qty TYPE bigint', expand_type_changes => true);
SELECT step, recipe FROM schemashift.plan('ALTER TABLE ap_items ALTER COLUMN qty TYPE bigint');

-- 2. a dry run prints the plan and runs nothing
CALL schemashift.apply('CREATE INDEX ap_items_qty ON ap_items (qty)', '0001_dry', dry_run => true);
SELECT count(*) AS ledger_rows FROM schemashift.migrations;
SELECT count(*) AS index_made FROM pg_class WHERE relname = 'ap_items_qty';

-- 3. apply: every step through its recipe, recorded in the ledger
CALL schemashift.apply($$
CREATE INDEX ap_items_qty ON ap_items (qty);
ALTER TABLE ap_items ADD COLUMN created timestamptz DEFAULT clock_timestamp() NOT NULL;
UPDATE ap_items SET note = 'n' || id;
ALTER TABLE ap_items ALTER COLUMN note SET NOT NULL;
ALTER TABLE ap_items ADD CONSTRAINT ap_items_parent FOREIGN KEY (parent_id) REFERENCES ap_parent;
CREATE TABLE ap_new (id bigint PRIMARY KEY, v text);
CREATE INDEX ap_new_v ON ap_new (v);
BEGIN;
ALTER TABLE ap_parent ADD COLUMN label text;
COMMENT ON COLUMN ap_parent.label IS 'shown to people';
COMMIT;
$$, '0001_items');
SELECT id, status, steps, runs, run_by = current_user AS by_me, duration IS NOT NULL AS timed, error
  FROM schemashift.migrations;
SELECT step, line, recipe, status, attempts, duration IS NOT NULL AS timed
  FROM schemashift.migration_steps WHERE migration_id = '0001_items' ORDER BY step;
SELECT * FROM schemashift.migration_status('0001_items');
SELECT count(*) FILTER (WHERE note = 'n' || id) AS noted, count(*) FILTER (WHERE created IS NOT NULL) AS created,
       count(*) AS all_rows FROM ap_items;
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'ap_items'::regclass AND contype <> 'n' ORDER BY 1;
SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'ap_items'::regclass AND attname IN ('note', 'created') ORDER BY 1;
SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid IN ('ap_items'::regclass, 'ap_new'::regclass) ORDER BY 1;
SELECT migration_id, step, attempt, outcome FROM schemashift.lock_attempts
 WHERE migration_id = '0001_items' ORDER BY step, attempt;

-- the same migration again: skipped; the same id with another script: refused
CALL schemashift.apply($$
CREATE INDEX ap_items_qty ON ap_items (qty);
ALTER TABLE ap_items ADD COLUMN created timestamptz DEFAULT clock_timestamp() NOT NULL;
UPDATE ap_items SET note = 'n' || id;
ALTER TABLE ap_items ALTER COLUMN note SET NOT NULL;
ALTER TABLE ap_items ADD CONSTRAINT ap_items_parent FOREIGN KEY (parent_id) REFERENCES ap_parent;
CREATE TABLE ap_new (id bigint PRIMARY KEY, v text);
CREATE INDEX ap_new_v ON ap_new (v);
BEGIN;
ALTER TABLE ap_parent ADD COLUMN label text;
COMMENT ON COLUMN ap_parent.label IS 'shown to people';
COMMIT;
$$, '0001_items');
CALL schemashift.apply('CREATE INDEX ap_items_qty ON ap_items (qty)', '0001_items');

-- 4. a step that fails: the ledger says where; the same call resumes there
CREATE TABLE ap_src (id bigint);
INSERT INTO ap_src VALUES (1), (2), (2);
CALL schemashift.apply($$
CREATE TABLE ap_t2 (id bigint PRIMARY KEY);
INSERT INTO ap_t2 SELECT id FROM ap_src;
CREATE TABLE ap_t3 (id bigint PRIMARY KEY);
$$, '0002_fails');
SELECT id, status, error FROM schemashift.migrations WHERE id = '0002_fails';
SELECT step, status, attempts, error FROM schemashift.migration_steps WHERE migration_id = '0002_fails' ORDER BY step;
SELECT migration, status, steps, steps_done, current_step, line, statement, next
  FROM schemashift.migration_status('0002_fails');
-- the cause fixed, the same call resumes at step 2; step 1 is not run again
DELETE FROM ap_src WHERE ctid = (SELECT max(ctid) FROM ap_src WHERE id = 2);
CALL schemashift.apply($$
CREATE TABLE ap_t2 (id bigint PRIMARY KEY);
INSERT INTO ap_t2 SELECT id FROM ap_src;
CREATE TABLE ap_t3 (id bigint PRIMARY KEY);
$$, '0002_fails');
SELECT id, status, runs, error FROM schemashift.migrations WHERE id = '0002_fails';
SELECT step, status, attempts FROM schemashift.migration_steps WHERE migration_id = '0002_fails' ORDER BY step;
SELECT count(*) FROM ap_t2;

-- 5. refused: dangerous and no recipe; nothing runs, nothing is recorded
CALL schemashift.apply($$
CREATE TABLE ap_t4 (id bigint);
ALTER TABLE ap_items DROP COLUMN old;
$$, '0003_drop');
SELECT count(*) FROM schemashift.migrations WHERE id = '0003_drop';
SELECT count(*) FROM pg_class WHERE relname = 'ap_t4';
-- approved in the script: the approval runs with the statement, audited
CALL schemashift.apply($$
SELECT schemashift.approve('ban-drop-column', 'ap_items.old', reason => 'nothing reads it since release 12');
ALTER TABLE ap_items DROP COLUMN old;
$$, '0003_drop');
SELECT step, recipe, status FROM schemashift.migration_steps WHERE migration_id = '0003_drop' ORDER BY step;
SELECT command_tag, statement, approvals->0->>'rule' AS approved_rule
  FROM schemashift.ddl_log WHERE command_tag IN ('ALTER TABLE', 'schemashift.approve')
 ORDER BY id DESC LIMIT 2;
-- or by argument
CALL schemashift.apply('ALTER TABLE ap_new RENAME COLUMN v TO w', '0004_rename',
                       approve => array['renaming-column:ap_new.v']);
SELECT step, recipe, run FROM schemashift.migration_steps WHERE migration_id = '0004_rename';
CALL schemashift.apply('SELECT 1', '0005', approve => array['no-such-rule']);

-- 6. scripts apply refuses
CALL schemashift.apply(NULL);
CALL schemashift.apply('SELECT 1', '');
CALL schemashift.apply($$
CREATE TABLE ap_t5 (id bigint);
CREAT TABLE ap_t6 (id bigint);
$$, '0006_syntax');
CALL schemashift.apply('BEGIN; CREATE TABLE ap_t5 (id bigint);', '0006_open');
CALL schemashift.apply('CREATE TABLE ap_t5 (id bigint); ROLLBACK;', '0006_rollback');
CALL schemashift.apply('BEGIN; CREATE INDEX ap_items_note ON ap_items (note); COMMIT;', '0006_block');
CALL schemashift.apply('CREATE INDEX ON ap_items (note)', '0006_unnamed');
CALL schemashift.apply('VACUUM ap_items', '0006_vacuum');
BEGIN;
CALL schemashift.apply('SELECT 1');
ROLLBACK;
-- no id: the script's checksum names it
CALL schemashift.apply('CREATE TABLE ap_t7 (id bigint)');
SELECT id ~ '^sha256:[0-9a-f]{16}$' AS checksum_id, status FROM schemashift.migrations WHERE id LIKE 'sha256:%';

-- 7. the ledger: readable by everyone, written only by apply()
CREATE ROLE ap_app;
SET ROLE ap_app;
SELECT count(*) > 0 AS can_read FROM schemashift.migrations;
INSERT INTO schemashift.migrations (id, checksum, status, steps, run_by) VALUES ('forged', 'x', 'done', 0, 'ap_app');
UPDATE schemashift.migrations SET status = 'done';
DELETE FROM schemashift.migration_steps;
DELETE FROM schemashift.lock_attempts;
-- approving needs schemashift_approver
CALL schemashift.apply('ALTER TABLE ap_new DROP COLUMN w', '0007_app', approve => array['ban-drop-column']);
RESET ROLE;
DROP ROLE ap_app;

-- 8. a recipe step that fails is stamped failed with its error, though the
-- recipe committed inside; the data fixed, the same call resumes at it
CREATE TABLE ap_c (id bigint PRIMARY KEY, qty int, code int);
INSERT INTO ap_c SELECT g, g, g FROM generate_series(1, 100) g;
UPDATE ap_c SET qty = -qty WHERE id IN (3, 7);
UPDATE ap_c SET code = 5 WHERE id = 6;
CALL schemashift.apply($$
CREATE TABLE ap_c_log (id bigint PRIMARY KEY);
ALTER TABLE ap_c ADD CONSTRAINT ap_c_qty_pos CHECK (qty > 0);
CREATE UNIQUE INDEX ap_c_code ON ap_c (code);
$$, '0008_recipe_fails');
SELECT id, status, runs, error, finished_at IS NOT NULL AS finished
  FROM schemashift.migrations WHERE id = '0008_recipe_fails';
SELECT step, recipe, status, attempts, error, finished_at IS NOT NULL AS finished
  FROM schemashift.migration_steps WHERE migration_id = '0008_recipe_fails' ORDER BY step;
SELECT migration, status, steps, steps_done, current_step, line, recipe, error, next
  FROM schemashift.migration_status('0008_recipe_fails');
-- the recipe dropped its NOT VALID constraint again; the session goes on
SELECT count(*) AS constraints_left FROM pg_constraint WHERE conname = 'ap_c_qty_pos';
-- the rows fixed, the same call resumes at step 2; step 3's unique index
-- then finds the duplicate, and is stamped failed in turn
UPDATE ap_c SET qty = -qty WHERE qty < 0;
CALL schemashift.apply($$
CREATE TABLE ap_c_log (id bigint PRIMARY KEY);
ALTER TABLE ap_c ADD CONSTRAINT ap_c_qty_pos CHECK (qty > 0);
CREATE UNIQUE INDEX ap_c_code ON ap_c (code);
$$, '0008_recipe_fails');
SELECT step, status, attempts, error FROM schemashift.migration_steps
 WHERE migration_id = '0008_recipe_fails' ORDER BY step;
SELECT migration, status, steps_done, current_step, recipe, error, next
  FROM schemashift.migration_status('0008_recipe_fails');
-- no INVALID index is left behind
SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid = 'ap_c'::regclass ORDER BY 1;
UPDATE ap_c SET code = 6 WHERE id = 6;
CALL schemashift.apply($$
CREATE TABLE ap_c_log (id bigint PRIMARY KEY);
ALTER TABLE ap_c ADD CONSTRAINT ap_c_qty_pos CHECK (qty > 0);
CREATE UNIQUE INDEX ap_c_code ON ap_c (code);
$$, '0008_recipe_fails');
-- the ledger agrees with itself and with the catalog
SELECT id, status, steps, runs, error, finished_at IS NOT NULL AS finished, duration IS NOT NULL AS timed
  FROM schemashift.migrations WHERE id = '0008_recipe_fails';
SELECT step, status, attempts, error, finished_at >= started_at AS stamped
  FROM schemashift.migration_steps WHERE migration_id = '0008_recipe_fails' ORDER BY step;
SELECT migration, status, steps, steps_done, current_step, error, next
  FROM schemashift.migration_status('0008_recipe_fails');
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'ap_c'::regclass AND contype <> 'n' ORDER BY 1;
SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid = 'ap_c'::regclass ORDER BY 1;
SELECT count(*) AS ap_c_log_exists FROM pg_class WHERE relname = 'ap_c_log';
