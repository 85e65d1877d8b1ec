-- The ledger as migration runners use it (issue 19): a migration the
-- runner's own down script reverted is recorded with mark_reverted() and
-- applied again under the same id; a failed or interrupted run is reset
-- (its role or an approver, with a reason) and applied again, perhaps
-- edited.  Earlier runs stay in migration_history; every end is audited.
SET client_min_messages = warning;
CREATE TABLE lr_items (id bigint PRIMARY KEY, qty integer NOT NULL, note text);
-- 30,000 rows: never analysed, the table is judged by its size (about
-- 19,000 rows of its width), above one batch: the UPDATE is a backfill
INSERT INTO lr_items SELECT g, g, NULL FROM generate_series(1, 30000) g;
RESET client_min_messages;

-- 1. up, down, up: the second up runs the script again (its backfill's
-- NOTICEs name job ids, which other tests move: not shown)
\set lr_script 'ALTER TABLE lr_items ADD CONSTRAINT lr_qty_pos CHECK (qty > 0); UPDATE lr_items SET note = ''n'' || id;'
SET client_min_messages = warning;
CALL schemashift.apply(:'lr_script', 'lr_0001');
RESET client_min_messages;
-- the runner's down script: its own DDL, then the ledger, in one transaction
BEGIN;
ALTER TABLE lr_items DROP CONSTRAINT lr_qty_pos;
UPDATE lr_items SET note = NULL;
SELECT schemashift.mark_reverted('lr_0001', 'alembic downgrade -1');
COMMIT;
SELECT id, run, status, ended_by = current_user AS by_me, ended_at IS NOT NULL AS stamped, end_reason
  FROM schemashift.migrations WHERE id = 'lr_0001';
SELECT * FROM schemashift.migration_status('lr_0001');
SET client_min_messages = warning;
CALL schemashift.apply(:'lr_script', 'lr_0001');
RESET client_min_messages;
-- the constraint is back and the backfill ran again (the first run's job
-- does not count for the second run)
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'lr_items'::regclass AND contype = 'c';
SELECT count(*) FILTER (WHERE note = 'n' || id) AS noted, count(*) AS all_rows FROM lr_items;
SELECT migration_id, migration_step, status, rows_updated FROM schemashift.jobs
 WHERE migration_id = 'lr_0001' ORDER BY id;
-- the first run is history, with its steps; the second is the ledger's row
SELECT id, run, status, steps, end_reason, jsonb_array_length(step_rows) AS step_rows,
       step_rows -> 0 ->> 'recipe' AS first_recipe, step_rows -> 1 ->> 'status' AS second_status
  FROM schemashift.migration_history WHERE id = 'lr_0001';
SELECT id, run, status, ended_by, end_reason FROM schemashift.migrations WHERE id = 'lr_0001';
-- a reverted migration may come back with another script (the runner's
-- migration file was edited between down and up)
BEGIN;
ALTER TABLE lr_items DROP CONSTRAINT lr_qty_pos;
SELECT schemashift.mark_reverted('lr_0001');
COMMIT;
CALL schemashift.apply('ALTER TABLE lr_items ADD CONSTRAINT lr_qty_nonneg CHECK (qty >= 0)', 'lr_0001');
SELECT id, run, status, end_reason FROM schemashift.migration_history WHERE id = 'lr_0001' ORDER BY run;
SELECT id, run, status, steps FROM schemashift.migrations WHERE id = 'lr_0001';
-- the down script rolled back: so did its mark
BEGIN;
SELECT schemashift.mark_reverted('lr_0001', 'rolled back');
ROLLBACK;
SELECT status FROM schemashift.migrations WHERE id = 'lr_0001';

-- 2. what cannot be reverted
SELECT schemashift.mark_reverted('lr_none');
SELECT schemashift.mark_reverted(NULL);
BEGIN;
SELECT schemashift.mark_reverted('lr_0001');
SELECT schemashift.mark_reverted('lr_0001');
ROLLBACK;
-- the same id with another script, applied: the hint names mark_reverted
CALL schemashift.apply('SELECT 1', 'lr_0001');

-- 3. a failed run: the edited script is refused with a hint that names
-- reset(); reset, then the edited script runs under the same id
CALL schemashift.apply($$
CREATE TABLE lr_codes (code text);
INSERT INTO lr_codes VALUES ('a'), ('a');
CREATE UNIQUE INDEX lr_codes_code ON lr_codes (code);
$$, 'lr_0002');
SELECT status, error FROM schemashift.migrations WHERE id = 'lr_0002';
CALL schemashift.apply($$
CREATE TABLE lr_codes (code text);
INSERT INTO lr_codes VALUES ('a'), ('b');
CREATE UNIQUE INDEX lr_codes_code ON lr_codes (code);
$$, 'lr_0002');
SELECT schemashift.mark_reverted('lr_0002');
SELECT schemashift.reset('lr_0002', NULL);
SELECT schemashift.reset('lr_0002', '   ');
-- reset does not undo what the finished steps did: the fixed script says so
SELECT schemashift.reset('lr_0002', 'duplicate codes: the INSERT is fixed');
SELECT * FROM schemashift.migration_status('lr_0002');
DROP TABLE lr_codes;
CALL schemashift.apply($$
CREATE TABLE lr_codes (code text);
INSERT INTO lr_codes VALUES ('a'), ('b');
CREATE UNIQUE INDEX lr_codes_code ON lr_codes (code);
$$, 'lr_0002');
SELECT id, run, status, error IS NOT NULL AS had_error, end_reason,
       (SELECT string_agg(s ->> 'status', ',') FROM jsonb_array_elements(step_rows) s) AS steps
  FROM schemashift.migration_history WHERE id = 'lr_0002';
SELECT id, run, status FROM schemashift.migrations WHERE id = 'lr_0002';
SELECT count(*) FROM lr_codes;
-- reset of a run that is done
SELECT schemashift.reset('lr_0002', 'no');

-- 4. an interrupted run (its backend gone: the ledger says running, no
-- lock held) can be reset too
SET client_min_messages = warning;
INSERT INTO schemashift.migrations (id, checksum, status, steps, run_by)
  VALUES ('lr_0003', 'x', 'running', 1, current_user);
INSERT INTO schemashift.migration_steps (migration_id, step, line, col, statement, recipe, run, status)
  VALUES ('lr_0003', 1, 1, 1, 'CREATE TABLE lr_gone (id bigint)', 'as is', 'CREATE TABLE lr_gone (id bigint)', 'running');
RESET client_min_messages;
SELECT status, next FROM schemashift.migration_status('lr_0003');
SELECT schemashift.reset('lr_0003', 'its session was terminated');
SELECT status FROM schemashift.migrations WHERE id = 'lr_0003';

-- 5. who may end a run: its role (or a member), an approver, a superuser
CREATE ROLE lr_deployer;
CREATE ROLE lr_other;
CREATE ROLE lr_reviewer;
GRANT schemashift_approver TO lr_reviewer;
GRANT CREATE ON SCHEMA public TO lr_deployer;
SET ROLE lr_deployer;
CALL schemashift.apply('CREATE TABLE lr_owned (id bigint)', 'lr_0004');
RESET ROLE;
SELECT run_by FROM schemashift.migrations WHERE id = 'lr_0004';
SET ROLE lr_other;
SELECT schemashift.mark_reverted('lr_0004');
RESET ROLE;
SET ROLE lr_deployer;
BEGIN;
SELECT schemashift.mark_reverted('lr_0004', 'by the role that ran it');
ROLLBACK;
RESET ROLE;
SET ROLE lr_reviewer;
SELECT schemashift.mark_reverted('lr_0004', 'by an approver');
RESET ROLE;
SELECT status, ended_by, end_reason FROM schemashift.migrations WHERE id = 'lr_0004';

-- 6. every end is in the audit log: who, the reason, the migration
SELECT command_tag, role_name, statement, objects FROM schemashift.ddl_log
 WHERE command_tag IN ('schemashift.mark_reverted', 'schemashift.reset') ORDER BY id;

-- 7. a retried down migration: mark_reverted() on a run it already marked
-- reverted (and reset() on a run it already reset) is a no-op with a
-- NOTICE, also in another transaction; the first call's record stays, no
-- audit row is added, and the next run archives the run once
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
BEGIN;
ALTER TABLE lr_items DROP CONSTRAINT lr_qty_nonneg;
SELECT schemashift.mark_reverted('lr_0001', 'down');
SELECT schemashift.mark_reverted('lr_0001', 'down, retried in the same transaction');
COMMIT;
SELECT schemashift.mark_reverted('lr_0001', 'down, retried');
SELECT schemashift.reset('lr_0003', 'reset again');
SELECT id, status, end_reason FROM schemashift.migrations WHERE id IN ('lr_0001', 'lr_0003') ORDER BY id;
SELECT command_tag, statement FROM schemashift.ddl_log WHERE id > :log_mark ORDER BY id;
-- its rights are checked all the same
SET ROLE lr_other;
SELECT schemashift.mark_reverted('lr_0004');
RESET ROLE;
SELECT count(*) AS runs_archived FROM schemashift.migration_history WHERE id = 'lr_0001';
CALL schemashift.apply('ALTER TABLE lr_items ADD CONSTRAINT lr_qty_nonneg CHECK (qty >= 0)', 'lr_0001');
SELECT run, status, end_reason FROM schemashift.migration_history WHERE id = 'lr_0001' ORDER BY run;
SELECT run, status FROM schemashift.migrations WHERE id = 'lr_0001';

-- the ledger's states and moves still match its CHECK constraint
SELECT state_column, states, moves FROM schemashift.ledger_check()
 WHERE state_column = 'schemashift.migrations.status';

DROP TABLE lr_owned;
REVOKE CREATE ON SCHEMA public FROM lr_deployer;
DROP ROLE lr_deployer;
DROP ROLE lr_other;
DROP ROLE lr_reviewer;
DROP TABLE lr_items, lr_codes;
