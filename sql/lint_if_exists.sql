-- Issue 17 item 5: IF EXISTS of what neither the catalog nor the script so
-- far has is a no-op: no finding, and enforce mode lets it through.
SET schemashift.mode = off;
CREATE TABLE ife_t (id bigint, note text);
CREATE INDEX ife_t_note_idx ON ife_t (note);

-- every rule: nothing at all for what is not there
SELECT statement, rule, object FROM schemashift.lint($$
DROP TABLE IF EXISTS ife_ghost;
DROP INDEX IF EXISTS ife_idx_never;
DROP VIEW IF EXISTS ife_ghost_v;
DROP MATERIALIZED VIEW IF EXISTS ife_ghost_mv;
DROP SEQUENCE IF EXISTS ife_ghost_seq;
DROP SCHEMA IF EXISTS ife_ghost_schema CASCADE;
DROP TYPE IF EXISTS ife_ghost_type CASCADE;
DROP DOMAIN IF EXISTS ife_ghost_domain;
DROP FUNCTION IF EXISTS ife_ghost_fn(int) CASCADE;
DROP TRIGGER IF EXISTS ife_ghost_trg ON ife_t;
DROP TRIGGER IF EXISTS ife_ghost_trg ON ife_ghost;
DROP EXTENSION IF EXISTS ife_ghost_ext;
ALTER TABLE IF EXISTS ife_ghost DROP COLUMN note;
ALTER TABLE IF EXISTS ife_ghost ADD COLUMN n bigint NOT NULL;
$$, true) ORDER BY 1, 2;
-- DROP COLUMN IF EXISTS of a column the table lacks drops nothing; the
-- statement still takes ACCESS EXCLUSIVE on the table (measured below), so
-- the lock rules stay
SELECT statement, rule, object, lock FROM schemashift.lint($$
ALTER TABLE ife_t DROP COLUMN IF EXISTS never_existed;
$$, true) ORDER BY 1, 2;
BEGIN;
ALTER TABLE ife_t DROP COLUMN IF EXISTS never_existed;
SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'ife_t'::regclass;
ROLLBACK;
-- what exists is reported as before, IF EXISTS or not, also next to a ghost
SELECT stmt, rule, object FROM lr($$
ALTER TABLE ife_t DROP COLUMN IF EXISTS never_existed, DROP COLUMN IF EXISTS note;
DROP INDEX IF EXISTS ife_idx_never, ife_t_note_idx;
DROP TABLE IF EXISTS ife_ghost, ife_t;
$$, true) ORDER BY 1, 2;
-- what the script made so far is there: a column it added is dropped with
-- what the script put in it
SELECT stmt, rule, object FROM lr($$
ALTER TABLE ife_t ADD COLUMN added bigint;
ALTER TABLE ife_t DROP COLUMN IF EXISTS added;
ALTER TABLE ife_t RENAME COLUMN note TO body;
ALTER TABLE ife_t DROP COLUMN IF EXISTS body;
$$, true) ORDER BY 1, 2;
-- and what the script dropped is gone
SELECT stmt, rule, object FROM lr($$
DROP TABLE ife_t;
DROP TABLE IF EXISTS ife_t;
$$, true) ORDER BY 1, 2;

-- a schema the script created is empty: IF EXISTS of anything in it that
-- the script did not put there is a no-op (no ban-drop-table, no
-- require-lock-timeout: every rule is on here); what the script put there
-- is there
SELECT statement, rule, object FROM schemashift.lint($$
CREATE SCHEMA ife_new;
DROP TABLE IF EXISTS ife_new.t;
DROP INDEX IF EXISTS ife_new.t_idx;
ALTER TABLE IF EXISTS ife_new.t DROP COLUMN c;
DROP TRIGGER IF EXISTS trg ON ife_new.t;
CREATE TABLE ife_new.made (id bigint);
DROP TABLE IF EXISTS ife_new.made;
$$) ORDER BY 1, 2;
-- the same in a transaction block
SELECT statement, rule, object FROM schemashift.lint($$
BEGIN;
CREATE SCHEMA ife_new;
DROP TABLE IF EXISTS ife_new.t;
COMMIT;
$$) ORDER BY 1, 2;
-- a schema the script dropped took its tables with it: IF EXISTS of one
-- of them afterwards is a no-op, also once the schema is made again
CREATE SCHEMA ife_old;
CREATE TABLE ife_old.t (id bigint);
SELECT stmt, rule, object FROM lr($$
DROP SCHEMA ife_old CASCADE;
DROP TABLE IF EXISTS ife_old.t;
CREATE SCHEMA ife_old;
DROP TABLE IF EXISTS ife_old.t;
CREATE TABLE ife_old.t (id bigint);
DROP TABLE IF EXISTS ife_old.t;
$$) ORDER BY 1, 2;
-- not empty: a schema that already exists (IF NOT EXISTS), and one created
-- with elements
SELECT stmt, rule, object FROM lr($$
CREATE SCHEMA IF NOT EXISTS ife_old;
DROP TABLE IF EXISTS ife_old.t;
CREATE SCHEMA ife_elts CREATE TABLE t (id bigint);
DROP TABLE IF EXISTS ife_elts.t;
$$) ORDER BY 1, 2;

-- enforce mode lets the no-ops through (the server says NOTICE) and still
-- blocks the drop of what is there
-- (the audit rows the guard writes here are removed at the end)
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
SET schemashift.mode = enforce;
DROP TABLE IF EXISTS ife_ghost;
DROP INDEX IF EXISTS ife_idx_never;
ALTER TABLE ife_t DROP COLUMN IF EXISTS never_existed;
ALTER TABLE IF EXISTS ife_ghost DROP COLUMN note;
DROP TABLE IF EXISTS ife_t;
-- and in a schema just made, which holds no table yet
BEGIN;
CREATE SCHEMA ife_fresh;
DROP TABLE IF EXISTS ife_fresh.t;
ROLLBACK;
SET schemashift.mode = off;

DROP TABLE ife_t;
SET client_min_messages = warning;
DROP SCHEMA ife_old CASCADE;
RESET client_min_messages;
DELETE FROM schemashift.ddl_log WHERE id > :log_mark;
