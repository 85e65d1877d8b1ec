--
-- Class: routes through schemashift's own procedures, "created by this
-- migration", and approvals (a second round of fresh eyes; every attack
-- here succeeded before its fix).  Attacks 5 and 7 use TRUNCATE, which only
-- the preloaded hook sees: they are in security_round2_hook.sql.
--
-- 1-4: a relation apply() recorded as the migration's own counted as new
-- without looking at what had been attached below it since (an existing
-- table, attached inside a DO block lint cannot see, or by hand between a
-- failed run and its resume).  6, 8, 9: an approval of a new table's object
-- let the statement act on the existing tables below it; now each of them
-- is a finding of the same rule that needs its own approval.
--
\set SHOW_CONTEXT never
SELECT security_reset();

-- 1. apply() with a DO block: step 1 creates a partitioned parent (recorded
-- as the migration's), step 2 attaches victim below it inside a DO block,
-- built at run time so that lint cannot read it, step 3 drops the parent's
-- column, which drops victim's.  Directly, the same three statements in
-- one transaction are refused (security_recursion).  Must hold: step 3
-- refused, victim keeps "secret".
SET ROLE regress_app;
CALL schemashift.apply($s$CREATE TABLE r2_newp (id int, n int, secret text) PARTITION BY RANGE (id);
DO $d$ BEGIN EXECUTE format('ALTER TABLE r2_newp ATTACH PARTITION %s FOR VALUES FROM (0) TO (100000)', 'victim'); END $d$;
ALTER TABLE r2_newp DROP COLUMN secret;$s$, 'round2_do_attach');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM security_victims();

-- 1b. The same with the ATTACH written in the DO block: lint reads the
-- block, so apply() refuses the migration before running any of it.
-- Must hold: refused, nothing created, victim keeps "secret".
SELECT security_reset();
SET ROLE regress_app;
CALL schemashift.apply($s$CREATE TABLE r2_newps (id int, n int, secret text) PARTITION BY RANGE (id);
DO $d$ BEGIN ALTER TABLE r2_newps ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000); END $d$;
ALTER TABLE r2_newps DROP COLUMN secret;$s$, 'round2_do_attach_static');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_catalog.to_regclass('public.r2_newps') IS NULL AS nothing_created,
       NOT EXISTS (SELECT FROM schemashift.migrations WHERE id = 'round2_do_attach_static') AS nothing_recorded;
SELECT * FROM security_victims();

-- 2. The same with no DO block: the migration fails at step 2 (a function of
-- the owner's raises until a flag is set), the owner attaches victim to the
-- migration's parent by hand (allowed: an ATTACH is not refused), sets the
-- flag and runs the same apply() again, as the error advises.  The resumed
-- run reloads created_relations and step 3 drops victim's column.  Must
-- hold: step 3 refused, victim keeps "secret".
SELECT security_reset();
SET ROLE regress_app;
CREATE TABLE public.r2_gate (ok boolean);
INSERT INTO public.r2_gate VALUES (false);
CREATE FUNCTION public.r2_failer() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (SELECT ok FROM public.r2_gate) THEN RAISE EXCEPTION 'not yet'; END IF;
    RETURN 1;
END $$;
CALL schemashift.apply($s$CREATE TABLE r2_newr (id int, n int, secret text) PARTITION BY RANGE (id);
SELECT public.r2_failer();
ALTER TABLE r2_newr DROP COLUMN secret;$s$, 'round2_resume');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE r2_newr ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
UPDATE public.r2_gate SET ok = true;
CALL schemashift.apply($s$CREATE TABLE r2_newr (id int, n int, secret text) PARTITION BY RANGE (id);
SELECT public.r2_failer();
ALTER TABLE r2_newr DROP COLUMN secret;$s$, 'round2_resume');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM security_victims();

-- 3. The inheritance route: victim INHERITs the migration's table (in a DO
-- block, built at run time), then RENAME COLUMN on the parent renames
-- victim's column (it is inherited now).  Must hold: refused, victim keeps
-- "secret".
SELECT security_reset();
SET ROLE regress_app;
CALL schemashift.apply($s$CREATE TABLE r2_newi (id int, n int, secret text);
DO $d$ BEGIN EXECUTE format('ALTER TABLE %s INHERIT r2_newi', 'victim'); END $d$;
ALTER TABLE r2_newi RENAME COLUMN secret TO s2;$s$, 'round2_inherit_rename');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM security_victims();

-- 4. The rest of the sweep through the migration's parent, each refused
-- when run on victim2 directly: SET NOT NULL (a full scan under ACCESS
-- EXCLUSIVE), a validated CHECK (the same, and a constraint added to
-- victim2), a plain CREATE INDEX (builds an index on victim2 blocking its
-- writers).  victim2 is attached in a DO block built at run time, which
-- lint cannot read.  Must hold: each refused; victim2 keeps n nullable, gains no
-- constraint and no index.  (A type change or a volatile default is still
-- caught by the table_rewrite event trigger, which looks at victim2.)
SELECT security_reset();
SET ROLE regress_app;
CALL schemashift.apply($s$CREATE TABLE r2_newq (id int, n int) PARTITION BY RANGE (id);
DO $d$ BEGIN EXECUTE format('ALTER TABLE r2_newq ATTACH PARTITION %s FOR VALUES FROM (0) TO (100000)', 'victim2'); END $d$;
ALTER TABLE r2_newq ALTER COLUMN n SET NOT NULL;
ALTER TABLE r2_newq ADD CONSTRAINT r2_big CHECK (n > 0);
CREATE INDEX r2_newq_n ON r2_newq (n);$s$, 'round2_sweep');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_catalog.count(*) AS victim2_indexes FROM pg_index WHERE indrelid = 'public.victim2'::regclass;
SELECT * FROM security_victims();

-- 6. Class: approvals.  An approval of the column of a table created in
-- this transaction covers the column of every partition the statement
-- reaches: the approver reviews "newp.secret" (the error names nothing
-- else), the owner has attached victim below newp, and the DROP COLUMN
-- drops victim's "secret"; the audit row names only public.r2_newa.  Docs:
-- "a statement on several tables needs each one approved".  Must hold:
-- refused (victim's column is not approved), victim keeps "secret".
SELECT security_reset();
GRANT regress_app TO regress_approver;
SET ROLE regress_approver;
BEGIN;
SET ROLE regress_app;
CREATE TABLE r2_newa (id int, n int, secret text) PARTITION BY RANGE (id);
ALTER TABLE r2_newa ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-column', 'r2_newa.secret', reason => 'a table created in this transaction');
SET ROLE regress_app;
ALTER TABLE r2_newa DROP COLUMN secret;
\echo :LAST_ERROR_SQLSTATE
COMMIT;
RESET ROLE;
REVOKE regress_app FROM regress_approver;
SELECT command_tag, objects FROM schemashift.ddl_log
 WHERE command_tag = 'ALTER TABLE' ORDER BY id DESC LIMIT 1;
SELECT * FROM security_victims();

-- 8. Class: approvals.  The same route for a rewrite: an approval of
-- changing-column-type on the new parent's column.  The finding about
-- r2_newc predicts a rewrite, which sets the frame's expect_rewrite
-- (guard_emit), and schemashift_guard_rewrite() then lets ANY relation the
-- statement rewrites through without looking at which (victim2 here, not
-- approved, not named in the audit row).  Must hold: refused, victim2.n
-- stays integer.
SELECT security_reset();
GRANT regress_app TO regress_approver;
SET ROLE regress_approver;
BEGIN;
SET ROLE regress_app;
CREATE TABLE r2_newc (id int, n int) PARTITION BY RANGE (id);
ALTER TABLE r2_newc ATTACH PARTITION victim2 FOR VALUES FROM (0) TO (100000);
SET ROLE regress_approver;
SELECT schemashift.approve('changing-column-type', 'r2_newc.n', reason => 'a table created in this transaction');
SET ROLE regress_app;
ALTER TABLE r2_newc ALTER COLUMN n TYPE bigint;
\echo :LAST_ERROR_SQLSTATE
COMMIT;
RESET ROLE;
REVOKE regress_app FROM regress_approver;
SELECT command_tag, objects FROM schemashift.ddl_log
 WHERE command_tag = 'ALTER TABLE' ORDER BY id DESC LIMIT 1;
SELECT * FROM security_victims();

-- 9. Class: approvals.  The inheritance form of attack 6: victim INHERITs
-- a table created in this transaction; an approval of renaming-column on
-- the new table's column renames victim's (inherited now) column too.  Must
-- hold: refused, victim keeps "secret".
SELECT security_reset();
GRANT regress_app TO regress_approver;
SET ROLE regress_approver;
BEGIN;
SET ROLE regress_app;
CREATE TABLE r2_newh (id int, n int, secret text);
ALTER TABLE victim INHERIT r2_newh;
SET ROLE regress_approver;
SELECT schemashift.approve('renaming-column', 'r2_newh.secret', reason => 'a table created in this transaction');
SET ROLE regress_app;
ALTER TABLE r2_newh RENAME COLUMN secret TO s2;
\echo :LAST_ERROR_SQLSTATE
COMMIT;
RESET ROLE;
REVOKE regress_app FROM regress_approver;
SELECT * FROM security_victims();

-- clean up for what follows
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP TABLE IF EXISTS r2_newp, r2_newr, r2_newi, r2_newq, r2_newt, r2_newa, r2_newc, r2_newh, r2_scratch, public.r2_gate CASCADE;
DROP FUNCTION IF EXISTS public.r2_failer();
RESET schemashift.mode;
SELECT security_reset();
RESET client_min_messages;
