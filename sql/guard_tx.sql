--
-- The guard and the current transaction: what counts as a table this
-- transaction created, approvals and savepoints, how approvals name their
-- objects, and what the preloaded hook adds (audit rows, lock_timeout).
--
\set SHOW_CONTEXT never
SET schemashift.mode = off;
CREATE TABLE t_orders (id bigint PRIMARY KEY, note text);
INSERT INTO t_orders SELECT g, 'n' || g FROM generate_series(1, 50) g;
CREATE TABLE "T_Mixed" (id int);
CREATE DOMAIN t_positive AS int CHECK (VALUE > 0);
CREATE DOMAIN t_plain AS int;
CREATE ROLE regress_ss_tx_approver;
GRANT schemashift_approver TO regress_ss_tx_approver;
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
SET schemashift.mode = enforce;

--
-- 1. Touching an existing table earlier in the transaction does not make it
-- "created by this transaction": each of these must still be blocked.
--
BEGIN;
GRANT SELECT ON t_orders TO PUBLIC;
DROP TABLE t_orders;
ROLLBACK;
BEGIN;
ALTER TABLE t_orders ADD COLUMN extra int;
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK;
BEGIN;
COMMENT ON TABLE t_orders IS 'touched';
TRUNCATE t_orders;
ROLLBACK;
-- table_rewrite too: an unpredicted rewrite of a table touched earlier
BEGIN;
GRANT SELECT ON t_orders TO PUBLIC;
DO $$ BEGIN EXECUTE 'ALTER TABLE t_orders ALTER COLUMN note TYPE varchar(10) USING note::varchar(10)'; END $$;
ROLLBACK;
SELECT count(*) AS orders_intact FROM t_orders WHERE note IS NOT NULL;

-- a table this transaction created is free, even after a savepoint
BEGIN;
CREATE TABLE t_new (id int, v text);
SAVEPOINT s1;
GRANT SELECT ON t_new TO PUBLIC;
ALTER TABLE t_new RENAME COLUMN v TO w;
ALTER TABLE t_new ALTER COLUMN id TYPE bigint;
RELEASE s1;
DROP TABLE t_new;
COMMIT;

--
-- 2. ADD COLUMN of a domain with constraints rewrites the table (the server
-- checks every row): predicted by lint() and blocked by the guard; a domain
-- without constraints is a catalog-only change.
--
SELECT rule, level, rewrites, message
FROM schemashift.lint('ALTER TABLE t_orders ADD COLUMN qty t_positive;
ALTER TABLE t_orders ADD COLUMN qty2 t_plain;
ALTER TABLE t_orders ADD COLUMN qty3 no_such_domain;', in_transaction => true)
WHERE rule IN ('adding-field-with-default', 'ban-table-rewrite');
ALTER TABLE t_orders ADD COLUMN qty t_positive;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE t_orders ADD COLUMN qty2 t_plain;
-- with the predicting rule off, table_rewrite still catches it
BEGIN;
SET LOCAL schemashift.rules = 'adding-field-with-default=off';
ALTER TABLE t_orders ADD COLUMN qty t_positive;
ROLLBACK;
SET schemashift.mode = off;
ALTER TABLE t_orders DROP COLUMN qty2;
SET schemashift.mode = enforce;

--
-- 3. Approvals follow savepoints: ROLLBACK TO takes back the approvals
-- made after the savepoint; RELEASE keeps them for the enclosing level.
--
BEGIN;
SAVEPOINT s1;
SELECT schemashift.approve('renaming-column', 't_orders.note', reason => 'taken back');
ROLLBACK TO s1;
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK;

BEGIN;
SAVEPOINT outer_sp;
SAVEPOINT inner_sp;
SELECT schemashift.approve('renaming-column', 't_orders.note', reason => 'kept by release');
RELEASE inner_sp;
SAVEPOINT attempt;
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK TO attempt;
-- the approval now belongs to outer_sp: rolling that back removes it
ROLLBACK TO outer_sp;
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK;

-- an approval made before the savepoint survives ROLLBACK TO
BEGIN;
SELECT schemashift.approve('renaming-column', 't_orders.note', reason => 'made first');
SAVEPOINT s1;
ALTER TABLE t_orders RENAME COLUMN id TO order_id;
ROLLBACK TO s1;
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK;

-- an approval inside a PL/pgSQL exception block that fails is gone too
BEGIN;
DO $$
BEGIN
    BEGIN
        PERFORM schemashift.approve('renaming-column', 't_orders.note', reason => 'failed block');
        RAISE EXCEPTION 'boom';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
END $$;
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK;

--
-- 4. An approval names its object however the statement spells it.
--
BEGIN;
SELECT schemashift.approve('renaming-column', 'public.t_orders.note', reason => 'qualified');
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK;
BEGIN;
SELECT schemashift.approve('renaming-column', 't_orders', reason => 'unqualified table');
ALTER TABLE public.t_orders RENAME COLUMN note TO remark;
ROLLBACK;
BEGIN;
SELECT schemashift.approve('renaming-column', 'T_ORDERS.NOTE', reason => 'case folds like SQL');
ALTER TABLE t_orders RENAME COLUMN note TO remark;
ROLLBACK;
BEGIN;
SELECT schemashift.approve('renaming-table', '"T_Mixed"', reason => 'quoted');
ALTER TABLE "T_Mixed" RENAME TO t_mixed2;
ROLLBACK;
-- the unquoted spelling is another table
BEGIN;
SELECT schemashift.approve('renaming-table', 'T_Mixed', reason => 'not that one');
ALTER TABLE "T_Mixed" RENAME TO t_mixed2;
ROLLBACK;
-- a drop removes the table before sql_drop reports it: the approval still matches
BEGIN;
SELECT schemashift.approve('ban-drop-table', 't_orders', reason => 'retired table');
DROP TABLE public.t_orders;
ROLLBACK;
SELECT count(*) AS orders_still_there FROM t_orders;

-- a reason of only white space, carriage returns included, is no reason
BEGIN;
SELECT schemashift.approve('renaming-column', 't_orders.note', reason => E' \r\n\t');
ROLLBACK;

--
-- 5. Statements that cannot run in a transaction block cannot be approved:
-- the hint says what can be done instead.
--
VACUUM FULL t_orders;
\echo :LAST_ERROR_SQLSTATE

--
-- 6. With the library preloaded, statements event triggers cannot see are
-- logged when they have findings, and a user's own lock_timeout survives.
--
SET schemashift.mode = warn;
TRUNCATE t_orders;
GRANT SELECT ON t_orders TO regress_ss_tx_approver;
SET lock_timeout = '123ms';
CLUSTER t_orders USING t_orders_pkey;
SHOW lock_timeout;
REINDEX TABLE t_orders;
SHOW lock_timeout;
RESET lock_timeout;
SET schemashift.lock_timeout = '40ms';
-- longer than the guard's: the guard's applies to the statement only
SET lock_timeout = '1min';
TRUNCATE t_orders;
SHOW lock_timeout;
RESET lock_timeout;
RESET schemashift.lock_timeout;

SET schemashift.mode = off;
-- (the indexes REINDEX rebuilt reach event triggers since 17, with a TOAST
-- index named by an OID: not shown)
SELECT command_tag, statement,
       (SELECT array_agg(DISTINCT f->>'rule' ORDER BY f->>'rule') FROM jsonb_array_elements(findings) f) AS rules,
       (SELECT array_agg(DISTINCT f->>'outcome') FROM jsonb_array_elements(findings) f) AS outcomes,
       CASE WHEN command_tag <> 'REINDEX' THEN objects END AS objects,
       duration >= '0'::interval AS timed
FROM schemashift.ddl_log
WHERE id > :log_mark AND command_tag IN ('TRUNCATE TABLE', 'LOCK TABLE', 'CLUSTER', 'REINDEX', 'GRANT')
ORDER BY id;

--
-- 7. Writing the audit log leaves the session's lastval() alone (the log
-- uses no sequence).
--
\c
SET schemashift.mode = warn;
SELECT lastval();
SELECT count(*) AS log_rows_before FROM schemashift.ddl_log \gset
CREATE TABLE t_seq (id bigserial);
ALTER TABLE t_seq ADD COLUMN note text;
SELECT lastval();
INSERT INTO t_seq (note) VALUES ('x');
ALTER TABLE t_seq ADD COLUMN note2 text;
SELECT lastval();
SELECT count(*) - :log_rows_before AS new_log_rows FROM schemashift.ddl_log;
SET schemashift.mode = off;
DROP TABLE t_seq;

--
-- 8. The audit row is written directly, not through a query: every object
-- a command touched, sorted and once each; a column a DBA added to the log
-- stays NULL; a trigger a superuser put on the log runs as the log's owner
-- even when an ordinary role ran the DDL; a column of another type is
-- refused with a clear error (and the DDL with it).
--
SET schemashift.mode = off;
ALTER TABLE schemashift.ddl_log ADD COLUMN site text;
CREATE TABLE audit_seen (who_is_owner boolean, ran_as_role boolean, tag text);
CREATE FUNCTION audit_seen_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.audit_seen VALUES (
    current_user = (SELECT relowner::regrole::text FROM pg_catalog.pg_class
                     WHERE oid = 'schemashift.ddl_log'::regclass),
    NEW.role_name = 'regress_ss_tx_approver', NEW.command_tag);
  RETURN NEW;
END $$;
CREATE TRIGGER ddl_log_seen BEFORE INSERT ON schemashift.ddl_log
  FOR EACH ROW EXECUTE FUNCTION audit_seen_trigger();
CREATE SCHEMA audit_s;
GRANT CREATE, USAGE ON SCHEMA audit_s TO regress_ss_tx_approver;
GRANT INSERT ON audit_seen TO regress_ss_tx_approver;
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
SET schemashift.mode = warn;
SET ROLE regress_ss_tx_approver;
CREATE TABLE audit_s.multi (id bigserial PRIMARY KEY, code text UNIQUE);
RESET ROLE;
SELECT command_tag, objects, site, role_name FROM schemashift.ddl_log WHERE id > :log_mark ORDER BY id;
SELECT * FROM audit_seen;
SET schemashift.mode = off;
DROP TRIGGER ddl_log_seen ON schemashift.ddl_log;
DROP FUNCTION audit_seen_trigger();
ALTER TABLE schemashift.ddl_log DROP COLUMN site;
ALTER TABLE schemashift.ddl_log ALTER COLUMN command_tag TYPE varchar(100);
SET schemashift.mode = warn;
CREATE TABLE audit_s.refused (id int);
SET schemashift.mode = off;
ALTER TABLE schemashift.ddl_log ALTER COLUMN command_tag TYPE text;
SET schemashift.mode = warn;
CREATE TABLE audit_s.accepted (id int);
SELECT command_tag, objects FROM schemashift.ddl_log WHERE id > :log_mark ORDER BY id;
SET schemashift.mode = off;
DROP SCHEMA audit_s CASCADE;
DROP TABLE audit_seen;

DROP TABLE t_orders, "T_Mixed";
DROP DOMAIN t_positive;
DROP DOMAIN t_plain;
REVOKE schemashift_approver FROM regress_ss_tx_approver;
DROP ROLE regress_ss_tx_approver;
