-- Issue 17 item 12: each message says what is true of the statement it is
-- about.  A schema that does not exist has no data to lose; one that exists
-- is described by what it holds.  A database this server lacks is reported
-- all the same (lint often runs where the production databases are not),
-- saying so.
CREATE SCHEMA lw_full;
CREATE TABLE lw_full.a (id bigint);
CREATE TABLE lw_full.b (id bigint);
CREATE SCHEMA lw_one;
CREATE TABLE lw_one.only_table (id bigint);
CREATE SCHEMA lw_empty;
CREATE DOMAIN lw_used AS bigint;
CREATE TABLE lw_payments (amount lw_used);
CREATE DOMAIN lw_unused AS bigint;

SELECT line, rule, object, message FROM schemashift.lint($$
DROP SCHEMA lw_ghost CASCADE;
DROP SCHEMA IF EXISTS lw_ghost;
DROP SCHEMA lw_full CASCADE;
DROP SCHEMA lw_one CASCADE;
DROP SCHEMA lw_one;
DROP SCHEMA lw_empty;
DROP SCHEMA lw_empty CASCADE;
DROP DATABASE lw_no_such_database;
ALTER DOMAIN lw_unused ADD CONSTRAINT positive CHECK (VALUE > 0);
ALTER DOMAIN lw_used ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;
ALTER DOMAIN lw_used ADD CONSTRAINT positive CHECK (VALUE > 0);
ALTER DOMAIN lw_unused SET NOT NULL;
ALTER DOMAIN lw_used SET NOT NULL;
$$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off') ORDER BY line;

-- a schema the script creates holds nothing that existed before it
SELECT count(*) FROM lr($$
CREATE SCHEMA lw_new;
CREATE TABLE lw_new.t (id bigint);
DROP SCHEMA lw_new CASCADE;
$$);

-- the database the test runs in exists: dropping it loses its data
SELECT rule, object, message FROM lr('DROP DATABASE ' || quote_ident(current_database()))
  JOIN schemashift.rules() r ON r.id = rule;

DROP SCHEMA lw_full, lw_one, lw_empty CASCADE;
DROP TABLE lw_payments;
DROP DOMAIN lw_used, lw_unused;
