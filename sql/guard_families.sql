-- Issue 17 item 15: every rule has a family; the guard reports by default
-- the families that matter while DDL runs (lock, rewrite, data loss,
-- compatibility, correctness), style rules only when schemashift.rules
-- names them, and never on a temporary table.
SELECT family, count(*) AS rules, string_agg(id, ', ' ORDER BY id) AS ids
  FROM schemashift.rules() GROUP BY family ORDER BY family;
-- family is the last column
SELECT pg_get_function_result('schemashift.rules()'::regprocedure) LIKE '%, family text)' AS family_last;

CREATE TABLE gf_orders (id bigint PRIMARY KEY, code text);
SET schemashift.mode = warn;
-- style rules on a new table: not the guard's business
CREATE TABLE gf_new (id int, v varchar(10), at timestamp, j json);
ALTER TABLE gf_orders ADD COLUMN qty int;
-- lint still reports them (CI's business)
SELECT stmt, rule FROM lr('CREATE TABLE gf_new2 (id int, v varchar(10))') ORDER BY rule;
-- lock, rewrite, data loss and compatibility rules are reported as before
ALTER TABLE gf_orders ALTER COLUMN qty TYPE numeric;
ALTER TABLE gf_orders RENAME COLUMN code TO label;
-- a superuser names a style rule in schemashift.rules: the guard reports it
SET schemashift.rules = 'prefer-bigint-over-int=warning';
CREATE TABLE gf_named (id int, v varchar(10));
-- but never on a temporary table, named or not
CREATE TEMP TABLE gf_temp (id int, v varchar(10));
ALTER TABLE gf_temp ADD COLUMN n int;
RESET schemashift.rules;
CREATE TEMP TABLE gf_temp2 (id int, j json);
-- nor does lint, for a temporary table the script creates or one that exists
SELECT stmt, rule FROM lr('CREATE TEMP TABLE gf_t3 (id int, v varchar(10)); ALTER TABLE gf_t3 ADD COLUMN j json;');
SELECT stmt, rule FROM lr('ALTER TABLE gf_temp ADD COLUMN k json');
-- in enforce mode too, a style rule at level error blocks only when named
SET schemashift.mode = enforce;
SET schemashift.rules = 'prefer-text-field=error';
CREATE TABLE gf_blocked (v varchar(10));
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP TABLE gf_temp_ok (v varchar(10));
RESET schemashift.rules;
CREATE TABLE gf_ok (v varchar(10), n int);
SELECT to_regclass('gf_blocked') AS blocked, to_regclass('pg_temp.gf_temp_ok') IS NOT NULL AS temp_ok,
       to_regclass('gf_ok') AS ok;
SET schemashift.mode = off;
DROP TABLE gf_orders, gf_new, gf_named, gf_ok;
