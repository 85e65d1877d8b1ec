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
