--
-- Fresh eyes on what 0.3.0 added: contract()/abort() by name (A), code
-- lint() runs while it judges (B; in DO blocks: security_round3_blocks,
-- which runs next, uses the owner's traps made here and removes them),
-- with_lock_retries' arguments and statement (C), the ledger's history and
-- apply()'s expand_only and plan() (D), schemashift.progress (E).  Each
-- attack says what must hold; those that succeeded before their fix say
-- so.  No change or job id is printed: they depend on what ran before.
--
\set SHOW_CONTEXT never
SELECT security_reset();
SET client_min_messages = error;

-- the owner's traps: log the role they ran as, escalate if it can
SET ROLE regress_app;
CREATE TABLE public.r3_log (who text, what text);
GRANT INSERT ON public.r3_log TO PUBLIC;
CREATE FUNCTION public.r3_escalate(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.r3_log VALUES (current_user, what);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE regress_app SUPERUSER';
    END IF;
    RETURN true;
END $$;
-- declared IMMUTABLE (a lie the server cannot check): constant calls of it
-- are folded wherever an expression is simplified
CREATE FUNCTION public.r3_imm(what text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN public.r3_escalate(what); END $$;
CREATE TABLE appschema.r3_checked (id int PRIMARY KEY,
    n int CONSTRAINT r3_checked_n CHECK (n > 0 AND public.r3_imm('check constraint')));
INSERT INTO appschema.r3_checked SELECT g, g FROM generate_series(1, 2000) g;
ANALYZE appschema.r3_checked;
-- a cast to the owner's enum through an SQL function the planner inlines
CREATE TYPE appschema.r3_enum AS ENUM ('a');
CREATE FUNCTION appschema.r3_to_enum(int) RETURNS appschema.r3_enum
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN public.r3_imm('inlined cast') THEN 'a'::appschema.r3_enum END $$;
CREATE CAST (int AS appschema.r3_enum) WITH FUNCTION appschema.r3_to_enum(int) AS ASSIGNMENT;
CREATE DOMAIN appschema.r3_dom AS int CHECK (public.r3_escalate('domain check'));
CREATE VIEW appschema.r3_view AS SELECT id, n, public.r3_escalate('view column') AS e FROM appschema.r3_checked;
RESET ROLE;
DELETE FROM public.r3_log;
CREATE ROLE regress_r3_other;
GRANT USAGE ON SCHEMA appschema TO regress_r3_other;
RESET client_min_messages;

-- A. contract(tbl, col) and abort(tbl, col)

-- A1. A regclass that names no relation (a dropped table's OID, or any
-- number cast to regclass): the lookup's error message took the name of
-- no relation and crashed the server, for any role.  Must hold: an error.
SET ROLE regress_r3_other;
CALL schemashift.contract(4000000000::oid::regclass, 'n');
CALL schemashift.abort(4000000000::oid::regclass, 'n');
RESET ROLE;
SELECT 'the server is up' AS alive;

-- A2. Another role contracts or aborts regress_app's change, by name and
-- by id (the id is public in schemashift.changes).  A name with a dot and
-- quotes of both kinds in the table and the column.  Must hold: refused,
-- the change stays ready.
SET ROLE regress_app;
CREATE TABLE appschema."r3 t.""x'" (id int PRIMARY KEY, "c""d.e'" int);
INSERT INTO appschema."r3 t.""x'" SELECT g, g FROM generate_series(1, 50) g;
SET client_min_messages = warning;
CALL schemashift.expand_alter_column_type('appschema."r3 t.""x''"', 'c"d.e''', 'bigint') \gset r3_
RESET client_min_messages;
RESET ROLE;
SELECT target, column_name, state, next_call FROM schemashift.changes WHERE id = :r3_change;
SET ROLE regress_r3_other;
CALL schemashift.contract('appschema."r3 t.""x''"', 'c"d.e''');
CALL schemashift.abort('appschema."r3 t.""x''"', 'c"d.e''');
-- (the id's text is not printed: the error names the table only)
SET client_min_messages = error;
\set VERBOSITY terse
CALL schemashift.contract(:r3_change);
\echo :LAST_ERROR_SQLSTATE
CALL schemashift.abort(:r3_change);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
RESET client_min_messages;
RESET ROLE;
SELECT state FROM schemashift.changes WHERE id = :r3_change;

-- A3. A same-named table earlier on the caller's path (pg_temp comes
-- first for relations): the name form acts on what the name means to the
-- caller, which has no change; next_call names the schema, so running it
-- reaches the right table.  Must hold: "no change", the change stays ready.
CREATE TEMP TABLE "r3 t.""x'" (id int, "c""d.e'" int);
SET search_path = appschema, public;
-- (only the SQLSTATE: the error names the temporary schema, pg_temp_N)
\set VERBOSITY sqlstate
CALL schemashift.contract('"r3 t.""x''"', 'c"d.e''');
\set VERBOSITY default
RESET search_path;
SELECT state FROM schemashift.changes WHERE id = :r3_change;
DROP TABLE pg_temp."r3 t.""x'";

-- A4. next_call, run as written by the owner, contracts the change of the
-- oddly named table and column (quoting round-trips).  Must hold: done.
SET ROLE regress_app;
SET client_min_messages = warning;
SELECT next_call FROM schemashift.changes WHERE id = :r3_change \gexec
RESET client_min_messages;
RESET ROLE;
SELECT state, next_call FROM schemashift.changes WHERE id = :r3_change;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'appschema."r3 t.""x''"'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

-- A5. int -> bigint of a serial column: contract moves the sequence to
-- bigint and re-sets the old column's default on the new one, as
-- pg_get_expr() printed it (nextval unqualified: it is pg_catalog's).  A
-- third role plants public.nextval(regclass); a superuser whose
-- search_path lists pg_catalog after public contracts.  The default then
-- called the planted function, for every insert by anyone.  Must hold: the
-- default is pg_catalog.nextval, the planted function never runs.
GRANT CREATE ON SCHEMA public TO regress_r3_other;
SET ROLE regress_r3_other;
CREATE FUNCTION public.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.r3_log VALUES (current_user, 'planted nextval');
    RETURN pg_catalog.nextval($1);
END $$;
RESET ROLE;
SET ROLE regress_app;
CREATE TABLE appschema.r3_serial (id serial PRIMARY KEY, m int);
INSERT INTO appschema.r3_serial (m) SELECT g FROM generate_series(1, 30) g;
RESET ROLE;
SET search_path = public, pg_catalog;
SET client_min_messages = warning;
CALL schemashift.expand_alter_column_type('appschema.r3_serial', 'id', 'bigint') \gset r3_serial_
CALL schemashift.contract('appschema.r3_serial', 'id');
RESET client_min_messages;
RESET search_path;
-- (printed under the same path: a planted function would show unqualified)
SET search_path = public, pg_catalog;
SELECT pg_get_expr(adbin, adrelid) AS id_default FROM pg_attrdef
 WHERE adrelid = 'appschema.r3_serial'::regclass;
RESET search_path;
SELECT seqtypid::regtype FROM pg_sequence WHERE seqrelid = 'appschema.r3_serial_id_seq'::regclass;
SET ROLE regress_app;
INSERT INTO appschema.r3_serial (m) VALUES (31);
RESET ROLE;
SELECT who, what FROM public.r3_log ORDER BY 1, 2;
DROP FUNCTION public.nextval(regclass);
REVOKE CREATE ON SCHEMA public FROM regress_r3_other;

-- A6. A superuser takes the owner's serial column to bigint: the table has
-- a trigger and another column whose default calls the owner's function,
-- and a second table takes its ids from the same sequence.  Must hold: the
-- owner's code runs as regress_app only; the shared sequence becomes
-- bigint and both tables keep drawing from it.
SET ROLE regress_app;
CREATE TABLE appschema.r3_seq1 (id serial PRIMARY KEY,
    d int DEFAULT (public.r3_escalate('default'))::int, m int);
CREATE TABLE appschema.r3_seq2 (id int DEFAULT nextval('appschema.r3_seq1_id_seq'), note text);
CREATE FUNCTION appschema.r3_trig() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM public.r3_escalate('trigger ' || TG_OP); RETURN NEW; END $$;
CREATE TRIGGER r3_t BEFORE INSERT OR UPDATE ON appschema.r3_seq1
    FOR EACH ROW EXECUTE FUNCTION appschema.r3_trig();
INSERT INTO appschema.r3_seq1 (m) SELECT g FROM generate_series(1, 20) g;
INSERT INTO appschema.r3_seq2 (note) VALUES ('first');
RESET ROLE;
DELETE FROM public.r3_log;
SET client_min_messages = warning;
CALL schemashift.expand_alter_column_type('appschema.r3_seq1', 'id', 'bigint') \gset r3_seq1_
CALL schemashift.contract('appschema.r3_seq1', 'id');
RESET client_min_messages;
SELECT who, what, count(*) FROM public.r3_log GROUP BY 1, 2 ORDER BY 1, 2;
SELECT format_type(atttypid, atttypmod) AS id_type FROM pg_attribute
 WHERE attrelid = 'appschema.r3_seq1'::regclass AND attname = 'id';
SELECT seqtypid::regtype FROM pg_sequence WHERE seqrelid = 'appschema.r3_seq1_id_seq'::regclass;
SET ROLE regress_app;
INSERT INTO appschema.r3_seq2 (note) VALUES ('second');
INSERT INTO appschema.r3_seq1 (m) VALUES (21);
RESET ROLE;
SELECT count(DISTINCT id) AS ids, count(*) AS rows
  FROM (SELECT id FROM appschema.r3_seq1 UNION ALL SELECT id FROM appschema.r3_seq2) s;
SELECT who, what, count(*) FROM public.r3_log GROUP BY 1, 2 ORDER BY 1, 2;
DELETE FROM public.r3_log;
SELECT * FROM security_victims();

-- B. lint() parses and reads the catalog; it runs nobody's code

-- B1. A superuser lints SET NOT NULL on the owner's table: the NOT NULL
-- proof simplified the table's validated CHECK constraints, folding the
-- owner's IMMUTABLE function: it ran as superuser and made regress_app
-- superuser.  Must hold: r3_log stays empty.
SELECT statement, rule FROM schemashift.lint('ALTER TABLE appschema.r3_checked ALTER COLUMN n SET NOT NULL;',
    rules => 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT who, what FROM public.r3_log ORDER BY 1, 2;
SELECT * FROM security_victims();

-- B2. A type change to the owner's enum: deciding whether it rewrites
-- planned the coercion, which inlined the owner's SQL cast function and
-- folded the call in its body (as superuser).  Must hold: r3_log stays
-- empty; the change is judged as one that rewrites.
SELECT statement, rule FROM schemashift.lint('ALTER TABLE appschema.r3_checked ALTER COLUMN id TYPE appschema.r3_enum;',
    rules => 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT who, what FROM public.r3_log ORDER BY 1, 2;

-- B5. Parsing runs code too: the script's own CHECK, cooked to see whether
-- it proves the later SET NOT NULL, casts a literal to the owner's
-- composite type whose field is of the owner's domain: the literal's input
-- (record_in, domain_in) evaluated the domain's CHECK as superuser.  Must
-- hold: r3_log stays empty (the CHECK is not judged: SET NOT NULL is
-- reported as a scan, the safe answer).
SET ROLE regress_app;
CREATE TYPE appschema.r3_comp AS (a appschema.r3_dom);
RESET ROLE;
SELECT statement, rule FROM schemashift.lint($s$
ALTER TABLE appschema.r3_checked ADD CONSTRAINT r3_k
    CHECK (n IS NOT NULL AND '(5)'::appschema.r3_comp IS NOT NULL) NOT VALID;
ALTER TABLE appschema.r3_checked VALIDATE CONSTRAINT r3_k;
ALTER TABLE appschema.r3_checked ALTER COLUMN n SET NOT NULL;
$s$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT who, what FROM public.r3_log ORDER BY 1, 2;
-- the control: the same proof without the literal is made (no finding)
SELECT statement, rule FROM schemashift.lint($s$
ALTER TABLE appschema.r3_checked ADD CONSTRAINT r3_k CHECK (n IS NOT NULL) NOT VALID;
ALTER TABLE appschema.r3_checked VALIDATE CONSTRAINT r3_k;
ALTER TABLE appschema.r3_checked ALTER COLUMN n SET NOT NULL;
$s$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off');
-- C. with_lock_retries

-- C1. A huge interval overflowed the conversion to milliseconds and was
-- refused as "negative".  Must hold: it means as long as an int allows
-- (the statement succeeds at once, nothing sleeps).
CALL schemashift.with_lock_retries('SELECT 1', max_sleep => '100000000 years');
CALL schemashift.with_lock_retries('SELECT 1', max_sleep => '-1 ms');

-- C2. A statement the guard refuses, directly and hidden in a DO block:
-- with_lock_retries arms no exemption.  Must hold: refused, victim as is.
SET ROLE regress_app;
CALL schemashift.with_lock_retries('ALTER TABLE public.victim DROP COLUMN secret');
CALL schemashift.with_lock_retries('DO $$BEGIN ALTER TABLE public.victim DROP COLUMN secret; END$$');
RESET ROLE;
SELECT * FROM security_victims();

-- C3. A statement that always fails with a retryable error cannot make it
-- loop forever.  Must hold: it gives up after its attempts (40P01).
SET client_min_messages = warning;
CALL schemashift.with_lock_retries($q$DO $d$BEGIN RAISE SQLSTATE '40P01'; END $d$$q$,
    attempts => 3, min_sleep => '1 ms', max_sleep => '1 ms');
\echo :LAST_ERROR_SQLSTATE
RESET client_min_messages;

-- D. The ledger, apply(expand_only) and plan()

-- D1. regress_app applies a migration; another role tries to rewrite its
-- history, directly and through reset()/mark_reverted().  Must hold:
-- refused, the run stays done.
SET ROLE regress_app;
SET client_min_messages = warning;
CALL schemashift.apply('CREATE TABLE appschema.r3_made (id int);', 'r3_migration');
RESET client_min_messages;
RESET ROLE;
SET ROLE regress_r3_other;
UPDATE schemashift.migrations SET status = 'reverted' WHERE id = 'r3_migration';
DELETE FROM schemashift.migration_steps WHERE migration_id = 'r3_migration';
INSERT INTO schemashift.migration_history (id, run, checksum, status, steps, run_by)
    VALUES ('r3_migration', 0, 'x', 'done', 0, 'regress_app');
SELECT schemashift.mark_reverted('r3_migration', 'not mine');
SELECT schemashift.reset('r3_migration', 'not mine');
RESET ROLE;
SELECT status, run_by, run FROM schemashift.migrations WHERE id = 'r3_migration';

-- D2. Another role applies a type change of regress_app's table with
-- expand_type_changes and expand_only.  Must hold: refused (owner only),
-- nothing expanded.
SET ROLE regress_r3_other;
CALL schemashift.apply('ALTER TABLE appschema.r3_checked ALTER COLUMN id TYPE bigint;', 'r3_other_expand',
    expand_type_changes => true, expand_only => true);
RESET ROLE;
SELECT count(*) AS r3_checked_changes FROM schemashift.changes WHERE relid = 'appschema.r3_checked'::regclass;

-- D3. plan() for a role with no right on the table: refused and
-- way_through are built from the statement and the rules, never from the
-- table's rows.  Must hold: no row data (the secrets of victim) shown.
SET ROLE regress_r3_other;
SELECT step, recipe, refused, way_through LIKE '%secret %' AS shows_data
  FROM schemashift.plan('ALTER TABLE public.victim ADD CONSTRAINT r3_c CHECK (secret <> ''x''); ALTER TABLE public.victim DROP COLUMN secret;');
RESET ROLE;

-- E. schemashift.progress

-- E1. regress_app backfills a table keyed by e-mail addresses; another
-- role reads the job in schemashift.progress.  last_key (the key of the
-- last batch: row data) was shown to every role.  Must hold: hidden, as
-- the statement is.
SET ROLE regress_app;
CREATE TABLE appschema.r3_people (email text PRIMARY KEY, n int);
INSERT INTO appschema.r3_people SELECT 'person' || g || '@example.com', g FROM generate_series(1, 30) g;
SET client_min_messages = warning;
CALL schemashift.backfill('appschema.r3_people', 'n = n + 1', batch_size => 10);
RESET client_min_messages;
SELECT last_key, statement FROM schemashift.progress WHERE target = 'appschema.r3_people';
RESET ROLE;
SET ROLE regress_r3_other;
SELECT last_key, statement FROM schemashift.progress WHERE target = 'appschema.r3_people';
RESET ROLE;

-- E2. A role that ran a job is dropped: the view looked its name up and
-- failed for every role, so nobody (nor schemashift progress) could watch
-- any job.  Must hold: the view reads.
CREATE ROLE regress_r3_gone;
GRANT CREATE ON SCHEMA public TO regress_r3_gone;
SET ROLE regress_r3_gone;
CREATE TABLE public.r3_gone (id int PRIMARY KEY, n int);
INSERT INTO public.r3_gone SELECT g, g FROM generate_series(1, 5) g;
SET client_min_messages = warning;
CALL schemashift.backfill('public.r3_gone', 'n = n + 1');
RESET client_min_messages;
RESET ROLE;
SET schemashift.mode = off;
DROP TABLE public.r3_gone;
RESET schemashift.mode;
REVOKE CREATE ON SCHEMA public FROM regress_r3_gone;
DROP ROLE regress_r3_gone;
SET ROLE regress_r3_other;
SELECT target, last_key, statement FROM schemashift.progress
 WHERE target IN ('public.r3_gone', 'appschema.r3_people') OR target LIKE '%r3_gone%' ORDER BY 1;
RESET ROLE;

-- the owner's traps stay for security_round3_blocks, which runs next and
-- removes them
