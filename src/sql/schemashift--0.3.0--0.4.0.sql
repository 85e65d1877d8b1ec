/* schemashift 0.3.0 -> 0.4.0 (ALTER EXTENSION schemashift UPDATE) */

\echo Use "ALTER EXTENSION schemashift UPDATE TO '0.4.0'" to load this file. \quit

-- Every row of 0.3.0 stays; no table changes.  The objects whose
-- definition changed are created again here as schemashift--0.4.0.sql
-- creates them, so that an updated installation and a fresh one have the
-- same objects.

-- ---------------------------------------------------------------------
-- schemashift.progress: a job's last key is row data, shown only to the
-- roles that see its statement.
-- ---------------------------------------------------------------------

-- What schemashift is doing and did: index builds of its executor (while
-- they run) and batched jobs (running and finished).  A job's statement and
-- last key (row data) are shown to the role that ran it, its members, and
-- pg_read_all_stats.
CREATE OR REPLACE VIEW schemashift.progress AS
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
       CASE WHEN s.privileged THEN j.last_key END,
       j.rate,
       CASE WHEN s.status OPERATOR(pg_catalog.=) 'running' AND j.rate OPERATOR(pg_catalog.>) 0
            THEN pg_catalog.make_interval(secs => GREATEST(j.total OPERATOR(pg_catalog.-) j.done, 0) OPERATOR(pg_catalog./) j.rate) END,
       j.started_at,
       j.updated_at,
       CASE WHEN s.privileged
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
             THEN 'interrupted' ELSE j.status END AS status,
             -- by OID: a name whose role was dropped must not break the view
             EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                      WHERE r.rolname OPERATOR(pg_catalog.=) j.run_by
                        AND pg_catalog.pg_has_role(r.oid, 'USAGE'))
             OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') AS privileged) s;
COMMENT ON VIEW schemashift.progress IS
'schemashift operations: index builds while they run, and batched jobs (running, interrupted, done, failed, canceled)';
GRANT SELECT ON schemashift.progress TO PUBLIC;
