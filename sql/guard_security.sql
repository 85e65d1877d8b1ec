--
-- Who can loosen or silence the guard: its settings are superuser-only,
-- its event triggers fire in replica mode too, and self_check() lists what
-- could let DDL bypass it.
--
\set SHOW_CONTEXT never
SET schemashift.mode = off;
CREATE TABLE s_accounts (id bigint, email text);
INSERT INTO s_accounts VALUES (1, 'a@example.com');
CREATE ROLE regress_ss_user;
ALTER TABLE s_accounts OWNER TO regress_ss_user;
GRANT CREATE ON SCHEMA public TO regress_ss_user;
SET schemashift.mode = enforce;

--
-- 1. An ordinary role cannot change schemashift's settings, in any way.
--
SET ROLE regress_ss_user;
SET schemashift.mode = off;
SET schemashift.mode = warn;
SET schemashift.rules = 'renaming-column=off';
SET schemashift.lock_timeout = 0;
BEGIN;
SET LOCAL schemashift.mode = off;
ROLLBACK;
SELECT set_config('schemashift.mode', 'off', false);
SELECT set_config('schemashift.rules', 'renaming-column=off', true);
ALTER ROLE regress_ss_user SET schemashift.mode = off;
ALTER ROLE regress_ss_user IN DATABASE contrib_regression SET schemashift.mode = off;
ALTER ROLE regress_ss_user SET schemashift.rules = 'renaming-column=off';
ALTER DATABASE contrib_regression SET schemashift.mode = off;
ALTER SYSTEM SET schemashift.mode = off;
CREATE FUNCTION s_quiet() RETURNS void LANGUAGE sql
    SET schemashift.mode = off AS 'SELECT 1';
-- nor the event triggers, nor replica mode
ALTER EVENT TRIGGER schemashift_guard_start DISABLE;
DROP EVENT TRIGGER schemashift_guard_start;
SET session_replication_role = replica;
-- still enforced
SHOW schemashift.mode;
SHOW schemashift.rules;
ALTER TABLE s_accounts RENAME COLUMN email TO mail;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- not even as the owner of the database
ALTER DATABASE contrib_regression OWNER TO regress_ss_user;
SET ROLE regress_ss_user;
ALTER DATABASE contrib_regression SET schemashift.mode = off;
ALTER DATABASE contrib_regression SET schemashift.lock_timeout = 0;
RESET ROLE;
ALTER DATABASE contrib_regression OWNER TO CURRENT_USER;
-- (only the setup's schemashift.mode = off for the database)
SELECT setrole::regrole,
       ARRAY(SELECT c FROM unnest(setconfig) c WHERE c LIKE 'schemashift.%') AS settings
  FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    OR setrole = 'regress_ss_user'::regrole
 ORDER BY 1;

-- a superuser can
SET schemashift.mode = warn;
SHOW schemashift.mode;
SET schemashift.mode = enforce;

-- the prefix is reserved, and bad values are refused
SET schemashift.mdoe = off;
SET schemashift.mode = loose;
SET schemashift.rules = 'renaming-colum=off';

--
-- 2. session_replication_role = replica does not silence the guard: its
-- event triggers are ENABLE ALWAYS.
--
SET session_replication_role = replica;
ALTER TABLE s_accounts RENAME COLUMN email TO mail;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE s_accounts;
\echo :LAST_ERROR_SQLSTATE
RESET session_replication_role;
SELECT evtname, evtevent, evtenabled FROM pg_event_trigger
 WHERE evtname LIKE 'schemashift%' ORDER BY evtname COLLATE "C";

--
-- 3. self_check(): every way the guard could be bypassed on this server
-- (the superuser's name is masked).
--
SELECT check_name, ok, replace(detail, current_user::text, '<superuser>') AS detail
  FROM schemashift.self_check();
-- each weakness shows
SET schemashift.mode = off;
GRANT SET ON PARAMETER schemashift.mode TO regress_ss_user;
ALTER EVENT TRIGGER schemashift_guard_rewrite ENABLE;
ALTER EVENT TRIGGER schemashift_guard_drop DISABLE;
GRANT INSERT, DELETE ON schemashift.ddl_log TO regress_ss_user;
CREATE ROLE regress_ss_approver;
GRANT schemashift_approver TO regress_ss_approver;
SET schemashift.mode = warn;
SELECT check_name, ok, replace(detail, current_user::text, '<superuser>') AS detail
  FROM schemashift.self_check();
-- a role granted SET on the parameter can indeed change it
SET ROLE regress_ss_user;
SET schemashift.mode = off;
SHOW schemashift.mode;
RESET ROLE;
-- put everything back
SET schemashift.mode = off;
REVOKE SET ON PARAMETER schemashift.mode FROM regress_ss_user;
ALTER EVENT TRIGGER schemashift_guard_rewrite ENABLE ALWAYS;
ALTER EVENT TRIGGER schemashift_guard_drop ENABLE ALWAYS;
REVOKE INSERT, DELETE ON schemashift.ddl_log FROM regress_ss_user;
DROP ROLE regress_ss_approver;
SET schemashift.mode = enforce;
SELECT check_name, ok FROM schemashift.self_check();

-- clean up (the guard is off)
SET schemashift.mode = off;
DROP TABLE s_accounts;
REVOKE CREATE ON SCHEMA public FROM regress_ss_user;
DROP ROLE regress_ss_user;
