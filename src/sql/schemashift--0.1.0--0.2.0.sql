/* schemashift 0.1.0 -> 0.2.0 (ALTER EXTENSION schemashift UPDATE) */

\echo Use "ALTER EXTENSION schemashift UPDATE TO '0.2.0'" to load this file. \quit

-- Every row of 0.1.0 stays: the audit log, the ledger, jobs, changes and
-- approvals.  Columns new in 0.2.0 are added at the end of their tables,
-- where schemashift--0.2.0.sql also puts them, so that an updated
-- installation and a fresh one have the same objects.

-- The audit log's ids come from a sequence (src/audit.c).  It starts above
-- both the installation time in microseconds and every id 0.1.0 wrote.
CREATE SEQUENCE schemashift.ddl_log_id_seq OWNED BY schemashift.ddl_log.id;
ALTER TABLE schemashift.ddl_log
    ALTER COLUMN id SET DEFAULT pg_catalog.nextval('schemashift.ddl_log_id_seq'::pg_catalog.regclass);
SELECT pg_catalog.setval('schemashift.ddl_log_id_seq',
    GREATEST(
        pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())
                         OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8,
        (SELECT pg_catalog.max(id) FROM schemashift.ddl_log)),
    true);
REVOKE ALL ON SEQUENCE schemashift.ddl_log_id_seq FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('schemashift.ddl_log_id_seq', '');

-- A backfill job has an identity: what it serves may be an apply() step.
ALTER TABLE schemashift.jobs
    ADD COLUMN migration_id text,
    ADD COLUMN migration_step integer;

-- abort drops only the column its own change added, by attribute number.
ALTER TABLE schemashift.change_steps ADD COLUMN attnum smallint;

-- A finished backfill is not run again unless rerun => true.
DROP PROCEDURE schemashift.backfill(regclass, text, text, integer, interval, interval,
                                    interval, interval, interval, integer);
CREATE PROCEDURE schemashift.backfill(
    tbl regclass,
    set_clause text,
    where_clause text DEFAULT NULL,
    batch_size integer DEFAULT 5000,
    pause interval DEFAULT '0',
    max_replication_lag interval DEFAULT NULL,
    target_batch_time interval DEFAULT NULL,
    lock_timeout interval DEFAULT '2s',
    batch_timeout interval DEFAULT '1min',
    retries integer DEFAULT 10,
    rerun boolean DEFAULT false)
AS 'MODULE_PATHNAME', 'schemashift_backfill'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.backfill(regclass, text, text, integer, interval, interval, interval, interval, interval, integer, boolean) IS
'UPDATE tbl SET set_clause [WHERE where_clause] in committed batches by key range, resumable, throttled; once: a finished job is not run again unless rerun';

-- apply(): what each step created, and the relations its approvals meant
-- when the migration was planned.
ALTER TABLE schemashift.migration_steps
    ADD COLUMN created_relations oid[],
    ADD COLUMN approved_objects text[],
    ADD COLUMN approved_relations oid[];

-- pg_restore -j loads the data of extension tables in parallel, in any
-- order: a foreign key between two of them fails the restore.
ALTER TABLE schemashift.change_steps DROP CONSTRAINT change_steps_change_id_fkey;
ALTER TABLE schemashift.migration_steps DROP CONSTRAINT migration_steps_migration_id_fkey;

-- The state columns above and their CHECKs repeat the state machines of
-- the C code (src/ledger.c); this compares them and fails on a difference.
CREATE FUNCTION schemashift.ledger_check()
RETURNS TABLE (state_column text, states text, moves text)
AS 'MODULE_PATHNAME', 'schemashift_ledger_check'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION schemashift.ledger_check() IS
'the states and moves of each schemashift state column, once its CHECK constraint is found to match them';

-- self_check() reports sync triggers an earlier installation left behind.
CREATE OR REPLACE FUNCTION schemashift.self_check()
RETURNS TABLE (check_name text, ok boolean, detail text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $self_check$
    SELECT 'preloaded', schemashift.preloaded(),
           CASE WHEN schemashift.preloaded()
                THEN 'the ProcessUtility hook guards VACUUM FULL, CLUSTER, REINDEX, LOCK and TRUNCATE'
                ELSE 'schemashift is not in shared_preload_libraries: VACUUM FULL, CLUSTER, REINDEX, LOCK and TRUNCATE are not guarded' END
    UNION ALL
    SELECT 'mode', current_setting('schemashift.mode') = 'enforce',
           'schemashift.mode = ' || current_setting('schemashift.mode')
    UNION ALL
    SELECT 'event triggers', count(*) = 4 AND bool_and(e.evtenabled = 'A'),
           coalesce(string_agg(e.evtname || ' ' ||
                      CASE e.evtenabled WHEN 'A' THEN 'enabled always' WHEN 'O' THEN 'enabled (not in replica mode)'
                                        WHEN 'R' THEN 'replica only' ELSE 'disabled' END, ', ' ORDER BY e.evtname), 'missing')
      FROM pg_event_trigger e
     WHERE e.evtname IN ('schemashift_guard_start', 'schemashift_guard_end',
                         'schemashift_guard_rewrite', 'schemashift_guard_drop')
    UNION ALL
    SELECT 'parameter grants', count(*) = 0,
           coalesce(string_agg(format('%s granted %s on %s', a.grantee::regrole, a.privilege_type, p.parname), ', '),
                    'no role was granted SET on schemashift.*, session_replication_role or allow_system_table_mods')
      FROM pg_parameter_acl p, aclexplode(p.paracl) a
     WHERE (p.parname LIKE 'schemashift.%' OR p.parname IN ('session_replication_role', 'allow_system_table_mods'))
       AND a.grantee <> 0 AND NOT (SELECT rolsuper FROM pg_roles WHERE oid = a.grantee)
    UNION ALL
    SELECT 'audit log', bool_and(r.rolsuper),
           'schemashift.ddl_log is owned by ' || string_agg(r.rolname, ', ')
      FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
     WHERE c.oid = 'schemashift.ddl_log'::regclass
    UNION ALL
    SELECT 'audit log writers', count(*) = 0,
           coalesce('can modify schemashift.ddl_log: ' || string_agg(r.rolname, ', '),
                    'only superusers can modify schemashift.ddl_log')
      FROM pg_roles r
     WHERE NOT r.rolsuper
       AND r.rolname <> 'pg_write_all_data'  -- its members are listed themselves
       AND has_table_privilege(r.oid, 'schemashift.ddl_log', 'INSERT, UPDATE, DELETE, TRUNCATE')
    UNION ALL
    SELECT 'approvers', true,
           coalesce('members of schemashift_approver: ' || string_agg(m.member::regrole::text, ', '),
                    'schemashift_approver has no members: only superusers can approve')
      FROM pg_auth_members m
     WHERE m.roleid = 'schemashift_approver'::regrole
    UNION ALL
    SELECT 'sync triggers', count(*) = 0,
           coalesce('left behind by an earlier installation (drop them): ' ||
                    string_agg(format('trigger %I on %s, function %s', t.tgname, t.tgrelid::regclass, t.tgfoid::regproc),
                               ', ' ORDER BY t.tgname),
                    'every expand/contract sync trigger belongs to an open change')
      FROM pg_trigger t
     WHERE t.tgname LIKE 'zz\_schemashift\_%\_sync'
       AND NOT EXISTS (SELECT FROM schemashift.changes c
                        WHERE c.relid = t.tgrelid AND c.sync_trigger IN (t.tgname, quote_ident(t.tgname))
                          AND c.state IN ('expanding', 'backfilling', 'ready'))
$self_check$;

-- DROP EXTENSION refuses while an expand/contract change is open (and with
-- CASCADE takes its sync function and trigger along): the sync functions of
-- the changes 0.1.0 left open depend on the extension, as 0.2.0 makes them.
DO $open$
DECLARE
    f text;
BEGIN
    FOR f IN SELECT c.sync_function FROM schemashift.changes c
              WHERE c.state IN ('expanding', 'backfilling', 'ready') AND c.sync_function IS NOT NULL
                AND pg_catalog.to_regprocedure(c.sync_function || '()') IS NOT NULL
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s() DEPENDS ON EXTENSION schemashift', f);
    END LOOP;
END
$open$;
