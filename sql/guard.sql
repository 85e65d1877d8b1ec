--
-- The live guard: every rule at level error blocks in enforce (SQLSTATE
-- SS001), warns in warn and is silent when the guard is off; what it must
-- not block; DDL nested in functions; table_rewrite and sql_drop; the lock
-- timeout it applies; the ProcessUtility hook (the test instance preloads
-- schemashift).  setup.sql turned the guard off for this database, so each
-- part below sets schemashift.mode itself.
--
\set SHOW_CONTEXT never
SET schemashift.mode = off;

-- Fixtures: existing tables with rows, committed before the guard looks at
-- anything, as a production database would have them.
CREATE TABLE g_orders (id bigint, note text, qty bigint, total bigint, code varchar(10));
INSERT INTO g_orders SELECT g, 'note ' || g, g, g * 10, 'c' || g FROM generate_series(1, 1000) g;
ALTER TABLE g_orders ADD CONSTRAINT g_orders_id_key UNIQUE (id);
CREATE INDEX g_orders_qty_idx ON g_orders (qty);
CREATE TABLE g_events (at bigint, what text) PARTITION BY RANGE (at);
CREATE TABLE g_events_1 PARTITION OF g_events FOR VALUES FROM (0) TO (1000);
INSERT INTO g_events VALUES (1, 'created');
CREATE DOMAIN g_amount AS bigint;
CREATE TABLE g_payments (amount g_amount);
INSERT INTO g_payments VALUES (100);
CREATE TYPE g_mood AS ENUM ('happy', 'sad');
CREATE SCHEMA g_archive;
CREATE TABLE g_archive.orders_2020 (id bigint);
CREATE TABLE g_small (id bigint, note text);
INSERT INTO g_small VALUES (1, 'one');

--
-- 1. Each rule whose default level is error, with a statement that triggers
-- it, run in off, warn and enforce mode.  The statements run inside a
-- function, in a subtransaction that is always rolled back, so each one
-- starts from the fixtures above.  What a statement prints in off and warn
-- mode follows a NOTICE naming it; the outcomes are in the table after.
--
CREATE TABLE g_samples (rule text PRIMARY KEY, stmt text NOT NULL);
INSERT INTO g_samples VALUES
  ('require-concurrent-index-creation',    'CREATE INDEX g_orders_total_idx ON g_orders (total)'),
  ('require-concurrent-index-deletion',    'DROP INDEX g_orders_qty_idx'),
  ('require-concurrent-reindex',           'REINDEX INDEX g_orders_qty_idx'),
  ('require-concurrent-partition-detach',  'ALTER TABLE g_events DETACH PARTITION g_events_1'),
  ('constraint-missing-not-valid',         'ALTER TABLE g_orders ADD CONSTRAINT g_orders_qty_positive CHECK (qty > 0)'),
  ('disallowed-unique-constraint',         'ALTER TABLE g_orders ADD CONSTRAINT g_orders_qty_key UNIQUE (qty)'),
  ('adding-serial-primary-key-field',      'ALTER TABLE g_orders ADD PRIMARY KEY (id)'),
  ('adding-exclusion-constraint',          'ALTER TABLE g_orders ADD CONSTRAINT g_orders_qty_excl EXCLUDE USING btree (qty WITH =)'),
  ('adding-not-nullable-field',            'ALTER TABLE g_orders ALTER COLUMN note SET NOT NULL'),
  ('adding-required-field',                'ALTER TABLE g_orders ADD COLUMN region text NOT NULL'),
  ('adding-field-with-default',            'ALTER TABLE g_orders ADD COLUMN token float8 DEFAULT random()'),
  ('adding-serial-column',                 'ALTER TABLE g_orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY'),
  ('changing-column-type',                 'ALTER TABLE g_orders ALTER COLUMN total TYPE numeric'),
  ('ban-table-rewrite',                    'ALTER TABLE g_orders SET UNLOGGED'),
  ('ban-alter-domain-with-add-constraint', 'ALTER DOMAIN g_amount ADD CONSTRAINT g_amount_positive CHECK (VALUE > 0)'),
  ('ban-drop-column',                      'ALTER TABLE g_orders DROP COLUMN qty'),
  ('ban-drop-table',                       'DROP TABLE g_small'),
  ('ban-drop-schema',                      'DROP SCHEMA g_archive CASCADE'),
  ('ban-drop-extension',                   'DROP EXTENSION schemashift'),
  ('ban-truncate',                         'TRUNCATE g_orders'),
  ('ban-truncate-cascade',                 'TRUNCATE g_orders CASCADE'),
  ('renaming-column',                      'ALTER TABLE g_orders RENAME COLUMN note TO remark'),
  ('renaming-table',                       'ALTER TABLE g_orders RENAME TO g_orders_old'),
  ('ban-duplicate-column-assignments',     'CREATE TABLE g_dup (x bigint, x bigint)');

-- Every error-level rule is covered here or at top level below (the
-- CONCURRENTLY rules and DROP DATABASE cannot run inside a function), except
-- syntax-error: a statement the server cannot parse never reaches the guard.
SELECT id FROM schemashift.rules() WHERE default_level = 'error'
EXCEPT SELECT rule FROM g_samples
EXCEPT VALUES ('ban-concurrent-index-creation-in-transaction'),
              ('ban-concurrent-index-on-partitioned-table'),
              ('ban-drop-database')
ORDER BY 1;

-- g_try(statement): what happens to it, undone afterwards
CREATE FUNCTION g_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
    detail text;
BEGIN
    BEGIN
        EXECUTE stmt;
        RAISE EXCEPTION 'g_try: undo';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL;
    END;
    IF msg = 'g_try: undo' THEN
        RETURN 'ran';
    ELSIF state = 'SS001' THEN
        RETURN 'SS001 ' || substring(detail FROM 'Blocked by schemashift rule "([^"]+)"');
    END IF;
    RETURN 'error ' || state;
END
$$;

CREATE TABLE g_results (rule text, mode text, outcome text);
DO $$
DECLARE
    s record;
    m text;
BEGIN
    FOR s IN SELECT * FROM g_samples ORDER BY rule COLLATE "C" LOOP
        FOREACH m IN ARRAY ARRAY['off', 'warn', 'enforce'] LOOP
            PERFORM set_config('schemashift.mode', m, true);
            IF m <> 'enforce' THEN
                RAISE NOTICE '% mode: %', m, s.stmt;
            END IF;
            INSERT INTO g_results VALUES (s.rule, m, g_try(s.stmt));
        END LOOP;
    END LOOP;
END
$$;
SHOW schemashift.mode;

-- off and warn give the server's own outcome; enforce blocks with the rule
SELECT s.rule,
       (SELECT outcome FROM g_results r WHERE r.rule = s.rule AND mode = 'off') AS off,
       (SELECT outcome FROM g_results r WHERE r.rule = s.rule AND mode = 'warn') AS warn,
       (SELECT outcome FROM g_results r WHERE r.rule = s.rule AND mode = 'enforce') AS enforce
  FROM g_samples s ORDER BY s.rule COLLATE "C";
-- the same, as checks: no rows
SELECT rule, mode, outcome FROM g_results
 WHERE (mode = 'enforce' AND outcome <> 'SS001 ' || rule)
    OR (mode = 'warn' AND outcome IS DISTINCT FROM
          (SELECT outcome FROM g_results o WHERE o.rule = g_results.rule AND o.mode = 'off'));
-- and nothing changed
SELECT count(*), count(note), sum(total) FROM g_orders;
SELECT attname, format_type(atttypid, atttypmod), attnotnull
  FROM pg_attribute WHERE attrelid = 'g_orders'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
SELECT conname FROM pg_constraint WHERE conrelid = 'g_orders'::regclass ORDER BY 1;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'g_orders'::regclass
 ORDER BY indexrelid::regclass::text COLLATE "C";
SELECT relpersistence FROM pg_class WHERE oid = 'g_orders'::regclass;
SELECT count(*) FROM g_events_1;
SELECT count(*) FROM g_small;
SELECT count(*) FROM g_archive.orders_2020;
SELECT inhparent::regclass FROM pg_inherits WHERE inhrelid = 'g_events_1'::regclass;

-- The rules whose statements refuse to run inside a function, at top level.
SET schemashift.mode = off;
BEGIN;
CREATE INDEX CONCURRENTLY g_orders_total_idx ON g_orders (total);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
CREATE INDEX CONCURRENTLY g_events_what_idx ON g_events (what);
\echo :LAST_ERROR_SQLSTATE
DROP DATABASE g_no_such_database;
\echo :LAST_ERROR_SQLSTATE
SET schemashift.mode = warn;
BEGIN;
CREATE INDEX CONCURRENTLY g_orders_total_idx ON g_orders (total);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
CREATE INDEX CONCURRENTLY g_events_what_idx ON g_events (what);
\echo :LAST_ERROR_SQLSTATE
DROP DATABASE g_no_such_database;
\echo :LAST_ERROR_SQLSTATE
SET schemashift.mode = enforce;
BEGIN;
CREATE INDEX CONCURRENTLY g_orders_total_idx ON g_orders (total);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
CREATE INDEX CONCURRENTLY g_events_what_idx ON g_events (what);
\echo :LAST_ERROR_SQLSTATE
DROP DATABASE g_no_such_database;
\echo :LAST_ERROR_SQLSTATE

-- The error a client sees: message, the rule and object, the safe recipe
-- and how to approve.
ALTER TABLE g_orders RENAME COLUMN note TO remark;
\echo :LAST_ERROR_SQLSTATE
-- several blocked findings: the first is the error, DETAIL names the others
ALTER TABLE g_orders ADD COLUMN region text NOT NULL, ALTER COLUMN total TYPE numeric;

-- What enforce lets through: safe DDL, and findings below level error.
CREATE INDEX CONCURRENTLY g_orders_code_idx ON g_orders (code);
ALTER TABLE g_orders ADD COLUMN region text;
ALTER TABLE g_orders ADD COLUMN status text NOT NULL DEFAULT 'new';
ALTER TABLE g_orders ADD CONSTRAINT g_orders_qty_positive CHECK (qty > 0) NOT VALID;
ALTER TABLE g_orders VALIDATE CONSTRAINT g_orders_qty_positive;
CREATE TABLE g_new (id bigint PRIMARY KEY, note text);
COMMENT ON TABLE g_orders IS 'orders';
-- warning-level rules warn and let the statement run
ALTER TABLE g_orders ALTER COLUMN code TYPE varchar(20);
ALTER TABLE g_orders ALTER COLUMN status DROP NOT NULL;
ALTER TYPE g_mood ADD VALUE 'meh';

-- schemashift.rules changes levels for the guard too.
SET schemashift.rules = 'renaming-column=warning, require-enum-value-ordering=error, ban-truncate=off';
BEGIN;
ALTER TABLE g_orders RENAME COLUMN note TO remark;
TRUNCATE g_small;
ROLLBACK;
ALTER TYPE g_mood ADD VALUE 'angry';
\echo :LAST_ERROR_SQLSTATE
RESET schemashift.rules;
BEGIN;
TRUNCATE g_small;
ROLLBACK;

--
-- 2. DDL run by functions and DO blocks is guarded like top-level DDL.
--
CREATE FUNCTION g_rename_note() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    ALTER TABLE g_orders RENAME COLUMN note TO remark;
END
$$;
SELECT g_rename_note();
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION g_index_total() RETURNS void
LANGUAGE sql AS $$ CREATE INDEX g_orders_total_idx ON g_orders (total) $$;
SELECT g_index_total();
\echo :LAST_ERROR_SQLSTATE
CREATE PROCEDURE g_not_null_note()
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER TABLE g_orders ALTER COLUMN note SET NOT NULL';
END
$$;
CALL g_not_null_note();
\echo :LAST_ERROR_SQLSTATE
DO $$
BEGIN
    ALTER TABLE g_orders ALTER COLUMN total TYPE numeric;
END
$$;
\echo :LAST_ERROR_SQLSTATE
DO $$
BEGIN
    EXECUTE 'TRUNCATE g_orders';
END
$$;
\echo :LAST_ERROR_SQLSTATE
-- DDL run by a function that DDL itself calls (a CHECK evaluated for each
-- row) is guarded on its own: approving the outer statement is not enough
CREATE FUNCTION g_rename_in_check(bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    ALTER TABLE g_small RENAME COLUMN note TO remark;
    RETURN true;
END
$$;
BEGIN;
SELECT schemashift.approve('constraint-missing-not-valid', 'g_orders', reason => 'the outer statement only');
ALTER TABLE g_orders ADD CONSTRAINT g_orders_rename CHECK (g_rename_in_check(id));
ROLLBACK;
SELECT attname FROM pg_attribute WHERE attrelid = 'g_small'::regclass AND attnum > 0 ORDER BY attnum;

--
-- 3. Tables created earlier in the same transaction, and temporary tables,
-- are nobody else's: nothing done to them is blocked.
--
BEGIN;
CREATE TABLE g_fresh (id bigint, note text, total bigint);
INSERT INTO g_fresh SELECT g, 'note', g FROM generate_series(1, 100) g;
ALTER TABLE g_fresh ALTER COLUMN total TYPE numeric;
CREATE INDEX g_fresh_note_idx ON g_fresh (note);
ALTER TABLE g_fresh ADD CONSTRAINT g_fresh_id_key UNIQUE (id);
ALTER TABLE g_fresh ADD CONSTRAINT g_fresh_total_positive CHECK (total > 0);
ALTER TABLE g_fresh ALTER COLUMN note SET NOT NULL;
ALTER TABLE g_fresh ADD COLUMN token float8 DEFAULT random();
ALTER TABLE g_fresh ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE g_fresh SET UNLOGGED;
REINDEX TABLE g_fresh;
CLUSTER g_fresh USING g_fresh_id_key;
TRUNCATE g_fresh;
ALTER TABLE g_fresh RENAME COLUMN note TO remark;
ALTER TABLE g_fresh DROP COLUMN token;
ALTER TABLE g_fresh RENAME TO g_fresh2;
CREATE TABLE g_fresh_tmp (id bigint);
DROP TABLE g_fresh_tmp;
COMMIT;
-- committed: from now on it is an existing table like any other
ALTER TABLE g_fresh2 RENAME COLUMN remark TO note;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE g_fresh2;
\echo :LAST_ERROR_SQLSTATE

CREATE TEMP TABLE g_scratch (id bigint, note text, total bigint);
INSERT INTO g_scratch SELECT g, 'note', g FROM generate_series(1, 100) g;
ALTER TABLE g_scratch ALTER COLUMN total TYPE numeric;
CREATE INDEX g_scratch_note_idx ON g_scratch (note);
ALTER TABLE g_scratch ADD PRIMARY KEY (id);
ALTER TABLE g_scratch ALTER COLUMN note SET NOT NULL;
ALTER TABLE g_scratch ADD COLUMN token float8 DEFAULT random();
ALTER TABLE g_scratch RENAME COLUMN note TO remark;
REINDEX TABLE g_scratch;
VACUUM FULL g_scratch;
CLUSTER g_scratch USING g_scratch_pkey;
TRUNCATE g_scratch;
SELECT count(*) FROM g_scratch;
ALTER TABLE g_scratch DROP COLUMN token;
DROP TABLE g_scratch;

--
-- 4. table_rewrite: a rewrite of an existing table that no finding
-- predicted is blocked as ban-table-rewrite.  With changing-column-type
-- turned off, nothing predicts this type change's rewrite.
--
SET schemashift.rules = 'changing-column-type=off';
ALTER TABLE g_orders ALTER COLUMN total TYPE numeric;
\echo :LAST_ERROR_SQLSTATE
SET schemashift.mode = warn;
BEGIN;
ALTER TABLE g_orders ALTER COLUMN total TYPE numeric;
ROLLBACK;
SET schemashift.mode = enforce;
-- approved like any other finding (the object is the qualified name)
BEGIN;
SELECT schemashift.approve('ban-table-rewrite', 'public.g_orders', reason => 'small table');
ALTER TABLE g_orders ALTER COLUMN total TYPE numeric;
ROLLBACK;
-- a finding that predicted the rewrite, even at level warning, is enough:
-- the rewrite is not reported a second time
SET schemashift.rules = 'changing-column-type=warning';
BEGIN;
ALTER TABLE g_orders ALTER COLUMN total TYPE numeric;
ROLLBACK;
-- a type change that keeps the data does not rewrite: nothing to report
SET schemashift.rules = 'changing-column-type=off';
BEGIN;
ALTER TABLE g_orders ALTER COLUMN code TYPE text;
ROLLBACK;
RESET schemashift.rules;

-- sql_drop: what a DROP ... CASCADE takes with it is checked too.
SET schemashift.mode = off;
CREATE TABLE g_parent (id bigint);
CREATE TABLE g_child (extra text) INHERITS (g_parent);
CREATE TYPE g_status AS ENUM ('open', 'closed');
CREATE TABLE g_tickets (id bigint, status g_status);
INSERT INTO g_tickets VALUES (1, 'open');
SET schemashift.mode = enforce;
-- the parent is approved; the child it drops by cascade is not
BEGIN;
SELECT schemashift.approve('ban-drop-table', 'g_parent', reason => 'the parent only');
DROP TABLE g_parent CASCADE;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- with the child approved too, it goes through
BEGIN;
SELECT schemashift.approve('ban-drop-table', 'g_parent', reason => 'the parent');
SELECT schemashift.approve('ban-drop-table', 'public.g_child', reason => 'and its child');
DROP TABLE g_parent CASCADE;
ROLLBACK;
-- warn: both are reported, nothing is blocked
SET schemashift.mode = warn;
BEGIN;
DROP TABLE g_parent CASCADE;
ROLLBACK;
SET schemashift.mode = enforce;
-- no rule is about DROP TYPE; the column it removes by cascade is
DROP TYPE g_status CASCADE;
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('g_parent'), to_regclass('g_child'), to_regtype('g_status');
SELECT * FROM g_tickets;

--
-- 5. The lock timeout: DDL taking a lock stronger than SHARE UPDATE
-- EXCLUSIVE on an existing table runs under schemashift.lock_timeout (5s)
-- when the session's lock_timeout is 0 or longer.  A CHECK constraint
-- shows the setting while the statement runs; the session's own value is
-- back right after.  (set_config() changes the session's lock_timeout.)
--
CREATE FUNCTION g_show_lock_timeout(bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'lock_timeout while the statement runs: %', current_setting('lock_timeout');
    RETURN true;
END
$$;
SET schemashift.mode = warn;
SET schemashift.rules = 'constraint-missing-not-valid=off';
SHOW schemashift.lock_timeout;
SHOW lock_timeout;
BEGIN;
ALTER TABLE g_small ADD CONSTRAINT g_small_c1 CHECK (g_show_lock_timeout(id));
SHOW lock_timeout;
ROLLBACK;
SHOW lock_timeout;
-- a shorter session lock_timeout is kept; a longer one is shortened
SELECT set_config('lock_timeout', '1s', false);
ALTER TABLE g_small ADD CONSTRAINT g_small_c2 CHECK (g_show_lock_timeout(id));
SHOW lock_timeout;
SELECT set_config('lock_timeout', '1min', false);
ALTER TABLE g_small ADD CONSTRAINT g_small_c3 CHECK (g_show_lock_timeout(id));
SHOW lock_timeout;
-- in a DO block: restored for the statements that follow
DO $$
BEGIN
    ALTER TABLE g_small ADD CONSTRAINT g_small_c4 CHECK (g_show_lock_timeout(id));
    RAISE NOTICE 'lock_timeout after the statement: %', current_setting('lock_timeout');
END
$$;
SELECT set_config('lock_timeout', '0', false);
-- schemashift.lock_timeout is the longest wait
SET schemashift.lock_timeout = '2s';
ALTER TABLE g_small ADD CONSTRAINT g_small_c5 CHECK (g_show_lock_timeout(id));
-- 0: lock_timeout is left alone
SET schemashift.lock_timeout = 0;
ALTER TABLE g_small ADD CONSTRAINT g_small_c6 CHECK (g_show_lock_timeout(id));
RESET schemashift.lock_timeout;
-- weaker locks are left alone: VALIDATE takes SHARE UPDATE EXCLUSIVE
ALTER TABLE g_small ADD CONSTRAINT g_small_c7 CHECK (g_show_lock_timeout(id)) NOT VALID;
ALTER TABLE g_small VALIDATE CONSTRAINT g_small_c7;
-- and so are tables created in the same transaction
BEGIN;
CREATE TABLE g_fresh3 (id bigint);
INSERT INTO g_fresh3 VALUES (1);
ALTER TABLE g_fresh3 ADD CONSTRAINT g_fresh3_c CHECK (g_show_lock_timeout(id));
ROLLBACK;
-- the guard off: nothing applied
SET schemashift.mode = off;
ALTER TABLE g_small ADD CONSTRAINT g_small_c8 CHECK (g_show_lock_timeout(id));
RESET schemashift.rules;
SHOW lock_timeout;

--
-- 6. The ProcessUtility hook guards what event triggers do not see.
--
SET schemashift.mode = enforce;
VACUUM FULL g_orders;
\echo :LAST_ERROR_SQLSTATE
VACUUM (FULL, ANALYZE) g_orders;
\echo :LAST_ERROR_SQLSTATE
CLUSTER g_orders USING g_orders_id_key;
\echo :LAST_ERROR_SQLSTATE
REINDEX TABLE g_orders;
\echo :LAST_ERROR_SQLSTATE
REINDEX INDEX g_orders_qty_idx;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE g_orders;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE g_small, g_orders;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM g_orders;
-- what it lets through
VACUUM g_orders;
VACUUM (ANALYZE) g_orders;
VACUUM (FULL false) g_orders;
ANALYZE g_orders;
REINDEX INDEX CONCURRENTLY g_orders_qty_idx;
BEGIN;
LOCK TABLE g_orders IN ACCESS EXCLUSIVE MODE;
SAVEPOINT s;
SET LOCAL work_mem = '8MB';
SHOW work_mem;
RELEASE SAVEPOINT s;
COMMIT;
SET work_mem = '16MB';
SHOW work_mem;
RESET work_mem;
PREPARE g_q AS SELECT count(*) FROM g_orders;
EXECUTE g_q;
DEALLOCATE g_q;
-- warn: warns and runs
SET schemashift.mode = warn;
VACUUM FULL g_small;
TRUNCATE g_small;
SET schemashift.mode = off;
VACUUM FULL g_small;
SELECT count(*) FROM g_small;

-- clean up (the guard is off)
SET client_min_messages = warning;
DROP TABLE g_orders, g_events, g_payments, g_small, g_new, g_fresh2, g_parent,
           g_tickets, g_samples, g_results CASCADE;
DROP SCHEMA g_archive CASCADE;
DROP DOMAIN g_amount;
DROP TYPE g_mood, g_status;
DROP FUNCTION g_try(text), g_rename_note(), g_index_total(), g_rename_in_check(bigint),
              g_show_lock_timeout(bigint);
DROP PROCEDURE g_not_null_note();
RESET client_min_messages;
