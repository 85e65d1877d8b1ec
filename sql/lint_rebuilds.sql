-- What ALTER TABLE really rebuilds and scans, checked against the server:
-- indexes a type change rebuilds without a rewrite (issue 17 item 1), a
-- CHECK added with a column (item 9), REINDEX's locks (item 10), backfills
-- on tables never analysed (item 11), SET NOT NULL after the script
-- changed the column or added constraints.

-- lint's answer next to the server's, per relation of schema rb that
-- either names: lint's changing-column-type (a rewrite renews them all,
-- else the indexes its message names) and the relations whose storage the
-- statement renewed on the server, run in a subtransaction rolled back
-- (relfilenode before and after, by name: an index built again is a new
-- relation of the same name).  No oid reaches the output.
CREATE FUNCTION rebuilt_vs_lint(stmt text)
RETURNS TABLE (relation text, lint_says bool, server_did bool)
LANGUAGE plpgsql AS $f$
DECLARE
  lint_rewrites bool;
  lint_msg text;
  before jsonb;
  renewed text[];
BEGIN
  SELECT bool_or(l.rewrites), string_agg(l.message, ' ')
    INTO lint_rewrites, lint_msg
    FROM schemashift.lint(stmt) l
   WHERE l.rule = 'changing-column-type';
  SELECT jsonb_object_agg(c.relname, c.relfilenode) INTO before
    FROM pg_class c
   WHERE c.relnamespace = 'rb'::regnamespace AND c.relkind IN ('r', 'i');
  BEGIN
    EXECUTE stmt;
    SELECT array_agg(c.relname::text) INTO renewed
      FROM pg_class c
     WHERE c.relnamespace = 'rb'::regnamespace
       AND c.relfilenode::text <> (before ->> c.relname);
    RAISE EXCEPTION USING ERRCODE = 'P0001';
  EXCEPTION WHEN SQLSTATE 'P0001' THEN
    NULL;
  END;
  RETURN QUERY
    SELECT r.rel, r.l_says, r.s_did FROM (
      SELECT c.relname::text AS rel,
             coalesce(lint_rewrites, false) OR
             coalesce(lint_msg ~ ('rb\.' || c.relname || '\M'), false) AS l_says,
             c.relname = ANY (coalesce(renewed, '{}')) AS s_did
        FROM pg_class c
       WHERE c.relnamespace = 'rb'::regnamespace AND c.relkind IN ('r', 'i')) r
     WHERE r.l_says OR r.s_did
     ORDER BY 1;
END
$f$;

CREATE SCHEMA rb;
SET search_path = rb, public;
CREATE TABLE t (id int, ts timestamp, d timestamp, v varchar(10), note text,
                a int[]);
INSERT INTO t VALUES (1, '2024-01-01', '2024-01-01', 'x', 'y', '{1}');
CREATE INDEX t_ts ON t (ts);
CREATE INDEX t_ts_id ON t (ts, id);
CREATE INDEX t_ts_brin ON t USING brin (ts);
CREATE INDEX t_ts_hash ON t USING hash (ts);
CREATE UNIQUE INDEX t_ts_key ON t (ts);
CREATE INDEX t_ts_null ON t ((ts IS NULL));
CREATE INDEX t_id_where ON t (id) WHERE ts IS NOT NULL;
CREATE INDEX t_id_incl ON t (id) INCLUDE (ts);
CREATE INDEX t_v ON t (v);
CREATE INDEX t_v_pattern ON t (v varchar_pattern_ops);
CREATE INDEX t_v_c ON t (v COLLATE "C");
CREATE INDEX t_note ON t (note);
CREATE INDEX t_note_pattern ON t (note text_pattern_ops);
CREATE INDEX t_a ON t USING gin (a);
CREATE INDEX t_id_a ON t (id, a);

-- item 1: in UTC the heap stays, but every index whose operator class
-- changes is built again; an INCLUDE column is not compared, and the
-- index stays
SET timezone = 'UTC';
SELECT * FROM rebuilt_vs_lint('ALTER TABLE t ALTER COLUMN ts TYPE timestamptz');
-- the definition printed before the change keeps a non-default operator
-- class and an explicit collation; the rest follows the new type
SELECT * FROM rebuilt_vs_lint('ALTER TABLE t ALTER COLUMN v TYPE varchar(20)');
SELECT * FROM rebuilt_vs_lint('ALTER TABLE t ALTER COLUMN v TYPE text');
SELECT * FROM rebuilt_vs_lint('ALTER TABLE t ALTER COLUMN note TYPE text COLLATE "C"');
-- a polymorphic operator class: the type the index stores is compared
SELECT * FROM rebuilt_vs_lint('ALTER TABLE t ALTER COLUMN a TYPE int[]');
-- a rewrite: the table and all its indexes
SELECT * FROM rebuilt_vs_lint('ALTER TABLE t ALTER COLUMN id TYPE bigint');
-- outside UTC the conversion rewrites the table
SET timezone = 'America/New_York';
SELECT * FROM rebuilt_vs_lint('ALTER TABLE t ALTER COLUMN d TYPE timestamptz');
SET timezone = 'UTC';

-- the guard decides with the same code: enforce blocks the index rebuild
SET schemashift.mode = enforce;
ALTER TABLE t ALTER COLUMN ts TYPE timestamptz;
SET schemashift.mode = off;

-- item 9: a CHECK written with the column (or next to it in the same
-- ALTER) makes the server read every row under ACCESS EXCLUSIVE ...
SELECT stmt, line, col, rule, object, lock FROM lr($$
ALTER TABLE t ADD COLUMN bar bigint CONSTRAINT my_check CHECK (bar IS NULL OR id IS NOT NULL);
ALTER TABLE t ADD COLUMN baz bigint, ADD CONSTRAINT baz_check CHECK (baz > 0);
ALTER TABLE t ADD COLUMN qux bigint, ADD CONSTRAINT qux_check CHECK (qux > 0) NOT VALID;
$$);
-- ... as a check that fails on the existing row shows
ALTER TABLE t ADD COLUMN bar bigint CONSTRAINT bar_check CHECK (bar IS NOT NULL);

-- item 10: REINDEX TABLE takes SHARE on the table and ACCESS EXCLUSIVE on
-- each index; REINDEX INDEX ACCESS EXCLUSIVE on the index
CREATE TABLE child (id int, note text);
CREATE INDEX child_note_idx ON child (note);
CREATE INDEX child_id_idx ON child (id);
SELECT stmt, rule, object, lock FROM lr($$
REINDEX TABLE child;
REINDEX INDEX child_note_idx;
$$);
SELECT message FROM schemashift.lint('REINDEX TABLE child;')
 WHERE rule = 'require-concurrent-reindex';
BEGIN;
REINDEX TABLE child;
SELECT c.relname, l.mode
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relname LIKE 'child%'
 ORDER BY 1;
ROLLBACK;

-- item 11: a table never analysed is judged by its real size
-- (autovacuum off, no index: its statistics stay empty)
CREATE TABLE never_small (id int, note text) WITH (autovacuum_enabled = false);
INSERT INTO never_small SELECT g, 'x' FROM generate_series(1, 10) g;
CREATE TABLE never_big (id int, note text) WITH (autovacuum_enabled = false);
INSERT INTO never_big SELECT g, 'x' FROM generate_series(1, 20000) g;
SELECT relname, reltuples FROM pg_class
 WHERE relname IN ('never_small', 'never_big') ORDER BY 1;
SELECT stmt, rule, object FROM lr($$
UPDATE never_small SET note = 'y';
UPDATE never_big SET note = 'y';
$$);

-- SET NOT NULL: the column a name means at that point of the script.  A
-- column filled into a new one, the old dropped and the new renamed into
-- its name, is not the old NOT NULL column: the table is scanned.
CREATE TABLE prompts (id int, prompt text NOT NULL);
INSERT INTO prompts VALUES (1, 'a');
SELECT stmt, rule, object FROM lr($$
BEGIN;
ALTER TABLE prompts ADD COLUMN json_prompt jsonb;
UPDATE prompts SET json_prompt = to_jsonb(prompt);
ALTER TABLE prompts DROP COLUMN prompt;
ALTER TABLE prompts RENAME COLUMN json_prompt TO prompt;
ALTER TABLE prompts ALTER COLUMN prompt SET NOT NULL;
COMMIT;
$$, extra => 'exclusive-lock-held-across-statements=off, unbatched-backfill=off');
-- a column renamed keeps its NOT NULL; one the script dropped NOT NULL
-- from, or set NOT NULL itself, is judged by that
SELECT stmt, rule, object FROM lr($$
ALTER TABLE prompts RENAME COLUMN prompt TO body;
ALTER TABLE prompts ALTER COLUMN body SET NOT NULL;
ALTER TABLE prompts ALTER COLUMN body DROP NOT NULL;
ALTER TABLE prompts ALTER COLUMN body SET NOT NULL;
ALTER TABLE prompts ALTER COLUMN body SET NOT NULL;
ALTER TABLE prompts ADD COLUMN IF NOT EXISTS id int;
ALTER TABLE prompts ALTER COLUMN id SET NOT NULL;
$$);
-- a CHECK the script added proves the column NOT NULL only when the
-- server's weak implication does: CHECK (id > 0) passes on NULL
SELECT stmt, rule, object FROM lr($$
ALTER TABLE prompts ADD CONSTRAINT unrelated CHECK (length(prompt) > 0);
ALTER TABLE prompts ADD COLUMN j jsonb;
ALTER TABLE prompts ALTER COLUMN j SET NOT NULL;
ALTER TABLE prompts ADD CONSTRAINT id_positive CHECK (id > 0);
ALTER TABLE prompts ALTER COLUMN id SET NOT NULL;
$$, extra => 'constraint-missing-not-valid=off');
SELECT stmt, rule, object FROM lr($$
ALTER TABLE prompts ADD CONSTRAINT id_known CHECK (id IS NOT NULL AND id > 0) NOT VALID;
ALTER TABLE prompts VALIDATE CONSTRAINT id_known;
ALTER TABLE prompts ALTER COLUMN id SET NOT NULL;
$$);
-- the server agrees: DEBUG1 says when it scans and when it proves (the
-- guard's event triggers, whose DEBUG1 lines name oids, are disabled in
-- the transaction, which rolls back)
BEGIN;
ALTER EVENT TRIGGER schemashift_guard_start DISABLE;
ALTER EVENT TRIGGER schemashift_guard_end DISABLE;
ALTER TABLE prompts ADD CONSTRAINT id_positive CHECK (id > 0);
SET LOCAL client_min_messages = debug1;
ALTER TABLE prompts ALTER COLUMN id SET NOT NULL;
ROLLBACK;
BEGIN;
ALTER EVENT TRIGGER schemashift_guard_start DISABLE;
ALTER EVENT TRIGGER schemashift_guard_end DISABLE;
ALTER TABLE prompts ADD CONSTRAINT id_known CHECK (id IS NOT NULL AND id > 0);
SET LOCAL client_min_messages = debug1;
ALTER TABLE prompts ALTER COLUMN id SET NOT NULL;
ROLLBACK;

RESET search_path;
RESET timezone;
DROP SCHEMA rb CASCADE;
