--
-- Class: statement forms and relation-kind mismatches, continued.  Forms
-- that do what an error-level rule forbids without its keywords: SET
-- SCHEMA and ALTER SCHEMA ... RENAME take a table away from the name the
-- application uses (renaming-table); ALTER COLUMN ... TYPE to the same
-- type with another collation leaves the rows alone but rebuilds the
-- column's indexes under ACCESS EXCLUSIVE (changing-column-type); ALTER
-- DOMAIN ... SET NOT NULL scans every column of the domain in every table
-- (ban-alter-domain-with-add-constraint).
--
SELECT security_reset();
SET schemashift.mode = off;
CREATE TABLE appschema.forms2_t (id bigint);
ALTER TABLE appschema.forms2_t OWNER TO regress_app;
CREATE SCHEMA forms2_s AUTHORIZATION regress_app;
CREATE INDEX forms2_secret ON victim (secret);
CREATE INDEX forms2_expr ON victim2 ((n + 1));
RESET schemashift.mode;
SET ROLE regress_app;

-- Attack: SET SCHEMA moves public.victim out of the application's reach,
-- as RENAME TO does.  Must hold: refused (renaming-table), victim stays.
ALTER TABLE victim SET SCHEMA appschema;
ALTER TABLE IF EXISTS public.victim SET SCHEMA forms2_s;
SELECT * FROM security_victims();

-- Attack: the other keywords on a table (the server refuses them for a
-- table itself, after the guard).  Must hold: refused, victim stays.
ALTER VIEW victim SET SCHEMA appschema;
ALTER MATERIALIZED VIEW victim SET SCHEMA appschema;
ALTER FOREIGN TABLE IF EXISTS victim SET SCHEMA appschema;
ALTER SEQUENCE victim SET SCHEMA appschema;
SELECT * FROM security_victims();

-- Attack: renaming the schema renames every table in it.  Must hold:
-- refused for the schema's owner once it may (CREATE on the database),
-- and reported to a superuser in warn mode; appschema.forms2_t stays.
RESET ROLE;
SELECT format('GRANT CREATE ON DATABASE %I TO regress_app', current_database()) \gexec
SET ROLE regress_app;
ALTER SCHEMA appschema RENAME TO forms2_x;
RESET ROLE;
SET schemashift.mode = warn;
BEGIN;
ALTER SCHEMA appschema RENAME TO forms2_x;
ROLLBACK;
RESET schemashift.mode;
SELECT to_regclass('appschema.forms2_t') IS NOT NULL AS forms2_t_in_appschema;

-- Attack: a decoy made in this transaction and moved away leaves the
-- unqualified name to the existing table.  Must hold: the DROP is refused.
SET ROLE regress_app;
BEGIN;
SET LOCAL search_path = appschema, public;
CREATE TABLE appschema.victim (id bigint);
ALTER TABLE appschema.victim SET SCHEMA forms2_s;
DROP TABLE victim;
ROLLBACK;
SELECT * FROM security_victims();

-- Attack: the same type with another collation: no rewrite, but every
-- index on the column is built again under ACCESS EXCLUSIVE; an index on
-- an expression of the column is built again by any type change.  Must
-- hold: refused (changing-column-type), the indexes keep their files.
SELECT pg_relation_filenode('forms2_secret') AS secret_node,
       pg_relation_filenode('forms2_expr') AS expr_node \gset
ALTER TABLE victim ALTER COLUMN secret TYPE text COLLATE "C";
ALTER TABLE victim ALTER COLUMN secret SET DATA TYPE text COLLATE "POSIX";
ALTER TABLE victim2 ALTER COLUMN n TYPE integer;
SELECT pg_relation_filenode('forms2_secret') = :secret_node AS secret_index_kept,
       pg_relation_filenode('forms2_expr') = :expr_node AS expr_index_kept;
SELECT * FROM security_victims();

-- Attack: ALTER DOMAIN ... SET NOT NULL scans every column of the domain,
-- and of domains over it, under a SHARE lock.  Must hold: refused (the
-- rule of ALTER DOMAIN ... ADD CONSTRAINT), the domains stay nullable.
RESET ROLE;
SET schemashift.mode = off;
CREATE DOMAIN forms2_d AS text;
CREATE DOMAIN forms2_base AS text;
CREATE DOMAIN forms2_sub AS forms2_base;
CREATE TABLE appschema.forms2_dt (id bigint, d forms2_d, s forms2_sub);
INSERT INTO appschema.forms2_dt VALUES (1, 'a', 'b');
ALTER DOMAIN forms2_d OWNER TO regress_app;
ALTER DOMAIN forms2_base OWNER TO regress_app;
ALTER DOMAIN forms2_sub OWNER TO regress_app;
ALTER TABLE appschema.forms2_dt OWNER TO regress_app;
RESET schemashift.mode;
SET ROLE regress_app;
ALTER DOMAIN forms2_d SET NOT NULL;
ALTER DOMAIN forms2_base SET NOT NULL;
SELECT typname, typnotnull FROM pg_type
 WHERE typname IN ('forms2_d', 'forms2_base', 'forms2_sub') ORDER BY 1;
-- a domain made in this transaction, given to an existing table first: the
-- guard sees the column in the catalog (lint() of the same script knows no
-- such domain, and takes it for unused).  Must hold: refused.
BEGIN;
CREATE DOMAIN forms2_late AS text;
ALTER TABLE victim ADD COLUMN late forms2_late DEFAULT 'x';
ALTER DOMAIN forms2_late SET NOT NULL;
ROLLBACK;
SELECT * FROM security_victims();

-- Legitimate: what reaches no existing table passes.  A table made in the
-- transaction moved and its schema renamed; a view moved; the same type
-- and collation (the plain index is kept); a domain no existing column
-- uses, or only a new table's; a domain that is NOT NULL already.
BEGIN;
CREATE TABLE forms2_new (id bigint);
ALTER TABLE forms2_new SET SCHEMA appschema;
CREATE SCHEMA forms2_news;
CREATE TABLE forms2_news.t (id bigint);
ALTER SCHEMA forms2_news RENAME TO forms2_news2;
CREATE VIEW forms2_view AS SELECT id FROM victim;
ALTER TABLE forms2_view SET SCHEMA appschema;
ALTER VIEW appschema.forms2_view SET SCHEMA forms2_s;
ALTER TABLE victim ALTER COLUMN secret TYPE text;
SELECT pg_relation_filenode('forms2_secret') = :secret_node AS secret_index_kept;
CREATE DOMAIN forms2_free AS text;
ALTER DOMAIN forms2_free SET NOT NULL;
CREATE DOMAIN forms2_fresh AS text;
CREATE TABLE forms2_fresh_t (v forms2_fresh);
ALTER DOMAIN forms2_fresh SET NOT NULL;
ROLLBACK;
RESET ROLE;
SET schemashift.mode = off;
CREATE DOMAIN forms2_nn AS text NOT NULL;
CREATE TABLE appschema.forms2_nt (v forms2_nn);
ALTER DOMAIN forms2_nn OWNER TO regress_app;
RESET schemashift.mode;
SET ROLE regress_app;
ALTER DOMAIN forms2_nn SET NOT NULL;
RESET ROLE;

-- lint() sees the same forms (and no more: the same collation, a domain
-- that is NOT NULL already).
SELECT statement, rule, object, message FROM schemashift.lint($$
ALTER TABLE victim ALTER COLUMN secret TYPE text COLLATE "C";
ALTER TABLE victim2 ALTER COLUMN n TYPE integer;
ALTER TABLE victim ALTER COLUMN secret TYPE text;
ALTER DOMAIN forms2_base SET NOT NULL;
ALTER DOMAIN forms2_nn SET NOT NULL;
ALTER SCHEMA appschema RENAME TO forms2_x;
ALTER VIEW victim SET SCHEMA appschema;
ALTER TABLE victim SET SCHEMA appschema;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off, prefer-bigint-over-int=off');

-- lint() follows SET SCHEMA: a decoy the script made and moved away no
-- longer hides public.victim (x3 with a move), and a parent the script
-- made is still judged by what sits below it after its move.  Must hold:
-- the DROP and the TRUNCATE reported; the moved new table is still new
-- (its ADD COLUMN ... NOT NULL is not).
SELECT statement, rule, object FROM schemashift.lint($$
SET search_path = appschema, public;
CREATE TABLE appschema.victim (id bigint);
ALTER TABLE appschema.victim SET SCHEMA forms2_s;
DROP TABLE victim;
ALTER TABLE forms2_s.victim ADD COLUMN c bigint NOT NULL;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT statement, rule, object FROM schemashift.lint($$
CREATE TABLE forms2_p (id integer, n integer, secret text);
CREATE TABLE forms2_c () INHERITS (forms2_p);
ALTER TABLE forms2_p SET SCHEMA appschema;
ALTER TABLE victim INHERIT forms2_c;
TRUNCATE appschema.forms2_p;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off, prefer-bigint-over-int=off');
-- a schema rename: names the script made there no longer hide the catalog's
SELECT statement, rule, object FROM schemashift.lint($$
SET search_path = forms2_s, public;
CREATE TABLE forms2_s.victim (id bigint);
ALTER SCHEMA forms2_s RENAME TO forms2_gone;
DROP TABLE victim;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');

-- the same through apply(), which lints first.  Must hold: refused.
SET ROLE regress_app;
\set VERBOSITY terse
CALL schemashift.apply('SET search_path = appschema, public; CREATE TABLE appschema.victim (id bigint); ALTER TABLE appschema.victim SET SCHEMA forms2_s; DROP TABLE victim;', 'forms2_move');
RESET search_path;
\set VERBOSITY default
RESET ROLE;
SELECT * FROM security_victims();

SELECT format('REVOKE CREATE ON DATABASE %I FROM regress_app', current_database()) \gexec
SET schemashift.mode = off;
DROP TABLE appschema.forms2_dt, appschema.forms2_nt;
DROP DOMAIN forms2_d, forms2_sub, forms2_base, forms2_nn;
DROP SCHEMA forms2_s CASCADE;
RESET schemashift.mode;
SELECT security_reset();
