--
-- Class: routes through schemashift's own procedures, found by a second,
-- fresh look (issue 15's "attack it again").  The recipe exemptions of
-- contract and abort, and the approvals apply() gives again in each step,
-- were bound to names; a name can be handed to another table between the
-- moment a recipe builds its statement and the moment it runs.  And abort
-- dropped the column its change would have added by name alone.
--
-- The concurrent session is played by dblink.  Each wait is for a
-- condition (a lock granted, a lock awaited), never for a length of time.
--
\set SHOW_CONTEXT never
SELECT security_reset();
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
-- wait (at most 60 s) until some other backend holds, or awaits, a lock on rel
CREATE FUNCTION wait_for_lock(rel regclass, want_granted boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..6000 LOOP
        PERFORM 1 FROM pg_locks
         WHERE relation = rel AND granted = want_granted AND pid <> pg_backend_pid();
        IF FOUND THEN RETURN true; END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN false;
END $$;
CREATE FUNCTION wait_for_advisory(key int) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..6000 LOOP
        PERFORM 1 FROM pg_locks
         WHERE locktype = 'advisory' AND objid = key AND NOT granted;
        IF FOUND THEN RETURN true; END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN false;
END $$;
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s',
    split_part(current_setting('unix_socket_directories'), ',', 1),
    current_setting('port'), current_database())) AS connected;

-- 1. abort drops only the column its change added, by number.  Change A
-- (a default with a subquery) is recorded, then fails at its "add column"
-- step and stays "expanding" with no column x.  Change B renames secret to
-- x the legitimate way (expand, contract).  abort(A) must not drop x, which
-- now holds victim's secrets.
SET ROLE regress_app;
CALL schemashift.expand_add_column('victim', 'x', 'text', '(SELECT pg_catalog.random()::text)');
\echo :LAST_ERROR_SQLSTATE
SELECT max(id) AS change_a FROM schemashift.changes \gset
SELECT kind, column_name, state FROM schemashift.changes WHERE id = :change_a;
CALL schemashift.expand_rename_column('victim', 'secret', 'x');
SELECT max(id) AS change_b FROM schemashift.changes \gset
CALL schemashift.contract(:change_b);
CALL schemashift.abort(:change_a);
SELECT count(x) AS x_filled FROM victim;
RESET ROLE;

-- 2. contract's exempt DROP COLUMN does not follow the change's table name
-- to another table.  While contract waits for its lock on the change's
-- table, another session (here a superuser with the guard off, standing in
-- for any way a name can move) puts victim under that name.  The DROP
-- COLUMN then names victim: it is not the recipe's statement, the guard
-- refuses it, and contract's transaction rolls back.
SELECT security_reset();
SET client_min_messages = warning;
CREATE SCHEMA attic AUTHORIZATION regress_app;
RESET client_min_messages;
SET ROLE regress_app;
CREATE TABLE appschema.victim (id int PRIMARY KEY, secret text);
INSERT INTO appschema.victim SELECT g, 'scratch' FROM generate_series(1, 10) g;
CALL schemashift.expand_rename_column('appschema.victim', 'secret', 's2');
SELECT max(id) AS change FROM schemashift.changes \gset
RESET ROLE;
SELECT dblink_send_query('other', format($q$
DO $d$ BEGIN
PERFORM pg_catalog.set_config('schemashift.mode', 'off', true);
LOCK TABLE appschema.victim IN ACCESS SHARE MODE;
PERFORM wait_for_lock('appschema.victim', false);
ALTER TABLE appschema.victim SET SCHEMA attic;
DROP TRIGGER zz_schemashift_%1$s_sync ON attic.victim;
ALTER TABLE public.victim SET SCHEMA appschema;
CREATE TRIGGER zz_schemashift_%1$s_sync BEFORE UPDATE ON appschema.victim
    FOR EACH ROW EXECUTE FUNCTION appschema.ss%1$s_sync_victim();
END $d$;
$q$, :change)) AS sent;
SELECT wait_for_lock('appschema.victim', true) AS other_session_holds_the_lock;
SET ROLE regress_app;
CALL schemashift.contract(:change);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM dblink_get_result('other') AS t(status text);
SELECT count(*) AS more FROM dblink_get_result('other') AS t(status text);
-- put the tables back where they were
SET schemashift.mode = off;
ALTER TABLE appschema.victim SET SCHEMA public;
RESET schemashift.mode;
SELECT * FROM security_victims();

-- 3. the same through abort, whose first statements (DROP TRIGGER IF
-- EXISTS) need no trigger on the victim: its exempt DROP COLUMN of the
-- change's new column does not follow the name either.
SELECT security_reset();
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP SCHEMA IF EXISTS attic CASCADE;
RESET schemashift.mode;
CREATE SCHEMA attic AUTHORIZATION regress_app;
RESET client_min_messages;
SET ROLE regress_app;
CREATE TABLE appschema.victim (id int PRIMARY KEY, x text);
INSERT INTO appschema.victim SELECT g, 'scratch' FROM generate_series(1, 10) g;
CALL schemashift.expand_rename_column('appschema.victim', 'x', 'secret');
SELECT max(id) AS change FROM schemashift.changes \gset
RESET ROLE;
SELECT dblink_send_query('other', format($q$
DO $d$ BEGIN
PERFORM pg_catalog.set_config('schemashift.mode', 'off', true);
LOCK TABLE appschema.victim IN ACCESS EXCLUSIVE MODE;
PERFORM wait_for_lock('appschema.victim', false);
ALTER TABLE appschema.victim SET SCHEMA attic;
DROP TRIGGER zz_schemashift_%1$s_sync ON attic.victim;
ALTER TABLE public.victim SET SCHEMA appschema;
END $d$;
$q$, :change)) AS sent;
SELECT wait_for_lock('appschema.victim', true) AS other_session_holds_the_lock;
SET ROLE regress_app;
CALL schemashift.abort(:change);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM dblink_get_result('other') AS t(status text);
SELECT count(*) AS more FROM dblink_get_result('other') AS t(status text);
SET schemashift.mode = off;
ALTER TABLE appschema.victim SET SCHEMA public;
RESET schemashift.mode;
SELECT * FROM security_victims();

-- 4. apply(..., approve => ...) gives its approvals again in each approved
-- step's own transaction, by name: an approval reviewed for the owner's
-- scratch table must not cover victim, put under that name while the step
-- before it runs.  The step is refused.
SELECT security_reset();
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP SCHEMA IF EXISTS attic CASCADE;
RESET schemashift.mode;
CREATE SCHEMA attic AUTHORIZATION regress_app;
RESET client_min_messages;
SET ROLE regress_app;
CREATE TABLE appschema.victim (id int PRIMARY KEY, secret text);
RESET ROLE;
SELECT dblink_send_query('other', $q$
DO $d$ BEGIN
PERFORM pg_catalog.set_config('schemashift.mode', 'off', true);
PERFORM pg_advisory_xact_lock(4242);
PERFORM wait_for_advisory(4242);
ALTER TABLE appschema.victim SET SCHEMA attic;
ALTER TABLE public.victim SET SCHEMA appschema;
END $d$;
$q$) AS sent;

DO $$ BEGIN
    FOR i IN 1..6000 LOOP
        PERFORM 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted;
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.01);
    END LOOP;
END $$;
CALL schemashift.apply($s$SELECT pg_catalog.pg_advisory_xact_lock(4242);
ALTER TABLE appschema.victim DROP COLUMN secret;$s$, 'fresh_eyes_approved',
    approve => ARRAY['ban-drop-column:appschema.victim.secret']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM dblink_get_result('other') AS t(status text);
SELECT count(*) AS more FROM dblink_get_result('other') AS t(status text);
SET schemashift.mode = off;
ALTER TABLE appschema.victim SET SCHEMA public;
RESET schemashift.mode;
SELECT * FROM security_victims();
SELECT step, recipe, status FROM schemashift.migration_steps
 WHERE migration_id = 'fresh_eyes_approved' ORDER BY step;

-- 5. the same with no second session: the approved step fails once (a view
-- of the owner's reads the column), the owner drops the view and hands the
-- name to victim, and the approver runs the same apply() again, as the
-- error advises.  The resumed step is refused.
SELECT security_reset();
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP SCHEMA IF EXISTS attic CASCADE;
RESET schemashift.mode;
CREATE SCHEMA attic AUTHORIZATION regress_app;
RESET client_min_messages;
SET ROLE regress_app;
CREATE TABLE appschema.victim (id int PRIMARY KEY, secret text);
CREATE VIEW appschema.victim_v AS SELECT secret FROM appschema.victim;
RESET ROLE;
CALL schemashift.apply('ALTER TABLE appschema.victim DROP COLUMN secret;', 'fresh_eyes_resumed',
    approve => ARRAY['ban-drop-column:appschema.victim.secret']);
\echo :LAST_ERROR_SQLSTATE
SET schemashift.mode = off;
DROP VIEW appschema.victim_v;
ALTER TABLE appschema.victim SET SCHEMA attic;
ALTER TABLE public.victim SET SCHEMA appschema;
RESET schemashift.mode;
CALL schemashift.apply('ALTER TABLE appschema.victim DROP COLUMN secret;', 'fresh_eyes_resumed',
    approve => ARRAY['ban-drop-column:appschema.victim.secret']);
\echo :LAST_ERROR_SQLSTATE
SET schemashift.mode = off;
ALTER TABLE appschema.victim SET SCHEMA public;
RESET schemashift.mode;
SELECT * FROM security_victims();

-- clean up for the files that follow
SELECT dblink_disconnect('other');
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP SCHEMA attic CASCADE;
DROP FUNCTION wait_for_lock(regclass, boolean), wait_for_advisory(int);
DROP EXTENSION dblink;
RESET schemashift.mode;
SELECT security_reset();
RESET client_min_messages;
