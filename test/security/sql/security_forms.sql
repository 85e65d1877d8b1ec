--
-- Class: statement forms and relation-kind mismatches.  The keyword of a
-- statement does not restrict the kind of relation it acts on (ALTER INDEX
-- renames a table, ALTER VIEW renames a table's column), a type change
-- reaches typed tables, ALL IN TABLESPACE moves every table, and a column
-- constraint scans the table.  The rules must see what the server does.
-- Also the name tracking of lint(): IF NOT EXISTS and search_path.
--
SELECT security_reset();
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE regress_forms_ts LOCATION '';
RESET allow_in_place_tablespaces;
GRANT CREATE ON TABLESPACE regress_forms_ts TO regress_app;
SET ROLE regress_app;

-- Attack: ALTER INDEX renames a table.  Must hold: refused (renaming-table).
ALTER INDEX victim RENAME TO forms_x;
ALTER INDEX IF EXISTS victim RENAME TO forms_x;
SELECT * FROM security_victims();

-- Attack: ALTER VIEW, MATERIALIZED VIEW and FOREIGN TABLE rename a table's
-- column.  Must hold: all three refused (renaming-column).
ALTER VIEW victim RENAME COLUMN secret TO s2;
ALTER MATERIALIZED VIEW victim RENAME secret TO s2;
ALTER FOREIGN TABLE IF EXISTS victim RENAME COLUMN secret TO s2;
SELECT * FROM security_victims();

-- The keyword checks the server does make still hold: these fail on their
-- own, whatever the guard says.
ALTER VIEW victim RENAME TO forms_x;
ALTER SEQUENCE victim RENAME TO forms_x;
ALTER SEQUENCE victim RESTART;

-- Attack: a composite type's attribute renamed with CASCADE renames the
-- column of its typed tables; the type made here, the typed table made
-- earlier.  Must hold: refused in both cases.
BEGIN;
CREATE TYPE forms_comp AS (id integer, n integer, secret text);
ALTER TABLE victim OF forms_comp;
ALTER TYPE forms_comp RENAME ATTRIBUTE secret TO s2 CASCADE;
COMMIT;
RESET ROLE;
SET schemashift.mode = off;
CREATE TYPE forms_comp2 AS (id integer, n integer, secret text);
ALTER TYPE forms_comp2 OWNER TO regress_app;
ALTER TABLE victim OF forms_comp2;
RESET schemashift.mode;
SET ROLE regress_app;
ALTER TYPE forms_comp2 RENAME ATTRIBUTE secret TO s2 CASCADE;
ALTER TYPE forms_comp2 DROP ATTRIBUTE secret CASCADE;
ALTER TYPE forms_comp2 ALTER ATTRIBUTE n TYPE bigint CASCADE;
SELECT * FROM security_victims();

-- Attack: ALTER ... ALL IN TABLESPACE moves (rewrites) every table and
-- index of the role under ACCESS EXCLUSIVE.  Must hold: refused, victims
-- stay in the default tablespace.
ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY regress_app SET TABLESPACE regress_forms_ts;
ALTER INDEX ALL IN TABLESPACE pg_default OWNED BY regress_app SET TABLESPACE regress_forms_ts;
SELECT relname, reltablespace FROM pg_class
 WHERE relname IN ('victim', 'victim2', 'victim_pkey', 'victim2_pkey') ORDER BY 1;

-- Attack: a column added with a CHECK scans the table under ACCESS
-- EXCLUSIVE (a column constraint cannot be NOT VALID).  Must hold: refused.
ALTER TABLE victim ADD COLUMN c1 integer CHECK (c1 > 0);
ALTER TABLE victim ADD COLUMN c1 integer DEFAULT 1 CONSTRAINT forms_ck CHECK (c1 > 0);
SELECT * FROM security_victims();

-- Legitimate: the same forms on relations of the right kind, or new ones.
BEGIN;
CREATE TABLE forms_new (id bigint, v text);
ALTER INDEX IF EXISTS forms_new RENAME TO forms_new2;
ALTER VIEW forms_new2 RENAME COLUMN v TO w;
ALTER TABLE forms_new2 ADD COLUMN c2 bigint CHECK (c2 > 0);
CREATE VIEW forms_view AS SELECT id FROM victim;
ALTER VIEW forms_view RENAME COLUMN id TO ident;
ROLLBACK;
RESET ROLE;
SET schemashift.mode = off;
CREATE VIEW forms_view AS SELECT id FROM victim;
CREATE INDEX forms_idx ON victim2 (n);
RESET schemashift.mode;
ALTER VIEW forms_view RENAME COLUMN id TO ident;
ALTER INDEX forms_idx RENAME TO forms_idx2;
ALTER TABLE forms_idx2 RENAME TO forms_idx3;
SET schemashift.mode = off;
DROP VIEW forms_view;
DROP INDEX forms_idx3;
RESET schemashift.mode;

-- lint() sees the same forms.
SELECT statement, rule, object FROM schemashift.lint($$
ALTER INDEX victim RENAME TO forms_x;
ALTER VIEW victim RENAME COLUMN secret TO s2;
ALTER MATERIALIZED VIEW victim RENAME COLUMN secret TO s2;
ALTER FOREIGN TABLE victim RENAME COLUMN secret TO s2;
ALTER TYPE forms_comp2 RENAME ATTRIBUTE secret TO s2 CASCADE;
ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY regress_app SET TABLESPACE regress_forms_ts;
ALTER TABLE victim ADD COLUMN c1 integer CHECK (c1 > 0);
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off, prefer-bigint-over-int=off');

-- Name tracking, x2: CREATE TABLE IF NOT EXISTS of an existing table
-- creates nothing, so the table dropped next is the existing one.  The
-- guard refuses the DROP; lint() must report it too.
SET ROLE regress_app;
CREATE TABLE IF NOT EXISTS victim (id integer);
DROP TABLE victim;
RESET ROLE;
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE IF NOT EXISTS victim (id bigint);
DROP TABLE victim;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
-- and a CREATE TABLE that would fail (the table exists) creates nothing
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE victim (id bigint);
TRUNCATE victim;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');

-- Name tracking, x3: a table created in another schema is not the one an
-- unqualified name finds first.  Must hold: guard and lint() both report.
SET ROLE regress_app;
BEGIN;
CREATE TABLE appschema.victim (id bigint);
ALTER TABLE victim DROP COLUMN secret;
COMMIT;
RESET ROLE;
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE appschema.victim (id bigint);
ALTER TABLE victim DROP COLUMN secret;
ALTER TABLE public.victim DROP COLUMN secret;
ALTER TABLE appschema.victim DROP COLUMN id;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
-- with appschema first in search_path, the unqualified name is the new
-- table, there and in lint(): nothing to report
SET search_path = appschema, public;
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE appschema.victim (id bigint, v text);
ALTER TABLE victim DROP COLUMN v;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
-- an unqualified CREATE goes to the first schema of search_path
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE victim (id bigint, v text);
ALTER TABLE victim DROP COLUMN v;
ALTER TABLE public.victim DROP COLUMN secret;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
-- the script's own SET search_path decides, not the session's: here the
-- unqualified DROP is public.victim's; after set_config() lint() cannot
-- follow the path and trusts no relation of the script over the catalog's;
-- a relation the script dropped no longer hides the next schema's
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE appschema.victim (id bigint);
SET search_path = public;
DROP TABLE victim;
SET search_path = appschema, public;
ALTER TABLE victim ADD COLUMN c bigint;
SELECT set_config('search_path', 'public', false);
ALTER TABLE victim DROP COLUMN secret;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE appschema.victim (id bigint);
DROP TABLE appschema.victim;
DROP TABLE victim;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
-- DROP VIEW of a table fails, IF EXISTS or not: the table stays (a tool
-- that goes on after an error would otherwise truncate a table lint() took
-- for gone)
SET schemashift.mode = off;
CREATE TABLE appschema.forms_t (id bigint);
RESET schemashift.mode;
SELECT statement, rule, object FROM schemashift.lint($$
DROP VIEW IF EXISTS appschema.forms_t;
CREATE TABLE public.forms_t (id bigint);
TRUNCATE forms_t;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
SET schemashift.mode = off;
DROP TABLE appschema.forms_t;
RESET schemashift.mode;
RESET search_path;
-- a temporary table hides the permanent one of the same name
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TEMP TABLE victim (id bigint, v text);
DROP TABLE victim;
DROP TABLE victim;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
-- dropped and created again by the script: the new one is new
SELECT statement, rule, object FROM schemashift.lint($$
DROP TABLE victim2;
CREATE TABLE victim2 (id bigint, v text);
ALTER TABLE victim2 DROP COLUMN v;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');

-- The same scripts through apply(), which lints them first (issue 15's x2
-- and x3).  Must hold: refused, victims unchanged.
SET ROLE regress_app;
\set VERBOSITY terse
CALL schemashift.apply('CREATE TABLE IF NOT EXISTS victim (id bigint); DROP TABLE victim;', 'forms_x2');
CALL schemashift.apply('CREATE TABLE appschema.victim (id bigint); ALTER TABLE victim DROP COLUMN secret;', 'forms_x3');
\set VERBOSITY default
RESET ROLE;
SELECT * FROM security_victims();

-- Recursion in lint(): a script that makes an existing table a child of a
-- table it created cannot treat that parent as new (ONLY can).
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE rec_p (LIKE victim);
ALTER TABLE victim INHERIT rec_p;
TRUNCATE rec_p;
ALTER TABLE rec_p DROP COLUMN secret;
ALTER TABLE ONLY rec_p DROP COLUMN secret;
CREATE TABLE rec_q (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_q ATTACH PARTITION victim2 FOR VALUES FROM (0) TO (10);
CREATE INDEX rec_q_n ON rec_q (n);
CREATE TABLE rec_r (LIKE victim) PARTITION BY RANGE (id);
CREATE INDEX rec_r_n ON rec_r (n);
ALTER TABLE rec_r ATTACH PARTITION victim FOR VALUES FROM (0) TO (10);
CREATE TYPE rec_t AS (id integer, n integer, secret text);
ALTER TYPE rec_t RENAME ATTRIBUTE secret TO s2 CASCADE;
ALTER TABLE victim OF rec_t;
ALTER TYPE rec_t RENAME ATTRIBUTE secret TO s2 CASCADE;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
-- DROP OWNED and REASSIGN OWNED in a script
SELECT statement, rule, object FROM schemashift.lint($$
DROP OWNED BY regress_app;
REASSIGN OWNED BY regress_app TO regress_approver;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT * FROM security_victims();

ALTER TABLE victim NOT OF;
SET schemashift.mode = off;
DROP TYPE forms_comp2;
DROP TABLESPACE regress_forms_ts;
RESET schemashift.mode;
