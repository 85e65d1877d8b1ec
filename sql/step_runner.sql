--
-- The step runner (src/retry.c): every attempt of every recipe is recorded
-- in schemashift.lock_attempts with its lock_timeout and outcome, under the
-- apply() step that ran it (statements shown by their first line).
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET schemashift.progress_notices = off;
DELETE FROM schemashift.lock_attempts;
CREATE TABLE sr_items (id bigint PRIMARY KEY, code text);
INSERT INTO sr_items SELECT g, 'c' || g FROM generate_series(1, 100) g;
CREATE VIEW sr_attempts AS
SELECT regexp_replace(split_part(statement, E'\n', 1), '(ss|schemashift_)[0-9]+_', '\1N_', 'g') AS statement, attempt,
       lock_timeout_ms, outcome, migration_id, step
  FROM schemashift.lock_attempts ORDER BY started_at, attempt;

-- index steps run in the worker: a build waits as long as it takes (0)
CALL schemashift.create_index('CREATE INDEX sr_items_code ON sr_items (code)');
CALL schemashift.reindex('sr_items_code');
CALL schemashift.drop_index('sr_items_code');
-- a partitioned table: catalog-only steps under the short lock_timeout
CREATE TABLE sr_parts (id bigint, k int) PARTITION BY RANGE (k);
CREATE TABLE sr_parts_1 PARTITION OF sr_parts FOR VALUES FROM (0) TO (10);
CALL schemashift.create_index('CREATE INDEX sr_parts_k ON sr_parts (k)');
SELECT * FROM sr_attempts;
DELETE FROM schemashift.lock_attempts;

-- expand/contract steps run in the procedure's transaction, one attempt each
CALL schemashift.expand_rename_column('sr_items', 'code', 'label') \gset
CALL schemashift.contract(:change);
SELECT * FROM sr_attempts;
DELETE FROM schemashift.lock_attempts;

-- under apply(), a recipe's attempts are recorded under its step
CALL schemashift.apply($$
CREATE INDEX sr_items_label ON sr_items (label);
$$, 'sr_0001');
SELECT * FROM sr_attempts;
DELETE FROM schemashift.lock_attempts;
