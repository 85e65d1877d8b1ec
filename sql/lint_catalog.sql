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

-- What a name means at this point of the script: the schema a relation is
-- created in, CREATE ... IF NOT EXISTS of an existing table, drops.
CREATE TABLE public.orders (id bigint, note text);
SELECT stmt, rule, object FROM lr($$
CREATE TABLE IF NOT EXISTS orders (id bigint);
ALTER TABLE orders DROP COLUMN note;
CREATE TABLE app.orders (id bigint);
ALTER TABLE orders DROP COLUMN note;
$$);
SET search_path = app, public;
SELECT stmt, rule, object FROM lr($$
DROP TABLE app.orders;
CREATE TABLE orders (id bigint, total numeric);
ALTER TABLE orders DROP COLUMN total;
ALTER TABLE public.orders DROP COLUMN note;
$$);
RESET search_path;
-- a parent the script created is not new once an existing table sits
-- below it; ONLY stays on the parent
SELECT stmt, rule, object FROM lr($$
CREATE TABLE orders_parent (LIKE public.orders);
CREATE TABLE orders_mid (LIKE public.orders);
ALTER TABLE orders_mid INHERIT orders_parent;
ALTER TABLE orders_parent DROP COLUMN note;
ALTER TABLE public.orders INHERIT orders_mid;
ALTER TABLE orders_parent DROP COLUMN note;
ALTER TABLE ONLY orders_parent DROP COLUMN note;
TRUNCATE orders_mid;
$$);
-- the same for a parent created earlier in the caller's transaction, and
-- for a table the catalog already shows below it
BEGIN;
CREATE TABLE made_parent (LIKE public.orders);
SELECT stmt, rule, object FROM lr($$
ALTER TABLE made_parent DROP COLUMN note;
ALTER TABLE public.orders INHERIT made_parent;
ALTER TABLE made_parent DROP COLUMN note;
$$);
ALTER TABLE public.orders INHERIT made_parent;
SELECT stmt, rule, object, lock FROM lr('TRUNCATE made_parent; TRUNCATE ONLY made_parent;');
ROLLBACK;
-- the keyword does not say what kind of relation is renamed
SELECT stmt, rule, object, lock FROM lr($$
ALTER INDEX public.orders RENAME TO orders2;
ALTER VIEW public.orders RENAME COLUMN note TO note2;
ALTER TABLE app.orders RENAME TO orders3;
$$);
CREATE INDEX orders_id_idx ON public.orders (id);
SELECT stmt, rule, object, lock FROM lr($$
ALTER INDEX orders_id_idx RENAME TO orders_id_idx2;
ALTER TABLE orders_id_idx RENAME TO orders_id_idx2;
$$);
DROP TABLE public.orders;
-- DROP TYPE ... CASCADE drops the columns of the type and the typed
-- tables of a composite type
CREATE TYPE lc_status AS ENUM ('open', 'closed');
CREATE TABLE lc_tickets (id bigint, status lc_status);
CREATE TYPE lc_comp AS (id bigint);
CREATE TABLE lc_typed OF lc_comp;
SELECT stmt, rule, object FROM lr($$
DROP TYPE lc_status;
DROP TYPE lc_status CASCADE;
DROP TYPE lc_comp CASCADE;
DROP DOMAIN IF EXISTS lc_nowhere CASCADE;
$$);
DROP TABLE lc_tickets, lc_typed;
DROP TYPE lc_status, lc_comp;
-- ALL IN TABLESPACE moves what the catalog shows; a tablespace it does not
-- know may hold anything
SELECT stmt, rule, object, lock, rewrites FROM lr($$
ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE pg_default;
ALTER TABLE ALL IN TABLESPACE nowhere_ts SET TABLESPACE pg_default;
ALTER INDEX ALL IN TABLESPACE pg_default OWNED BY nobody_role SET TABLESPACE nowhere_ts;
$$);
-- DROP OWNED BY a role: the tables it owns here; a role this catalog does
-- not know may own any; PUBLIC owns nothing, and names that do not resolve
-- never make lint() fail
CREATE ROLE regress_lc_owner;
CREATE ROLE regress_lc_nothing;
CREATE TABLE lc_owned (id bigint);
ALTER TABLE lc_owned OWNER TO regress_lc_owner;
SELECT stmt, rule, object, lock FROM lr($$
DROP OWNED BY regress_lc_nothing;
DROP OWNED BY regress_lc_owner;
DROP OWNED BY regress_lc_nobody;
REASSIGN OWNED BY regress_lc_owner TO regress_lc_nothing;
DROP OWNED BY public;
REASSIGN OWNED BY public TO regress_lc_nothing;
ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY public SET TABLESPACE nowhere_ts;
DROP TYPE nowhere_schema.nowhere_type CASCADE;
$$);
DROP TABLE lc_owned;
DROP ROLE regress_lc_owner, regress_lc_nothing;
-- a schema the caller may not use does not make lint() fail
CREATE SCHEMA lc_hidden;
CREATE ROLE regress_lc_reader;
SET ROLE regress_lc_reader;
SELECT stmt, rule FROM lr($$
DROP TYPE lc_hidden.t CASCADE;
ALTER TABLE lc_nowhere ADD COLUMN z lc_hidden.t;
$$);
RESET ROLE;
DROP ROLE regress_lc_reader;
DROP SCHEMA lc_hidden;
