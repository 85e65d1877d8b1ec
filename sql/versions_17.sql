-- PostgreSQL 17 and later: ALTER TABLE ... ALTER COLUMN ... SET EXPRESSION
-- (docs/versions.md).  Each answer of lint() is set beside what the server
-- really does: a new relfilenode is a rewrite.
CREATE TABLE v17 (id bigint PRIMARY KEY, a int,
                  s int GENERATED ALWAYS AS (a * 2) STORED);
INSERT INTO v17 (id, a) SELECT g, g FROM generate_series(1, 100) g;
CREATE INDEX v17_s ON v17 (s);
CREATE FUNCTION v17_file(rel regclass) RETURNS oid LANGUAGE sql
  AS $$SELECT relfilenode FROM pg_class WHERE oid = rel$$;

-- a stored generated column is computed again for every row: a rewrite
SELECT stmt, rule, level, object, lock, rewrites
  FROM lr('ALTER TABLE v17 ALTER COLUMN s SET EXPRESSION AS (a * 3);');
SELECT v17_file('v17') AS table_before, v17_file('v17_s') AS index_before \gset
BEGIN;
ALTER TABLE v17 ALTER COLUMN s SET EXPRESSION AS (a * 3);
SELECT mode FROM pg_locks
 WHERE locktype = 'relation' AND relation = 'v17'::regclass AND pid = pg_backend_pid()
 ORDER BY mode;
COMMIT;
SELECT v17_file('v17') <> :table_before AS table_rewritten,
       v17_file('v17_s') <> :index_before AS index_rebuilt,
       (SELECT s FROM v17 WHERE id = 7) AS s_of_7;

-- a column the catalog does not know is taken for a stored one
SELECT stmt, rule, rewrites
  FROM lr('ALTER TABLE v17 ALTER COLUMN nope SET EXPRESSION AS (a * 3);');
-- a table this script creates may be changed freely
SELECT stmt, rule FROM lr($$
CREATE TABLE v17_new (a bigint, s bigint GENERATED ALWAYS AS (a * 2) STORED);
ALTER TABLE v17_new ALTER COLUMN s SET EXPRESSION AS (a * 3);
$$);

-- 17: SET ACCESS METHOD on a partitioned table sets the default of new
-- partitions and rewrites nothing (it never recurses); nor does SET
-- TABLESPACE on one (on any version)
CREATE TABLE v17_parts (id int, a int) PARTITION BY RANGE (id);
CREATE TABLE v17_part1 PARTITION OF v17_parts FOR VALUES FROM (0) TO (1000);
INSERT INTO v17_parts SELECT g, g FROM generate_series(1, 100) g;
SELECT count(*) AS findings FROM lr($$
ALTER TABLE v17_parts SET ACCESS METHOD heap;
ALTER TABLE v17_parts SET TABLESPACE pg_default;
$$);
SELECT v17_file('v17_part1') AS part_before \gset
ALTER TABLE v17_parts SET ACCESS METHOD heap;
SELECT v17_file('v17_part1') = :part_before AS partition_kept_storage,
       (SELECT amname FROM pg_am JOIN pg_class c ON c.relam = pg_am.oid
         WHERE c.oid = 'v17_parts'::regclass) AS parent_access_method;
DROP TABLE v17_parts;

-- the guard says the same as lint()
SET schemashift.mode = warn;
ALTER TABLE v17 ALTER COLUMN s SET EXPRESSION AS (a * 4);
RESET schemashift.mode;
DROP TABLE v17;
DROP FUNCTION v17_file(regclass);
