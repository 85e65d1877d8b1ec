--
-- schemashift.approve(): what an approval lets through, for how long, and
-- who may give one; the audit log schemashift.ddl_log.
--
\set SHOW_CONTEXT never
SET schemashift.mode = off;

CREATE TABLE a_accounts (id bigint, email text, name text, balance bigint);
INSERT INTO a_accounts SELECT g, 'u' || g || '@example.com', 'user ' || g, g FROM generate_series(1, 100) g;
CREATE TABLE a_accounts_archive (id bigint, email text);
INSERT INTO a_accounts_archive VALUES (1, 'old@example.com');

-- a migration role that may approve, one that may not, one that reads the log
CREATE ROLE regress_ss_approver;
GRANT schemashift_approver TO regress_ss_approver;
CREATE ROLE regress_ss_outsider;
CREATE ROLE regress_ss_auditor;
GRANT schemashift_auditor TO regress_ss_auditor;
ALTER TABLE a_accounts OWNER TO regress_ss_approver;
ALTER TABLE a_accounts_archive OWNER TO regress_ss_outsider;

SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
SET schemashift.mode = enforce;

--
-- 1. An approval lets exactly its rule on its object through, for the rest
-- of the transaction.
--
BEGIN;
SELECT schemashift.approve('renaming-column', 'a_accounts.email', reason => 'the application reads both names');
SAVEPOINT attempt;
-- the same rule on another column
ALTER TABLE a_accounts RENAME COLUMN name TO full_name;
ROLLBACK TO attempt;
-- another rule on the same column
ALTER TABLE a_accounts ALTER COLUMN email SET NOT NULL;
ROLLBACK TO attempt;
-- the approved one
ALTER TABLE a_accounts RENAME COLUMN email TO email_address;
COMMIT;

-- expired at COMMIT
ALTER TABLE a_accounts RENAME COLUMN email_address TO email;
\echo :LAST_ERROR_SQLSTATE

-- expired at ROLLBACK
BEGIN;
SELECT schemashift.approve('renaming-column', 'a_accounts.email_address', reason => 'rolled back');
ROLLBACK;
ALTER TABLE a_accounts RENAME COLUMN email_address TO email;
\echo :LAST_ERROR_SQLSTATE

-- outside a transaction block it ends with its own statement
SELECT schemashift.approve('renaming-column', 'a_accounts.email_address', reason => 'too early');
ALTER TABLE a_accounts RENAME COLUMN email_address TO email;
\echo :LAST_ERROR_SQLSTATE

-- a table covers its columns, but not a table whose name starts the same
BEGIN;
SELECT schemashift.approve('renaming-column', 'a_accounts', reason => 'columns of a_accounts');
SAVEPOINT attempt;
ALTER TABLE a_accounts_archive RENAME COLUMN email TO mail;
ROLLBACK TO attempt;
ALTER TABLE a_accounts RENAME COLUMN email_address TO email;
COMMIT;

-- a column does not cover its table
BEGIN;
SELECT schemashift.approve('renaming-table', 'a_accounts.email', reason => 'wrong object');
ALTER TABLE a_accounts RENAME TO a_clients;
ROLLBACK;

-- no object: every object, for that rule only
BEGIN;
SELECT schemashift.approve('renaming-column', reason => 'a renaming release');
ALTER TABLE a_accounts_archive RENAME COLUMN email TO mail;
ALTER TABLE a_accounts RENAME COLUMN name TO full_name;
ALTER TABLE a_accounts RENAME TO a_clients;
ROLLBACK;

-- approvals work for what the ProcessUtility hook guards, and in warn mode
-- (the finding is then a NOTICE saying it was approved)
BEGIN;
SELECT schemashift.approve('ban-truncate', 'a_accounts_archive', reason => 'test data');
TRUNCATE a_accounts_archive;
SELECT count(*) FROM a_accounts_archive;
ROLLBACK;
SET schemashift.mode = warn;
BEGIN;
SELECT schemashift.approve('renaming-column', 'a_accounts.name', reason => 'warn mode');
ALTER TABLE a_accounts RENAME COLUMN name TO full_name;
ALTER TABLE a_accounts RENAME COLUMN id TO account_id;
ROLLBACK;
SET schemashift.mode = enforce;

-- the example of docs/guard.md: dropping a column, approved and committed
BEGIN;
SELECT schemashift.approve('ban-drop-column', 'a_accounts.balance', reason => 'column unused since release 42');
ALTER TABLE a_accounts DROP COLUMN balance;
COMMIT;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'a_accounts'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

--
-- 2. Who may approve, and what an approval needs.
--
SELECT schemashift.approve('renaming-colum', 'a_accounts.email', reason => 'typo');
\echo :LAST_ERROR_SQLSTATE
SELECT schemashift.approve('renaming-column', 'a_accounts.email');
\echo :LAST_ERROR_SQLSTATE
SELECT schemashift.approve('renaming-column', 'a_accounts.email', reason => '   ');
\echo :LAST_ERROR_SQLSTATE
SELECT schemashift.approve(NULL, 'a_accounts.email', reason => 'no rule');
\echo :LAST_ERROR_SQLSTATE

-- a role that is not a member of schemashift_approver
SET ROLE regress_ss_outsider;
BEGIN;
SELECT schemashift.approve('renaming-column', 'a_accounts_archive.email', reason => 'my own table');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
ALTER TABLE a_accounts_archive RENAME COLUMN email TO mail;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- not even with EXECUTE granted on the function
SET schemashift.mode = off;
GRANT EXECUTE ON FUNCTION schemashift.approve(text, text, text) TO regress_ss_outsider;
SET ROLE regress_ss_outsider;
SELECT schemashift.approve('renaming-column', 'a_accounts_archive.email', reason => 'my own table');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE EXECUTE ON FUNCTION schemashift.approve(text, text, text) FROM regress_ss_outsider;
SET schemashift.mode = enforce;

-- a member of schemashift_approver (not a superuser)
SET ROLE regress_ss_approver;
BEGIN;
SELECT schemashift.approve('renaming-column', 'a_accounts.name', reason => 'ticket 1234');
ALTER TABLE a_accounts RENAME COLUMN name TO full_name;
COMMIT;
RESET ROLE;

--
-- 3. The audit log: one row per committed DDL statement and per approval.
--
-- not logged: blocked statements, rolled back DDL and approvals
BEGIN;
CREATE TABLE a_rolled_back (id bigint);
SELECT schemashift.approve('ban-drop-table', 'a_rolled_back', reason => 'rolled back');
ROLLBACK;
-- logged, without findings: DDL that was let through
SET ROLE regress_ss_outsider;
ALTER TABLE a_accounts_archive ADD COLUMN note text;
RESET ROLE;
-- logged with its warnings
SET schemashift.mode = warn;
SET ROLE regress_ss_outsider;
ALTER TABLE a_accounts_archive RENAME COLUMN note TO remark;
RESET ROLE;
SET schemashift.mode = enforce;

-- (the superuser running the tests is shown as <superuser>)
SELECT command_tag,
       CASE WHEN role_name = session_user THEN '<superuser>' ELSE role_name END AS role_name,
       session_role = session_user AS session_user,
       objects, statement,
       coalesce((SELECT jsonb_agg(f - 'message') FROM jsonb_array_elements(findings) f), '[]') AS findings,
       approvals
  FROM schemashift.ddl_log WHERE id > :log_mark ORDER BY id;
-- every row knows its database, transaction, time and how long the DDL took
SELECT count(*) AS rows,
       bool_and(database_name = current_database()) AS database,
       bool_and(xid IS NOT NULL) AS xid,
       bool_and(logged_at IS NOT NULL) AS logged_at,
       bool_and(duration >= '0'::interval) AS duration
  FROM schemashift.ddl_log WHERE id > :log_mark;
-- the messages are there too
SELECT DISTINCT (f->>'rule') COLLATE "C" AS rule, f->>'message' AS message
  FROM schemashift.ddl_log, jsonb_array_elements(findings) f
 WHERE id > :log_mark AND f ? 'message'
 ORDER BY 1;

-- only superusers can change the log; the auditor and approver roles read it
SET ROLE regress_ss_outsider;
SELECT count(*) FROM schemashift.ddl_log;
INSERT INTO schemashift.ddl_log (role_name, session_role, command_tag) VALUES ('x', 'x', 'x');
UPDATE schemashift.ddl_log SET statement = NULL;
DELETE FROM schemashift.ddl_log;
RESET ROLE;
-- (with the guard on, ban-truncate would refuse before the permission check)
SET schemashift.mode = off;
SET ROLE regress_ss_outsider;
TRUNCATE schemashift.ddl_log;
RESET ROLE;
SET schemashift.mode = enforce;
SET ROLE regress_ss_auditor;
SELECT count(*) > 0 AS can_read FROM schemashift.ddl_log;
INSERT INTO schemashift.ddl_log (role_name, session_role, command_tag) VALUES ('x', 'x', 'x');
UPDATE schemashift.ddl_log SET statement = NULL;
DELETE FROM schemashift.ddl_log;
RESET ROLE;
SET ROLE regress_ss_approver;
SELECT count(*) > 0 AS can_read FROM schemashift.ddl_log;
DELETE FROM schemashift.ddl_log;
RESET ROLE;

-- clean up (the guard is off)
SET schemashift.mode = off;
DROP TABLE a_accounts, a_accounts_archive;
DROP ROLE regress_ss_approver, regress_ss_outsider, regress_ss_auditor;
