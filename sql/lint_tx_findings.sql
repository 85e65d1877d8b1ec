-- Issue 17 items 4 and 8: locks held across statements, and the timeout
-- rules, judged by what the server does.
--
-- exclusive-lock-held-across-statements reports the first statement that
-- is slow (a scan, a rewrite, an index build, a batch of rows, a wait)
-- while the transaction holds a lock that blocks writes on an existing
-- table, and names that table.  require-lock-timeout fires where a lock
-- wait would queue other sessions (SHARE or stronger on an existing
-- table); require-statement-timeout where a statement is slow while writes
-- wait, never before a CONCURRENTLY build.
SET schemashift.mode = off;
CREATE TABLE txf_parent (id bigint PRIMARY KEY);
CREATE TABLE txf_child (id bigint PRIMARY KEY, parent_id bigint, note text);
INSERT INTO txf_child SELECT g, g, 'n' FROM generate_series(1, 20000) g;
ANALYZE txf_child;
CREATE INDEX txf_child_note_idx ON txf_child (note);
CREATE TABLE txf_other (id bigint);
CREATE FUNCTION txf_trgfn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER trg BEFORE UPDATE ON txf_child FOR EACH ROW EXECUTE FUNCTION txf_trgfn();

CREATE FUNCTION txf(script text, in_transaction boolean DEFAULT true)
RETURNS TABLE (stmt int, rule text, object text, lock text, message text)
LANGUAGE sql AS $$
  SELECT statement, rule, object, lock, message
    FROM schemashift.lint(script, in_transaction)
   WHERE rule IN ('exclusive-lock-held-across-statements', 'require-lock-timeout',
                  'require-statement-timeout')
   ORDER BY statement, rule
$$;

-- consecutive catalog-only ALTERs: nothing slow while the lock is held
SELECT * FROM txf($$
ALTER TABLE txf_child ADD COLUMN a bigint;
ALTER TABLE txf_child ADD COLUMN b bigint;
ALTER TABLE txf_child DROP CONSTRAINT IF EXISTS nope;
$$);
-- DROP INDEX locks the index's table: the finding names the table
SELECT * FROM txf($$
DROP INDEX txf_child_note_idx;
CREATE INDEX txf_child_note2_idx ON txf_child (note);
$$);
-- DROP TRIGGER, and DROP FUNCTION ... CASCADE that drops a trigger, lock
-- the trigger's table in ACCESS EXCLUSIVE; then a whole-table UPDATE
SELECT * FROM txf($$
DROP TRIGGER trg ON txf_child;
UPDATE txf_child SET note = 'y';
$$);
SELECT * FROM txf($$
DROP FUNCTION txf_trgfn() CASCADE;
UPDATE txf_child SET note = 'y' FROM txf_parent WHERE txf_child.parent_id = txf_parent.id;
$$);
-- what the server measures for both: ACCESS EXCLUSIVE on txf_child
BEGIN;
DROP TRIGGER trg ON txf_child;
SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'txf_child'::regclass
 ORDER BY mode;
ROLLBACK;
BEGIN;
DROP FUNCTION txf_trgfn() CASCADE;
SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'txf_child'::regclass
 ORDER BY mode;
ROLLBACK;
-- reported at every slow statement (each is a wait of its own to move out
-- of the transaction), not at the cheap one before, naming the statement
-- and the line that took the lock
SELECT * FROM txf($$
ALTER TABLE txf_child ADD COLUMN a bigint;
ALTER TABLE txf_child ADD COLUMN b bigint;
INSERT INTO txf_other SELECT id FROM txf_child;
UPDATE txf_child SET a = 1;
$$);
-- rows picked by the primary key are not a batch (a join, UPDATE ... FROM,
-- above, is)
SELECT * FROM txf($$
ALTER TABLE txf_child ADD COLUMN a bigint;
UPDATE txf_child SET a = 1 WHERE id = 5;
DELETE FROM txf_child WHERE id IN (1, 2);
$$);
-- Item 3: an UPDATE or DELETE whose WHERE fixes every column of a unique
-- index (or the primary key) by equality to constants reads a few rows
-- through it, whatever the table's size: neither a batch nor a scan.  Part
-- of a unique key, a column of a non-unique index or of none picks any
-- number of rows, and both rules report it
CREATE TABLE txf_env (id bigint PRIMARY KEY, org bigint, slug text, status text,
                      title text, UNIQUE (org, slug));
CREATE INDEX txf_env_status_idx ON txf_env (status);
INSERT INTO txf_env SELECT g, g / 3, 's' || g % 3, 'done', 't' FROM generate_series(1, 20000) g;
ANALYZE txf_env;
CREATE FUNCTION txk(script text)
RETURNS TABLE (stmt int, rule text, object text)
LANGUAGE sql AS $$
  SELECT statement, rule, object FROM schemashift.lint(script, true)
   WHERE rule IN ('exclusive-lock-held-across-statements', 'unbatched-backfill')
   ORDER BY statement, rule
$$;
SELECT * FROM txk($$
ALTER TABLE txf_env ADD COLUMN a bigint;
UPDATE txf_env SET title = 'x' WHERE id = 5;
UPDATE txf_env SET title = 'x' WHERE org = 1 AND slug = 'prod';
DELETE FROM txf_env WHERE slug IN ('dev', 'prod') AND org = 2::bigint AND title = 't';
UPDATE txf_env e SET title = 'x' WHERE e.id = -1 RETURNING id;
UPDATE txf_env SET title = 'x' WHERE slug = 'prod';
UPDATE txf_env SET title = 'x' WHERE status = 'aborted';
DELETE FROM txf_env WHERE title = 'x';
UPDATE txf_env SET title = 'x' WHERE id = org;
$$);
-- the server agrees: the key is read through its index, part of it is not
EXPLAIN (COSTS OFF) UPDATE txf_env SET title = 'x' WHERE org = 1 AND slug = 'prod';
EXPLAIN (COSTS OFF) UPDATE txf_env SET title = 'x' WHERE slug = 'prod';
-- a batch by key range is the batched backfill itself
SELECT * FROM txk($$UPDATE txf_env SET title = 'x' WHERE id BETWEEN 1 AND 5000;$$);
-- a materialized view made WITH NO DATA runs no query; its REFRESH does,
-- over the existing table, though the script made the view
SELECT * FROM txf($$
ALTER TABLE txf_child ADD COLUMN a bigint;
CREATE MATERIALIZED VIEW txf_mv AS SELECT id FROM txf_child WITH NO DATA;
REFRESH MATERIALIZED VIEW txf_mv;
$$);
-- waits: pg_sleep, and a lock on another table while holding one
SELECT * FROM txf($$
LOCK TABLE txf_child IN ACCESS EXCLUSIVE MODE;
SELECT pg_sleep(1);
$$);
SELECT * FROM txf($$
LOCK TABLE txf_child IN SHARE MODE;
LOCK TABLE txf_parent IN SHARE MODE;
$$);
-- SHARE UPDATE EXCLUSIVE blocks no writes: nothing is held
SELECT * FROM txf($$
ALTER TABLE txf_child VALIDATE CONSTRAINT nope;
UPDATE txf_child SET note = 'z';
$$);
-- the lock ends with the transaction
SELECT * FROM txf($$
BEGIN;
ALTER TABLE txf_child ADD COLUMN a bigint;
COMMIT;
UPDATE txf_child SET a = 1;
$$, false);
-- tables the script created: no other session sees them
SELECT * FROM txf($$
CREATE TABLE txf_fresh (id bigint);
ALTER TABLE txf_fresh ADD COLUMN c bigint;
INSERT INTO txf_fresh SELECT 1;
UPDATE txf_fresh SET c = 2;
$$);
-- but a foreign key of a new table locks the existing table it references
SELECT * FROM txf($$
CREATE TABLE txf_fresh (id bigint, p bigint REFERENCES txf_parent);
$$);
-- ADD CONSTRAINT ... FOREIGN KEY names its own table first
SELECT * FROM txf($$
ALTER TABLE txf_child ADD CONSTRAINT txf_fk FOREIGN KEY (parent_id) REFERENCES txf_parent NOT VALID;
$$);

-- Item 8: CONCURRENTLY forms queue nobody: no timeout finding, and never
-- the statement_timeout hint, which would cancel the build and leave an
-- INVALID index
SELECT * FROM txf($$
CREATE INDEX CONCURRENTLY IF NOT EXISTS txf_child_pid_idx ON txf_child (parent_id);
REINDEX INDEX CONCURRENTLY txf_child_note_idx;
DROP INDEX CONCURRENTLY IF EXISTS txf_child_pid_idx;
$$, false);
-- ALTER TYPE ... ADD VALUE locks no table
CREATE TYPE txf_mood AS ENUM ('happy');
SELECT * FROM txf($$ALTER TYPE txf_mood ADD VALUE 'sad';$$, false);
-- a slow statement under its own SHARE lock: both timeouts
SELECT * FROM txf($$CREATE INDEX txf_child_pid_idx ON txf_child (parent_id);$$, false);
-- a timeout of 0 is no timeout; a real one silences the rule
SELECT * FROM txf($$
SET lock_timeout = '1s';
SET statement_timeout = 0;
CREATE INDEX txf_child_pid_idx ON txf_child (parent_id);
$$, false);
SELECT * FROM txf($$
SET lock_timeout = '1s';
SET statement_timeout = '5s';
CREATE INDEX txf_child_pid_idx ON txf_child (parent_id);
$$, false);

DROP TYPE txf_mood;
DROP FUNCTION txf(text, boolean);
DROP FUNCTION txk(text);
DROP TABLE txf_child, txf_parent, txf_other, txf_env;
DROP FUNCTION txf_trgfn();
