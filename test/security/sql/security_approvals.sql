--
-- Attack class: approvals.  An approval names one rule and one object; it
-- must let through exactly that object's finding and nothing else: not the
-- other tables of a multi-object statement, not a table whose name the
-- approved name starts, not a same-named column of another table, not a
-- table that took the approved name after the approval.  Audit rows name
-- every object an approval let through.  (TRUNCATE, which only the
-- ProcessUtility hook sees: security_approvals_hook.)
--
SELECT security_reset();
SET client_min_messages = warning;
-- a table in regress_app's own schema, and one whose name differs in case
SET schemashift.mode = off;
CREATE TABLE appschema.victim (id int, n int);
INSERT INTO appschema.victim SELECT g, g FROM generate_series(1, 10) g;
ALTER TABLE appschema.victim OWNER TO regress_app;
CREATE TABLE public."Victim" (id int);
ALTER TABLE public."Victim" OWNER TO regress_app;
RESET schemashift.mode;
RESET client_min_messages;
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset

-- 1. One approval, two tables: approving victim2 must not let
-- DROP TABLE victim2, victim drop victim (nor victim2): the statement fails.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'victim2', reason => 'retire victim2');
SET ROLE regress_app;
DROP TABLE victim2, victim;
\echo :SQLSTATE
COMMIT;
RESET ROLE;

-- 2. The same with the approved table named second.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'victim2', reason => 'retire victim2');
SET ROLE regress_app;
DROP TABLE victim, victim2;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT * FROM security_victims();

-- 3. A name prefix is not an approval: approving 'appschema' (a schema, no
-- table of that name) must not let DROP TABLE appschema.victim through.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'appschema', reason => 'prefix');
SET ROLE regress_app;
DROP TABLE appschema.victim;
\echo :SQLSTATE
COMMIT;
RESET ROLE;

-- 4. Schema versus table: approving DROP SCHEMA appschema must not approve
-- the table it drops by cascade.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-schema', 'appschema', reason => 'schema only');
SET ROLE regress_app;
DROP SCHEMA appschema CASCADE;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT count(*) AS appschema_victim_rows FROM appschema.victim;

-- 5. Nor may a table approval reach a table of the same name in another
-- schema: 'victim' is public.victim here, not appschema.victim.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'victim', reason => 'public.victim only');
SET ROLE regress_app;
DROP TABLE appschema.victim;
\echo :SQLSTATE
COMMIT;
RESET ROLE;

-- 6. Quoted names: approving "Victim" must not approve victim, and 'VICTIM'
-- (folded to victim, like SQL) must not approve "Victim".
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', '"Victim"', reason => 'the capitalised one');
SET ROLE regress_app;
DROP TABLE victim;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'VICTIM', reason => 'folded');
SET ROLE regress_app;
DROP TABLE "Victim";
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT * FROM security_victims();

-- 7. Column approvals: victim2.n does not cover victim.n, nor another
-- column of victim2; a table approval for victim2 does not cover victim.n;
-- an unqualified column name is no approval at all.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-column', 'victim2.n', reason => 'victim2.n only');
SET ROLE regress_app;
ALTER TABLE victim DROP COLUMN n;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-column', 'victim2.n', reason => 'victim2.n only');
SET ROLE regress_app;
ALTER TABLE victim2 DROP COLUMN id CASCADE;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-column', 'victim2', reason => 'columns of victim2');
SET ROLE regress_app;
ALTER TABLE victim DROP COLUMN secret;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-column', 'secret', reason => 'a bare column name');
SET ROLE regress_app;
ALTER TABLE victim DROP COLUMN secret;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT * FROM security_victims();

-- 8. An approval names the table that had the name when it was given:
-- after victim2 is dropped (approved) and victim renamed to victim2
-- (approved), dropping the new victim2 is not approved.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'victim2', reason => 'retire victim2');
SELECT schemashift.approve('renaming-table', 'victim', reason => 'take over the name');
SET ROLE regress_app;
DROP TABLE victim2;
ALTER TABLE victim RENAME TO victim2;
DROP TABLE victim2;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT * FROM security_victims();

-- 8b. Other multi-object statements: one approval per object.  DROP INDEX
-- of two indexes with an approval for one; DROP SCHEMA of two schemas with
-- an approval for one; an object text that lists two tables approves none.
SET client_min_messages = warning;
SET schemashift.mode = off;
CREATE INDEX victim_n ON public.victim (n);
CREATE INDEX victim2_n ON public.victim2 (n);
CREATE SCHEMA appschema2 AUTHORIZATION regress_app;
RESET schemashift.mode;
RESET client_min_messages;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('require-concurrent-index-deletion', 'victim2_n', reason => 'one index');
SET ROLE regress_app;
DROP INDEX victim2_n, victim_n;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-schema', 'appschema2', reason => 'the empty one');
SET ROLE regress_app;
DROP SCHEMA appschema2, appschema CASCADE;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'victim2, victim', reason => 'a list is no name');
SET ROLE regress_app;
DROP TABLE victim2, victim;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT count(*) AS indexes FROM pg_class WHERE relname IN ('victim_n', 'victim2_n');
SELECT count(*) AS appschema_victim_rows FROM appschema.victim;

-- 8c. A column dropped by cascade (DROP TYPE ... CASCADE) is matched by its
-- table's OID: a table approval for victim2 does not cover victim's column.
SET client_min_messages = warning;
SET schemashift.mode = off;
CREATE TYPE public.mood AS ENUM ('ok', 'bad');
ALTER TYPE public.mood OWNER TO regress_app;
ALTER TABLE public.victim ADD COLUMN mood public.mood;
RESET schemashift.mode;
RESET client_min_messages;
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-column', 'victim2', reason => 'columns of victim2');
SET ROLE regress_app;
DROP TYPE public.mood CASCADE;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT count(*) AS mood_columns FROM pg_attribute
 WHERE attrelid = 'public.victim'::regclass AND attname = 'mood' AND NOT attisdropped;
-- ... while an approval of victim's own column does
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-column', 'victim.mood', reason => 'the enum goes');
SET ROLE regress_app;
DROP TYPE public.mood CASCADE;
COMMIT;
RESET ROLE;
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP INDEX public.victim_n, public.victim2_n;
DROP SCHEMA appschema2;
RESET schemashift.mode;
RESET client_min_messages;
SELECT * FROM security_victims();

-- 9. apply() with approve => array[...]: the same matcher plans the
-- migration; victim2's approval does not carry DROP TABLE victim2, victim,
-- nor does 'appschema' carry DROP TABLE appschema.victim.
CALL schemashift.apply('DROP TABLE victim2, victim;', 'sec-approvals-1',
                       approve => array['ban-drop-table:victim2']);
\echo :SQLSTATE
CALL schemashift.apply('DROP TABLE appschema.victim;', 'sec-approvals-2',
                       approve => array['ban-drop-table:appschema']);
\echo :SQLSTATE
-- an approval in the script itself is no wider
CALL schemashift.apply($s$SELECT schemashift.approve('ban-drop-table', 'victim2', reason => 'in the script');
DROP TABLE victim2, victim;$s$, 'sec-approvals-3');
\echo :SQLSTATE
-- the approvals of apply() name the relations as they are when apply()
-- is called: a script that renames victim into victim2's name cannot drop
-- it under victim2's approval
CALL schemashift.apply($s$DROP TABLE victim2;
ALTER TABLE victim RENAME TO victim2;
DROP TABLE victim2;$s$, 'sec-approvals-5',
                       approve => array['ban-drop-table:victim2', 'renaming-table:victim']);
\echo :SQLSTATE
SELECT * FROM security_victims();
SELECT count(*) AS appschema_victim_rows FROM appschema.victim;

-- 10. What must still work: approving both tables lets the statement run,
-- and its audit row names both, each with its approval.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-drop-table', 'victim2', reason => 'retire victim2');
SELECT schemashift.approve('ban-drop-table', 'public.victim', reason => 'retire victim');
SET ROLE regress_app;
DROP TABLE victim2, victim;
COMMIT;
RESET ROLE;
SELECT command_tag, objects,
       (SELECT jsonb_agg(f - 'message' ORDER BY f->>'object') FROM jsonb_array_elements(findings) f) AS findings,
       (SELECT jsonb_agg(a ORDER BY a->>'object') FROM jsonb_array_elements(approvals) a) AS approvals
  FROM schemashift.ddl_log
 WHERE id > :log_mark AND command_tag = 'DROP TABLE';
-- and through apply(): one approval per table
SELECT security_reset();
CALL schemashift.apply('DROP TABLE victim2, victim;', 'sec-approvals-4',
                       approve => array['ban-drop-table:victim2', 'ban-drop-table:victim']);
SELECT * FROM security_victims();

SELECT security_reset();
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP TABLE IF EXISTS appschema.victim, public."Victim";
RESET schemashift.mode;
RESET client_min_messages;
SELECT * FROM security_victims();
