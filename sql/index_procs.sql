--
-- CALL schemashift.create_index / drop_index / reindex: the online index
-- commands from a migration script.
--
\set SHOW_CONTEXT never
SET schemashift.progress_notices = off;
CREATE TABLE ip_users (id bigint PRIMARY KEY, email text, status text);
INSERT INTO ip_users SELECT g, 'u' || g || '@example.com', CASE WHEN g % 3 = 0 THEN 'active' ELSE 'gone' END
  FROM generate_series(1, 3000) g;

CREATE VIEW ip_indexes AS
SELECT c.relname AS index, t.relname AS "table", i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relname LIKE 'ip\_%'
 ORDER BY 2, 1;

--
-- 1. The statement the user would have written, built concurrently; a
-- second run is a no-op; another definition under the same name is an error.
--
CALL schemashift.create_index('CREATE INDEX ip_users_email_idx ON ip_users (lower(email)) WHERE status = ''active''');
SELECT * FROM ip_indexes;
-- the catalog spells it "(status = 'active'::text)": still the same index
CALL schemashift.create_index('create index if not exists ip_users_email_idx on public.ip_users (lower(email)) where status = ''active''');
CALL schemashift.create_index('CREATE INDEX CONCURRENTLY ip_users_email_idx ON ip_users (lower(email)) WHERE status = ''active''');
CALL schemashift.create_index('CREATE INDEX ip_users_email_idx ON ip_users (email)');
CALL schemashift.create_index('CREATE UNIQUE INDEX ip_users_email_idx ON ip_users (lower(email)) WHERE status = ''active''');
CALL schemashift.create_index('CREATE INDEX ip_users_email_idx ON ip_users (lower(email))');
-- named arguments, an INCLUDE list, a WITH clause, a DESC column
CALL schemashift.create_index(definition => 'CREATE INDEX ip_users_status_idx ON ip_users USING btree (status DESC NULLS LAST) INCLUDE (email) WITH (fillfactor = 70)', retries => 0);
CALL schemashift.create_index('CREATE INDEX ip_users_status_idx ON ip_users (status DESC NULLS LAST) INCLUDE (email) WITH (fillfactor=''70'')');
SELECT * FROM ip_indexes;

--
-- 2. An INVALID index of that name, left by an earlier failed build, is
-- dropped and built again.
--
INSERT INTO ip_users VALUES (3001, 'u1@example.com', 'gone');
CREATE UNIQUE INDEX CONCURRENTLY ip_users_email_key ON ip_users (email);
SELECT * FROM ip_indexes WHERE index = 'ip_users_email_key';
DELETE FROM ip_users WHERE id = 3001;
CALL schemashift.create_index('CREATE UNIQUE INDEX ip_users_email_key ON ip_users (email)');
SELECT * FROM ip_indexes WHERE index = 'ip_users_email_key';

--
-- 3. A unique violation is not retried: the error names the duplicate key,
-- and the INVALID index the build left is gone.
--
INSERT INTO ip_users VALUES (3002, 'U2@example.com', 'active');
CALL schemashift.create_index('CREATE UNIQUE INDEX ip_users_lower_email_key ON ip_users (lower(email))', retries => 5);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS leftovers FROM pg_class WHERE relname = 'ip_users_lower_email_key';
DELETE FROM ip_users WHERE id = 3002;

--
-- 4. Bad input: a clear error, nothing built.
--
CALL schemashift.create_index(NULL);
CALL schemashift.create_index('SELECT 1');
CALL schemashift.create_index('CREATE INDEX ip_a ON ip_users (email); DROP TABLE ip_users');
CALL schemashift.create_index('CREATE INDEX ON ip_users (email)');
CALL schemashift.create_index('CREATE INDEX ip_a ON ip_users (email');
CALL schemashift.create_index('CREATE INDX ip_a ON ip_users (email)');
CALL schemashift.create_index('CREATE INDEX ip_a ON ip_no_such_table (email)');
CALL schemashift.create_index('CREATE INDEX ip_a ON ip_users (no_such_column)');
\echo :LAST_ERROR_SQLSTATE
CALL schemashift.create_index('CREATE INDEX ip_a ON ip_indexes (index)');
CALL schemashift.create_index('CREATE INDEX ip_a ON ip_users (email)', retries => -1);
CALL schemashift.create_index('CREATE INDEX ip_a ON ip_users (email)', timeout => '-1 s');
CALL schemashift.create_index('CREATE INDEX "ip_a"";DROP TABLE ip_users;--" ON ip_users (email)');
SELECT * FROM ip_indexes WHERE index LIKE 'ip\_a%';
CALL schemashift.drop_index('"ip_a"";DROP TABLE ip_users;--"');
SELECT count(*) AS users_still_there FROM ip_users;

--
-- 5. Only where it may commit: not inside BEGIN, not from a function.
--
BEGIN;
CALL schemashift.create_index('CREATE INDEX ip_b ON ip_users (status)');
ROLLBACK;
CREATE FUNCTION ip_call_from_function() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CALL schemashift.create_index('CREATE INDEX ip_b ON ip_users (status)');
END $$;
SELECT ip_call_from_function();
-- a DO block at top level is not atomic: it works there
DO $$ BEGIN CALL schemashift.create_index('CREATE INDEX ip_b ON ip_users (status)'); END $$;
SELECT * FROM ip_indexes WHERE index = 'ip_b';

--
-- 6. A partitioned table: each partition concurrently, the parent ON ONLY,
-- attached; sub-partitions too.  An interrupted run resumes.
--
CREATE TABLE ip_events (id bigint, at date, kind text) PARTITION BY RANGE (at);
CREATE TABLE ip_events_2025 PARTITION OF ip_events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ip_events_2026 PARTITION OF ip_events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
  PARTITION BY LIST (kind);
CREATE TABLE ip_events_2026_a PARTITION OF ip_events_2026 FOR VALUES IN ('a');
CREATE TABLE ip_events_2026_b PARTITION OF ip_events_2026 FOR VALUES IN ('b');
INSERT INTO ip_events SELECT g, date '2025-06-01' + (g % 400), CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END
  FROM generate_series(1, 2000) g;
-- partition steps are reported with progress_notices off (timed samples are not)
CALL schemashift.create_index('CREATE INDEX ip_events_at_idx ON ip_events (at, id)');
SELECT * FROM ip_indexes WHERE "table" LIKE 'ip\_events%';
SELECT inhrelid::regclass AS child, inhparent::regclass AS parent FROM pg_inherits
 WHERE inhparent::regclass::text LIKE 'ip\_events%idx' ORDER BY 1;
CALL schemashift.create_index('CREATE INDEX ip_events_at_idx ON ip_events (at, id)');
-- interrupted after the parent and one partition: the next run finishes it
CREATE INDEX ip_events_kind_idx ON ONLY ip_events (kind);
CREATE INDEX ip_events_2025_ip_events_kind_idx ON ip_events_2025 (kind);
ALTER INDEX ip_events_kind_idx ATTACH PARTITION ip_events_2025_ip_events_kind_idx;
SELECT valid FROM ip_indexes WHERE index = 'ip_events_kind_idx';
CALL schemashift.create_index('CREATE INDEX ip_events_kind_idx ON ip_events (kind)');
SELECT valid FROM ip_indexes WHERE index = 'ip_events_kind_idx';
CALL schemashift.create_index('CREATE INDEX ip_events_x ON ONLY ip_events (kind)');

--
-- 7. The caller's privileges, search_path and role.
--
CREATE ROLE regress_ip_owner NOLOGIN;
CREATE ROLE regress_ip_other NOLOGIN;
CREATE SCHEMA ip_app AUTHORIZATION regress_ip_owner;
SET ROLE regress_ip_owner;
CREATE TABLE ip_app.ip_orders (id bigint, total numeric);
INSERT INTO ip_app.ip_orders VALUES (1, 10);
CREATE FUNCTION ip_app.ip_who(numeric) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE NOTICE 'index expression runs as %', current_user;
    RETURN $1;
END $$;
RESET ROLE;
-- a role that could not create the index itself cannot through the procedure
SET ROLE regress_ip_other;
CALL schemashift.create_index('CREATE INDEX ip_orders_total_idx ON ip_app.ip_orders (total)');
RESET ROLE;
-- the owner can, as a NOLOGIN role reached with SET ROLE, and the table is
-- found through its search_path
SET ROLE regress_ip_owner;
SET search_path = ip_app, public;
CALL schemashift.create_index('CREATE INDEX ip_orders_total_idx ON ip_orders (total)');
RESET search_path;
RESET ROLE;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, i.indisvalid
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'ip_orders_total_idx';
-- a superuser building on another role's table: the expression runs as the
-- table owner, never as the superuser
CALL schemashift.create_index('CREATE INDEX ip_orders_who_idx ON ip_app.ip_orders (ip_app.ip_who(total))');

--
-- 8. The procedures' own DDL passes the guard in enforce mode; the plain
-- statement it replaces does not.
--
SET schemashift.mode = enforce;
CREATE INDEX ip_users_plain_idx ON ip_users (status);
\echo :LAST_ERROR_SQLSTATE
CREATE INDEX ip_events_plain_idx ON ip_events (id);
\echo :LAST_ERROR_SQLSTATE
CALL schemashift.create_index('CREATE INDEX ip_users_plain_idx ON ip_users (status)');
CALL schemashift.create_index('CREATE INDEX ip_events_id_idx ON ip_events (id)');
CALL schemashift.reindex('ip_users_plain_idx');
CALL schemashift.drop_index('ip_users_plain_idx');
CALL schemashift.drop_index('ip_events_id_idx');
SET schemashift.mode = off;
SELECT * FROM ip_indexes WHERE index IN ('ip_users_plain_idx', 'ip_events_id_idx');

--
-- 9. drop_index and reindex.
--
CALL schemashift.drop_index('ip_users_status_idx');
CALL schemashift.drop_index('ip_users_status_idx');
CALL schemashift.drop_index('public.ip_no_such_index');
CALL schemashift.drop_index('ip_users');
CALL schemashift.drop_index(NULL);
CALL schemashift.reindex('ip_users_email_idx');
CALL schemashift.reindex('ip_users');
CALL schemashift.reindex('ip_events');
CALL schemashift.reindex('ip_no_such_thing');
CALL schemashift.reindex('ip_indexes');
BEGIN;
CALL schemashift.reindex('ip_users');
ROLLBACK;
SELECT * FROM ip_indexes WHERE "table" = 'ip_users';

-- nothing left running
SELECT count(*) AS running FROM schemashift.progress;

DROP VIEW ip_indexes;
DROP TABLE ip_users, ip_events;
DROP FUNCTION ip_call_from_function();
DROP SCHEMA ip_app CASCADE;
DROP ROLE regress_ip_owner, regress_ip_other;
