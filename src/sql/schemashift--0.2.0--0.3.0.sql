/* schemashift 0.2.0 -> 0.3.0 (ALTER EXTENSION schemashift UPDATE) */

\echo Use "ALTER EXTENSION schemashift UPDATE TO '0.3.0'" to load this file. \quit

-- Every row of 0.2.0 stays.  Columns new in 0.3.0 are added at the end of
-- their tables, where schemashift--0.3.0.sql also puts them, so that an
-- updated installation and a fresh one have the same objects; functions
-- whose signature changes are dropped and created again here.

-- ---------------------------------------------------------------------
-- Ledger semantics for migration runners (issue 19): a run can be
-- reverted (mark_reverted) or reset and run again under the same id, the
-- earlier runs kept in migration_history; apply(..., expand_only).
-- ---------------------------------------------------------------------

ALTER TABLE schemashift.migrations
    DROP CONSTRAINT migrations_status_check,
    ADD CONSTRAINT migrations_status_check
        CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'done', 'failed', 'reverted', 'reset'])),
    ADD COLUMN run integer NOT NULL DEFAULT 1,
    ADD COLUMN ended_by name,
    ADD COLUMN ended_at timestamptz,
    ADD COLUMN end_reason text,
    ADD COLUMN expand_only boolean NOT NULL DEFAULT false;

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
REVOKE ALL ON schemashift.migration_history FROM PUBLIC;
GRANT SELECT ON schemashift.migration_history TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('schemashift.migration_history', '');

DROP PROCEDURE schemashift.apply(text, text, text[], boolean, boolean);
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

CREATE OR REPLACE FUNCTION schemashift.migration_status(migration_id text)
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

-- ---------------------------------------------------------------------
-- Expand/contract by name: contract() and abort() by table and column,
-- and the call to run next on each open change.
-- ---------------------------------------------------------------------

ALTER TABLE schemashift.changes ADD COLUMN next_call text;
-- the changes 0.2.0 left open get theirs as the library writes it (expand.c)
UPDATE schemashift.changes SET next_call = CASE
    WHEN state OPERATOR(pg_catalog.=) 'ready'
    THEN 'CALL schemashift.contract(' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(target)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(column_name) OPERATOR(pg_catalog.||) ')'
    WHEN kind OPERATOR(pg_catalog.=) 'alter_column_type'
    THEN 'CALL schemashift.expand_alter_column_type(' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(target)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(column_name)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(new_type)
         OPERATOR(pg_catalog.||) COALESCE(', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(using_expr), '') OPERATOR(pg_catalog.||) ')'
    WHEN kind OPERATOR(pg_catalog.=) 'rename_column'
    THEN 'CALL schemashift.expand_rename_column(' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(target)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(column_name)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(new_column) OPERATOR(pg_catalog.||) ')'
    ELSE 'CALL schemashift.expand_add_column(' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(target)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(column_name)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(new_type)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.quote_nullable(default_expr)
         OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) not_null::pg_catalog.text OPERATOR(pg_catalog.||) ')' END
 WHERE state OPERATOR(pg_catalog.<>) ALL (ARRAY['contracted', 'aborted']);

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

-- ---------------------------------------------------------------------
-- with_lock_retries: max_lock_timeout defaults to NULL, computed in C
-- (schemashift.lock_timeout caps every attempt unless the caller asks).
-- ---------------------------------------------------------------------

CREATE OR REPLACE PROCEDURE schemashift.with_lock_retries(
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

-- ---------------------------------------------------------------------
-- plan() shows every step: the refused ones with their rules and the
-- ways through (two columns more).
-- ---------------------------------------------------------------------

DROP FUNCTION schemashift.plan(text, text[], boolean);
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

-- schemashift.rules() gains its last column, family (the guard reports by
-- family, docs/guard.md).
DROP FUNCTION schemashift.rules();
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
