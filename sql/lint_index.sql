-- Index builds, drops, rebuilds, refreshes and CONCURRENTLY.
CREATE TABLE idx_t (a int, b int);

SELECT stmt, rule, level, object, lock FROM lr($$
CREATE INDEX idx_t_a ON idx_t (a);
CREATE UNIQUE INDEX ON idx_t (b);
CREATE INDEX CONCURRENTLY idx_t_b ON idx_t (b);
$$);

-- a table created earlier in the script is not in anyone's way
SELECT count(*) FROM lr($$
CREATE TABLE fresh (a bigint);
CREATE INDEX fresh_a ON fresh (a);
DROP INDEX fresh_a;
$$);

-- drops and rebuilds
SELECT stmt, rule, object, lock FROM lr($$
DROP INDEX idx_t_a;
DROP INDEX CONCURRENTLY IF EXISTS idx_t_a;
REINDEX INDEX idx_t_a;
REINDEX TABLE CONCURRENTLY idx_t;
REINDEX (CONCURRENTLY) TABLE idx_t;
REINDEX SYSTEM contrib_regression;
$$);

-- every CONCURRENTLY form fails inside a transaction block
SELECT stmt, rule FROM lr($$
BEGIN;
CREATE INDEX CONCURRENTLY i1 ON idx_t (a);
DROP INDEX CONCURRENTLY i1;
REINDEX INDEX CONCURRENTLY i1;
ALTER TABLE parted DETACH PARTITION parted_1 CONCURRENTLY;
COMMIT;
$$);
-- ... and when the migration tool wraps the script in one transaction
SELECT stmt, rule FROM lr('CREATE INDEX CONCURRENTLY i2 ON idx_t (a);', in_transaction => true);
-- ... unless the file says it is not run in a transaction
SELECT count(*) FROM lr($$-- schemashift:disable-assume-in-transaction
CREATE INDEX CONCURRENTLY i2 ON idx_t (a);$$, in_transaction => true);

-- partitioned tables: CIC fails there in PostgreSQL 15 (the catalog tells)
CREATE TABLE parted (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
SELECT stmt, rule, object FROM lr($$
CREATE INDEX CONCURRENTLY parted_at ON parted (at);
CREATE INDEX CONCURRENTLY parted_1_at ON parted_1 (at);
CREATE INDEX parted_at2 ON parted (at);
ALTER TABLE parted DETACH PARTITION parted_1;
ALTER TABLE parted DETACH PARTITION parted_1 FINALIZE;
$$);
-- the recipe: each partition concurrently, the parent ON ONLY (catalog
-- only), then ATTACH: no finding
SELECT stmt, rule, object FROM lr($$
CREATE INDEX CONCURRENTLY parted_1_at ON parted_1 (at);
CREATE INDEX parted_at ON ONLY parted (at);
ALTER INDEX parted_at ATTACH PARTITION parted_1_at;
$$);

-- materialized views
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;
SELECT stmt, rule, lock FROM lr($$
REFRESH MATERIALIZED VIEW mv;
REFRESH MATERIALIZED VIEW CONCURRENTLY mv;
$$);
