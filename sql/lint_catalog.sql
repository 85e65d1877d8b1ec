-- What the catalog tells lint() that a file cannot.

-- a table created earlier in the caller's transaction is new: nobody else sees it
BEGIN;
CREATE TABLE made_here (id bigint, v text);
SELECT count(*) FROM lr($$
CREATE INDEX made_here_v ON made_here (v);
ALTER TABLE made_here ALTER COLUMN v SET NOT NULL;
$$);
ROLLBACK;
-- temporary tables are private too
CREATE TEMP TABLE scratch (id bigint, v text);
SELECT count(*) FROM lr('CREATE INDEX scratch_v ON scratch (v); DROP TABLE scratch;');
-- an unknown table is treated as an existing production table
SELECT stmt, rule FROM lr('CREATE INDEX nowhere_v ON nowhere (v);');
-- names resolve through search_path, and schema-qualified names work
CREATE SCHEMA app;
CREATE TABLE app.orders (id int, total numeric(10,2));
SELECT rule, object, rewrites FROM lr('ALTER TABLE app.orders ALTER COLUMN total TYPE numeric(14,2);');
SELECT rule, object, rewrites FROM lr('ALTER TABLE app.orders ALTER COLUMN id TYPE bigint;');
SET search_path = app, public;
SELECT rule, object, rewrites FROM lr('ALTER TABLE orders ALTER COLUMN id TYPE bigint;');
RESET search_path;
-- a cross-database reference is never looked up
SELECT rule FROM lr('ALTER TABLE otherdb.app.orders ALTER COLUMN id TYPE bigint;');
-- lint() never runs the script
SELECT count(*) FROM lr('DROP TABLE app.orders;');
SELECT count(*) FROM app.orders;
