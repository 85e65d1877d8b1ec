/* schemashift 0.3.0 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION schemashift" to load this file. \quit

/*
 * Every object is created in the schema the control file names, and every
 * reference is schema-qualified, so nothing here can be captured by
 * objects a hostile role created beforehand.
 */

CREATE FUNCTION schemashift.lint(
    script text,
    in_transaction boolean DEFAULT false,
    rules text DEFAULT NULL)
RETURNS TABLE (
    statement integer,
    line integer,
    col integer,
    rule text,
    level text,
    object text,
    lock text,
    rewrites boolean,
    message text,
    hint text)
AS 'MODULE_PATHNAME', 'schemashift_lint'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;

COMMENT ON FUNCTION schemashift.lint(text, boolean, text) IS
'lint a migration script with the server''s parser and the live catalog, without running it';

CREATE FUNCTION schemashift.statements(script text)
RETURNS TABLE (
    statement integer,
    line integer,
    col integer,
    sql text)
AS 'MODULE_PATHNAME', 'schemashift_statements'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

COMMENT ON FUNCTION schemashift.statements(text) IS
'the statements of a script as the server''s scanner splits them, with their line and column, not parsed or run';

CREATE FUNCTION schemashift.rules()
RETURNS TABLE (
    id text,
    level text,
    default_level text,
    lock text,
    rewrites boolean,
    summary text,
    message text,
    hint text,
    why text,
    bad_example text,
    good_example text,
    family text)
AS 'MODULE_PATHNAME', 'schemashift_rules_list'
LANGUAGE C STRICT STABLE;

COMMENT ON FUNCTION schemashift.rules() IS
'every schemashift rule with its current and default level and its family';

GRANT USAGE ON SCHEMA schemashift TO PUBLIC;

/* ---------------------------------------------------------------------
 * The live guard
 * --------------------------------------------------------------------- */

/*
 * Roles are shared by every database of the cluster, so a second
 * installation finds them already there.  Membership in them is what
 * matters, and schemashift.self_check() lists it.
 */
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'schemashift_approver') THEN
        CREATE ROLE schemashift_approver NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'schemashift_auditor') THEN
        CREATE ROLE schemashift_auditor NOLOGIN;
    END IF;
END
$roles$;

-- Every DDL statement that committed, and every approval.  Written only by
-- schemashift's own C code, as the extension's owner.  The id comes from
-- the log's own sequence (src/guard.c, audit_row_id), which starts at the
-- time of installation in microseconds: a dump restored into another
-- installation brings ids from a range that installation's own rows do not
-- use, and later ids go on above all of them.
CREATE TABLE schemashift.ddl_log (
    id bigserial PRIMARY KEY,
    logged_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    role_name name NOT NULL,
    session_role name NOT NULL,
    database_name name NOT NULL DEFAULT pg_catalog.current_database(),
    xid xid8 DEFAULT pg_catalog.pg_current_xact_id(),
    command_tag text NOT NULL,
    objects text[],
    statement text,
    findings jsonb NOT NULL DEFAULT '[]',
    approvals jsonb NOT NULL DEFAULT '[]',
    duration interval
);
COMMENT ON TABLE schemashift.ddl_log IS
'schemashift audit log: DDL that committed, with its findings and the approvals it used';
REVOKE ALL ON schemashift.ddl_log FROM PUBLIC;
GRANT SELECT ON schemashift.ddl_log TO schemashift_approver, schemashift_auditor;
SELECT pg_catalog.setval('schemashift.ddl_log_id_seq',
    pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())
                     OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8, true);
REVOKE ALL ON SEQUENCE schemashift.ddl_log_id_seq FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('schemashift.ddl_log', '');
SELECT pg_catalog.pg_extension_config_dump('schemashift.ddl_log_id_seq', '');

CREATE FUNCTION schemashift.approve(rule text, object text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'schemashift_approve'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION schemashift.approve(text, text, text) IS
'let findings of one rule (on one object) through for the rest of the transaction; audited';
REVOKE ALL ON FUNCTION schemashift.approve(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION schemashift.approve(text, text, text) TO schemashift_approver;

CREATE FUNCTION schemashift.preloaded()
RETURNS boolean
AS 'MODULE_PATHNAME', 'schemashift_is_preloaded'
LANGUAGE C STRICT STABLE;

CREATE FUNCTION schemashift.guard_ddl_start() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'schemashift_guard_ddl_start' LANGUAGE C;
CREATE FUNCTION schemashift.guard_ddl_end() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'schemashift_guard_ddl_end' LANGUAGE C;
CREATE FUNCTION schemashift.guard_table_rewrite() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'schemashift_guard_table_rewrite' LANGUAGE C;
CREATE FUNCTION schemashift.guard_sql_drop() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'schemashift_guard_sql_drop' LANGUAGE C;

CREATE EVENT TRIGGER schemashift_guard_start ON ddl_command_start
    EXECUTE FUNCTION schemashift.guard_ddl_start();
CREATE EVENT TRIGGER schemashift_guard_end ON ddl_command_end
    EXECUTE FUNCTION schemashift.guard_ddl_end();
CREATE EVENT TRIGGER schemashift_guard_rewrite ON table_rewrite
    EXECUTE FUNCTION schemashift.guard_table_rewrite();
CREATE EVENT TRIGGER schemashift_guard_drop ON sql_drop
    EXECUTE FUNCTION schemashift.guard_sql_drop();
-- ALWAYS: session_replication_role = replica must not silence the guard
ALTER EVENT TRIGGER schemashift_guard_start ENABLE ALWAYS;
ALTER EVENT TRIGGER schemashift_guard_end ENABLE ALWAYS;
ALTER EVENT TRIGGER schemashift_guard_rewrite ENABLE ALWAYS;
ALTER EVENT TRIGGER schemashift_guard_drop ENABLE ALWAYS;

-- Every way the guard could be bypassed on this server.
CREATE FUNCTION schemashift.self_check()
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
COMMENT ON FUNCTION schemashift.self_check() IS
'every way the schemashift guard could be bypassed on this server';

-- ---------------------------------------------------------------------
-- Online index commands (src/index_procs.c, src/worker.c).  They run as
-- the caller and commit between steps, so they are plain C procedures:
-- SECURITY DEFINER or a SET clause would make every CALL atomic.
-- ---------------------------------------------------------------------

CREATE PROCEDURE schemashift.create_index(definition text, retries integer DEFAULT 3,
                                          timeout interval DEFAULT NULL)
AS 'MODULE_PATHNAME', 'schemashift_create_index'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.create_index(text, integer, interval) IS
'build the index of a CREATE INDEX statement concurrently (per partition on a partitioned table), idempotently, with retries';

CREATE PROCEDURE schemashift.drop_index(name text, retries integer DEFAULT 3)
AS 'MODULE_PATHNAME', 'schemashift_drop_index'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.drop_index(text, integer) IS
'DROP INDEX CONCURRENTLY IF EXISTS, from a CALL, with retries';

CREATE PROCEDURE schemashift.reindex(name text, retries integer DEFAULT 3,
                                     timeout interval DEFAULT NULL)
AS 'MODULE_PATHNAME', 'schemashift_reindex'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.reindex(text, integer, interval) IS
'REINDEX ... CONCURRENTLY of an index or of every index of a table, from a CALL, with retries';

-- ---------------------------------------------------------------------
-- Batched backfills and expand/contract changes (src/backfill.c,
-- src/expand.c).  Their state is written only by schemashift's C code, as
-- the extension's owner, in the transaction of each step: after a crash
-- the rows say exactly what happened, and the next CALL resumes there.
-- Ids come from max(id) + 1 under a lock, not a sequence, so a CALL never
-- changes the session's lastval().  A job is one backfill: its table,
-- set_clause and where_clause, and what it serves (change_id, or the
-- apply() step migration_id/migration_step); the latest job of a backfill
-- says whether a CALL resumes it, or finds it done and changes nothing.
-- ---------------------------------------------------------------------

CREATE TABLE schemashift.jobs (
    id bigint PRIMARY KEY,
    kind text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) 'backfill'),
    change_id bigint,
    relid oid NOT NULL,
    target text NOT NULL,
    set_clause text NOT NULL,
    where_clause text,
    key_columns text NOT NULL,
    last_key text[],
    end_block bigint,
    units text NOT NULL,
    done bigint NOT NULL DEFAULT 0,
    total bigint,
    rows_updated bigint NOT NULL DEFAULT 0,
    batches bigint NOT NULL DEFAULT 0,
    batch_size integer NOT NULL,
    retries integer NOT NULL DEFAULT 0,
    rate double precision,
    status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'done', 'failed', 'canceled'])),
    error text,
    pid integer,
    runs integer NOT NULL DEFAULT 1,
    run_by name NOT NULL,
    started_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    run_started_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at timestamptz,
    migration_id text,
    migration_step integer
);
COMMENT ON TABLE schemashift.jobs IS
'schemashift batched jobs (backfills): progress committed with each batch';
REVOKE ALL ON schemashift.jobs FROM PUBLIC;
GRANT SELECT ON schemashift.jobs TO schemashift_approver, schemashift_auditor;
SELECT pg_catalog.pg_extension_config_dump('schemashift.jobs', '');

CREATE TABLE schemashift.changes (
    id bigint PRIMARY KEY,
    kind text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['alter_column_type', 'rename_column', 'add_column'])),
    relid oid NOT NULL,
    target text NOT NULL,
    column_name text NOT NULL,
    new_column text NOT NULL,
    new_type text,
    using_expr text,
    default_expr text,
    not_null boolean NOT NULL DEFAULT false,
    state text NOT NULL CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['expanding', 'backfilling', 'ready', 'contracted', 'aborted'])),
    in_place boolean NOT NULL DEFAULT false,
    sync_function text,
    sync_trigger text,
    job bigint,
    created_by name NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at timestamptz,
    -- the CALL to run next while the change is open (NULL once it ended)
    next_call text
);
COMMENT ON TABLE schemashift.changes IS
'schemashift expand/contract changes and their state';

CREATE TABLE schemashift.change_steps (
    change_id bigint NOT NULL,
    step integer NOT NULL,
    phase text NOT NULL CHECK (phase OPERATOR(pg_catalog.=) ANY (ARRAY['expand', 'contract', 'abort'])),
    action text NOT NULL,
    statement text,
    old_name text,
    new_name text,
    done_at timestamptz,
    attnum smallint,
    PRIMARY KEY (change_id, step)
);
-- No foreign key to changes (nor from migration_steps to migrations): the
-- rows are written only by schemashift's C code, together, and pg_restore -j
-- loads the data of extension tables in parallel, in any order.
COMMENT ON TABLE schemashift.change_steps IS
'schemashift expand/contract steps: planned, then stamped done_at in the transaction that did them';

REVOKE ALL ON schemashift.changes, schemashift.change_steps FROM PUBLIC;
GRANT SELECT ON schemashift.changes, schemashift.change_steps TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('schemashift.changes', '');
SELECT pg_catalog.pg_extension_config_dump('schemashift.change_steps', '');

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

CREATE PROCEDURE schemashift.expand_alter_column_type(
    tbl regclass, col text, new_type text, using_expr text DEFAULT NULL,
    batch_size integer DEFAULT 5000, INOUT change bigint DEFAULT NULL)
AS 'MODULE_PATHNAME', 'schemashift_expand_alter_column_type'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.expand_alter_column_type(regclass, text, text, text, integer, bigint) IS
'change a column''s type without a rewrite under lock: shadow column, sync trigger, batched backfill, concurrent indexes; then contract';

CREATE PROCEDURE schemashift.expand_rename_column(
    tbl regclass, col text, new_name text,
    batch_size integer DEFAULT 5000, INOUT change bigint DEFAULT NULL)
AS 'MODULE_PATHNAME', 'schemashift_expand_rename_column'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.expand_rename_column(regclass, text, text, integer, bigint) IS
'rename a column while old and new code both work: new column, two-way sync trigger, backfill; then contract';

CREATE PROCEDURE schemashift.expand_add_column(
    tbl regclass, col text, type text, default_expr text DEFAULT NULL,
    not_null boolean DEFAULT false,
    batch_size integer DEFAULT 5000, INOUT change bigint DEFAULT NULL)
AS 'MODULE_PATHNAME', 'schemashift_expand_add_column'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.expand_add_column(regclass, text, text, text, boolean, integer, bigint) IS
'add a column with a volatile default or NOT NULL to a big table: nullable column, default for new rows, batched backfill, validated CHECK; then contract';

CREATE PROCEDURE schemashift.contract(change bigint, retries integer DEFAULT 10)
AS 'MODULE_PATHNAME', 'schemashift_contract'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.contract(bigint, integer) IS
'finish an expand/contract change in one short transaction under lock_timeout, with retries';

CREATE PROCEDURE schemashift.abort(change bigint, retries integer DEFAULT 10)
AS 'MODULE_PATHNAME', 'schemashift_abort'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.abort(bigint, integer) IS
'undo an expand/contract change that was not contracted: the table is as before';

-- The same by the table and column the change is about, as
-- schemashift.changes.next_call writes them (a CALL argument cannot be a
-- subquery that finds the id).
CREATE PROCEDURE schemashift.contract(tbl regclass, col name, retries integer DEFAULT 10)
AS 'MODULE_PATHNAME', 'schemashift_contract_named'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.contract(regclass, name, integer) IS
'finish the open expand/contract change of a table''s column in one short transaction under lock_timeout, with retries';

CREATE PROCEDURE schemashift.abort(tbl regclass, col name, retries integer DEFAULT 10)
AS 'MODULE_PATHNAME', 'schemashift_abort_named'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.abort(regclass, name, integer) IS
'undo the open expand/contract change of a table''s column: the table is as before';

-- What schemashift is doing and did: index builds of its executor (while
-- they run) and batched jobs (running and finished).  A job's statement is
-- shown to the role that ran it, its members, and pg_read_all_stats.
CREATE VIEW schemashift.progress AS
SELECT 'index build'::pg_catalog.text AS kind,
       NULL::bigint AS job,
       p.pid,
       p.relid::pg_catalog.regclass::pg_catalog.text AS target,
       p.index_relid::pg_catalog.regclass::pg_catalog.text AS index,
       'running'::pg_catalog.text AS status,
       p.phase,
       CASE WHEN p.blocks_total OPERATOR(pg_catalog.>) 0 THEN 'blocks' ELSE 'tuples' END AS units,
       CASE WHEN p.blocks_total OPERATOR(pg_catalog.>) 0 THEN p.blocks_done ELSE p.tuples_done END AS done,
       CASE WHEN p.blocks_total OPERATOR(pg_catalog.>) 0 THEN p.blocks_total ELSE p.tuples_total END AS total,
       CASE WHEN p.blocks_total OPERATOR(pg_catalog.>) 0
            THEN pg_catalog.round(100.0 OPERATOR(pg_catalog.*) p.blocks_done OPERATOR(pg_catalog./) p.blocks_total, 1) END AS percent,
       NULL::bigint AS rows_updated,
       NULL::bigint AS batches,
       NULL::text[] AS last_key,
       NULL::double precision AS rate,
       NULL::interval AS eta,
       a.query_start AS started,
       NULL::timestamptz AS updated,
       a.query AS statement
  FROM pg_catalog.pg_stat_progress_create_index p
  JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) p.pid
 WHERE a.backend_type OPERATOR(pg_catalog.=) 'schemashift executor'
UNION ALL
SELECT j.kind,
       j.id,
       j.pid,
       j.target,
       NULL,
       s.status,
       CASE s.status WHEN 'running' THEN 'batch ' OPERATOR(pg_catalog.||) (j.batches OPERATOR(pg_catalog.+) 1) END,
       j.units,
       j.done,
       GREATEST(j.total, j.done),
       CASE WHEN j.status OPERATOR(pg_catalog.=) 'done' THEN 100.0
            WHEN j.total OPERATOR(pg_catalog.>) 0
            THEN LEAST(pg_catalog.round(100.0 OPERATOR(pg_catalog.*) j.done OPERATOR(pg_catalog./) j.total, 1), 99.9) END,
       j.rows_updated,
       j.batches,
       j.last_key,
       j.rate,
       CASE WHEN s.status OPERATOR(pg_catalog.=) 'running' AND j.rate OPERATOR(pg_catalog.>) 0
            THEN pg_catalog.make_interval(secs => GREATEST(j.total OPERATOR(pg_catalog.-) j.done, 0) OPERATOR(pg_catalog./) j.rate) END,
       j.started_at,
       j.updated_at,
       CASE WHEN pg_catalog.pg_has_role(j.run_by, 'USAGE')
              OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
            THEN 'UPDATE ' OPERATOR(pg_catalog.||) j.target OPERATOR(pg_catalog.||) ' SET ' OPERATOR(pg_catalog.||) j.set_clause
                 OPERATOR(pg_catalog.||) COALESCE(CASE WHEN pg_catalog.strpos(j.set_clause, '--') OPERATOR(pg_catalog.>) 0
                                                       THEN E'\nWHERE ' ELSE ' WHERE ' END
                                                  OPERATOR(pg_catalog.||) j.where_clause, '')
            ELSE '<insufficient privilege>' END
  FROM schemashift.jobs j
  CROSS JOIN LATERAL (
      SELECT CASE WHEN j.status OPERATOR(pg_catalog.=) 'running' AND NOT EXISTS (
                  SELECT 1 FROM pg_catalog.pg_locks l
                   WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
                     AND l.objsubid OPERATOR(pg_catalog.=) 11
                     AND l.pid OPERATOR(pg_catalog.=) j.pid
                     AND l.classid OPERATOR(pg_catalog.=) j.relid)
             THEN 'interrupted' ELSE j.status END AS status) s;
COMMENT ON VIEW schemashift.progress IS
'schemashift operations: index builds while they run, and batched jobs (running, interrupted, done, failed, canceled)';
GRANT SELECT ON schemashift.progress TO PUBLIC;

/* ---------------------------------------------------------------------
 * Lock retries, safe constraints, the migration ledger and apply()
 * --------------------------------------------------------------------- */

-- Every attempt of a statement run under lock retries, committed even when
-- the attempt failed.
CREATE TABLE schemashift.lock_attempts (
    migration_id text,
    step integer,
    statement text NOT NULL,
    attempt integer NOT NULL,
    lock_timeout_ms integer NOT NULL,
    outcome text NOT NULL CHECK (outcome OPERATOR(pg_catalog.=) ANY (ARRAY['ok', 'lock timeout', 'deadlock', 'serialization failure', 'error'])),
    error text,
    run_by name NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL,
    duration interval NOT NULL
);
CREATE INDEX lock_attempts_migration ON schemashift.lock_attempts (migration_id, step);
COMMENT ON TABLE schemashift.lock_attempts IS
'schemashift lock retries: every attempt, with its lock_timeout and outcome';

-- The migration ledger: one row per migration run through apply(), one per
-- step.  Written only by schemashift's C code as the extension's owner.
CREATE TABLE schemashift.migrations (
    id text PRIMARY KEY,
    checksum text NOT NULL,
    status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'done', 'failed', 'reverted', 'reset'])),
    steps integer NOT NULL,
    run_by name NOT NULL,
    runs integer NOT NULL DEFAULT 1,
    started_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at timestamptz,
    duration interval,
    error text,
    -- the how-manieth run of this id; earlier ones are in migration_history
    run integer NOT NULL DEFAULT 1,
    -- who ended the run with mark_reverted() or reset(), when and why
    ended_by name,
    ended_at timestamptz,
    end_reason text,
    -- apply(..., expand_only => true): changes left ready for a later contract
    expand_only boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE schemashift.migrations IS
'schemashift migration ledger: every migration run through schemashift.apply()';

-- Earlier runs of a migration id: a run that was reverted or reset moves
-- here, with its steps, when apply() starts the next run under the id.
CREATE TABLE schemashift.migration_history (
    id text NOT NULL,
    run integer NOT NULL,
    checksum text NOT NULL,
    status text NOT NULL,
    steps integer NOT NULL,
    run_by name NOT NULL,
    runs integer NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    duration interval,
    error text,
    ended_by name,
    ended_at timestamptz,
    end_reason text,
    expand_only boolean NOT NULL,
    step_rows jsonb NOT NULL,
    PRIMARY KEY (id, run)
);
COMMENT ON TABLE schemashift.migration_history IS
'schemashift migration ledger: earlier runs of a migration id, reverted or reset, with their steps';

CREATE TABLE schemashift.migration_steps (
    migration_id text NOT NULL,
    step integer NOT NULL,
    line integer NOT NULL,
    col integer NOT NULL,
    statement text NOT NULL,
    recipe text NOT NULL,
    run text NOT NULL,
    locks text,
    estimate interval,
    status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['pending', 'running', 'done', 'failed'])),
    attempts integer NOT NULL DEFAULT 0,
    change_id bigint,
    started_at timestamptz,
    finished_at timestamptz,
    duration interval,
    error text,
    created_relations oid[],
    approved_objects text[],
    approved_relations oid[],
    PRIMARY KEY (migration_id, step)
);
COMMENT ON TABLE schemashift.migration_steps IS
'schemashift migration ledger: each step of a migration, the recipe it ran and how it went';

REVOKE ALL ON schemashift.lock_attempts, schemashift.migrations, schemashift.migration_steps FROM PUBLIC;
GRANT SELECT ON schemashift.lock_attempts, schemashift.migrations, schemashift.migration_steps TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('schemashift.lock_attempts', '');
SELECT pg_catalog.pg_extension_config_dump('schemashift.migrations', '');
SELECT pg_catalog.pg_extension_config_dump('schemashift.migration_steps', '');
REVOKE ALL ON schemashift.migration_history FROM PUBLIC;
GRANT SELECT ON schemashift.migration_history TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('schemashift.migration_history', '');

-- The state columns above and their CHECKs repeat the state machines of
-- the C code (src/ledger.c); this compares them and fails on a difference.
CREATE FUNCTION schemashift.ledger_check()
RETURNS TABLE (state_column text, states text, moves text)
AS 'MODULE_PATHNAME', 'schemashift_ledger_check'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION schemashift.ledger_check() IS
'the states and moves of each schemashift state column, once its CHECK constraint is found to match them';

CREATE PROCEDURE schemashift.with_lock_retries(
    statement text,
    attempts integer DEFAULT 40,
    min_lock_timeout interval DEFAULT '100ms',
    max_lock_timeout interval DEFAULT NULL,
    min_sleep interval DEFAULT '50ms',
    max_sleep interval DEFAULT '1min',
    final_attempt_without_timeout boolean DEFAULT false)
AS 'MODULE_PATHNAME', 'schemashift_with_lock_retries'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.with_lock_retries(text, integer, interval, interval, interval, interval, boolean) IS
'run one statement with a short lock_timeout that grows between attempts, each attempt in its own transaction';

CREATE PROCEDURE schemashift.add_constraint(definition text)
AS 'MODULE_PATHNAME', 'schemashift_add_constraint'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.add_constraint(text) IS
'add a CHECK, FOREIGN KEY, UNIQUE or PRIMARY KEY constraint, or SET NOT NULL, without a long lock or a scan under one';

CREATE FUNCTION schemashift.check_constraint_data(definition text,
    OUT constraint_type text, OUT violating_rows bigint, OUT examples jsonb, OUT query text)
AS 'MODULE_PATHNAME', 'schemashift_check_constraint_data'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION schemashift.check_constraint_data(text) IS
'how many existing rows would violate a constraint, with examples, without blocking writers';

CREATE FUNCTION schemashift.plan(
    script text,
    approve text[] DEFAULT NULL,
    expand_type_changes boolean DEFAULT false)
RETURNS TABLE (
    step integer,
    line integer,
    col integer,
    statement text,
    recipe text,
    run text,
    locks text,
    estimate interval,
    notes text,
    refused text,
    way_through text)
AS 'MODULE_PATHNAME', 'schemashift_plan'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION schemashift.plan(text, text[], boolean) IS
'how schemashift.apply() would run a migration script: each step, its recipe, its locks and an estimate; refused steps with their rules and the ways through';

CREATE PROCEDURE schemashift.apply(
    script text,
    migration_id text DEFAULT NULL,
    approve text[] DEFAULT NULL,
    dry_run boolean DEFAULT false,
    expand_type_changes boolean DEFAULT false,
    expand_only boolean DEFAULT false)
AS 'MODULE_PATHNAME', 'schemashift_apply'
LANGUAGE C;
COMMENT ON PROCEDURE schemashift.apply(text, text, text[], boolean, boolean, boolean) IS
'run a migration script the safe way, step by step, recorded in schemashift.migrations; resumable';

CREATE FUNCTION schemashift.migration_status(migration_id text)
RETURNS TABLE (
    migration text,
    status text,
    steps integer,
    steps_done integer,
    current_step integer,
    line integer,
    statement text,
    recipe text,
    error text,
    next text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT m.id, m.status, m.steps,
       (SELECT count(*)::integer FROM schemashift.migration_steps s
         WHERE s.migration_id = m.id AND s.status = 'done'),
       c.step, c.line, c.statement, c.recipe, COALESCE(c.error, m.error),
       CASE m.status
            WHEN 'done' THEN 'nothing: the migration is applied'
            WHEN 'failed' THEN 'fix the cause, then run apply() again with the same script and id: it resumes at step ' || c.step
            WHEN 'reverted' THEN 'nothing: reverted; apply() with this id runs it again as run ' || (m.run + 1)
            WHEN 'reset' THEN 'apply() with this id runs its script again as run ' || (m.run + 1)
            ELSE (SELECT COALESCE('running in process ' || l.pid || ', at step ' || c.step,
                                  'interrupted: run apply() again with the same script and id to resume at step ' || c.step)
                    FROM (SELECT NULL) AS one
                    LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND l.classid = 0 AND l.objsubid = 13 AND l.granted
                         AND l.objid = (hashtext(m.id)::bigint & 4294967295)::text::oid)
       END
  FROM schemashift.migrations m
  LEFT JOIN LATERAL (
       SELECT s.* FROM schemashift.migration_steps s
        WHERE s.migration_id = m.id AND s.status <> 'done'
        ORDER BY s.step LIMIT 1) c ON true
 WHERE m.id = $1
$$;
COMMENT ON FUNCTION schemashift.migration_status(text) IS
'where a migration run through apply() stands: the step it is at and what to do next';

-- A runner's down migration undid a migration apply() had done; apply()
-- with the id runs it again (as a new run, the old one kept in
-- migration_history).  A later revert(migration_id) that runs a generated
-- rollback script ends in the same state.
CREATE FUNCTION schemashift.mark_reverted(migration_id text, reason text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'schemashift_mark_reverted'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION schemashift.mark_reverted(text, text) IS
'record that the runner''s own down script reverted a migration apply() had done: apply() with the id runs it again';

CREATE FUNCTION schemashift.reset(migration_id text, reason text)
RETURNS void
AS 'MODULE_PATHNAME', 'schemashift_reset'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION schemashift.reset(text, text) IS
'end a failed or interrupted migration run (its role or an approver, with a reason): apply() with the id runs the script, perhaps edited, again';
