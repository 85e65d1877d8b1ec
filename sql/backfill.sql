--
-- CALL schemashift.backfill: batched, resumable UPDATEs.
--
\set SHOW_CONTEXT never
SET schemashift.progress_notices = off;

-- ids with gaps, past 9: batches must follow the key's order, not its text
CREATE TABLE bf_items (id bigint PRIMARY KEY, a bigint, b text);
INSERT INTO bf_items SELECT g, g, NULL FROM generate_series(1, 23) g;
DELETE FROM bf_items WHERE id IN (5, 6, 7);

-- 1. every row in batches of 5: 4 batches with rows, a fifth finds none
CALL schemashift.backfill('bf_items', 'b = a::text || ''x''', batch_size => 5);
SELECT count(*) FILTER (WHERE b = a::text || 'x') AS right_rows, count(*) AS all_rows FROM bf_items;
SELECT id, kind, target, key_columns, last_key, units, done, rows_updated, batches, status
  FROM schemashift.jobs ORDER BY id;

-- a second run asked for changes nothing: rows already holding the value
-- are skipped; without rerun => true, the finished job is not run again
CALL schemashift.backfill('bf_items', 'b = a::text || ''x''', batch_size => 5, rerun => true);
SELECT id, rows_updated, batches, status FROM schemashift.jobs WHERE id = 2;
CALL schemashift.backfill('bf_items', 'b = a::text || ''x''', batch_size => 5);

-- where_clause limits the rows; comments in either clause end at their line
CALL schemashift.backfill('bf_items', 'b = ''big'' -- marks the big ones', 'a > 20 -- only these');
SELECT id, b FROM bf_items WHERE b = 'big' ORDER BY id;

-- the progress view shows finished jobs and the statement they ran
SELECT kind, job, target, status, phase, units, done, total, percent, rows_updated, batches, eta, statement
  FROM schemashift.progress ORDER BY job;

-- 2. a unique key on NOT NULL columns when there is no primary key
CREATE TABLE bf_pairs (x int NOT NULL, y text NOT NULL, v int, UNIQUE (x, y));
INSERT INTO bf_pairs SELECT g % 3, g::text, NULL FROM generate_series(1, 50) g;
CALL schemashift.backfill('bf_pairs', 'v = x + 1', batch_size => 7);
SELECT count(*) FILTER (WHERE v = x + 1) AS right_rows FROM bf_pairs;
SELECT key_columns, last_key, done, batches FROM schemashift.jobs WHERE target = 'public.bf_pairs';

-- 3. no key at all: ranges of blocks (TID Range Scan)
CREATE TABLE bf_heap (a int, b int);
INSERT INTO bf_heap SELECT g, NULL FROM generate_series(1, 2000) g;
ANALYZE bf_heap;
CALL schemashift.backfill('bf_heap', 'b = a * 2', batch_size => 500);
SELECT count(*) FILTER (WHERE b = a * 2) AS right_rows FROM bf_heap;
SELECT key_columns, units, done = total AS all_blocks, rows_updated, status FROM schemashift.jobs WHERE target = 'public.bf_heap';

-- 4. types without "=" are compared by their text
CREATE TABLE bf_points (id int PRIMARY KEY, p point);
INSERT INTO bf_points SELECT g, NULL FROM generate_series(1, 10) g;
CALL schemashift.backfill('bf_points', 'p = point(id, id)');
CALL schemashift.backfill('bf_points', 'p = point(id, id)', rerun => true);
SELECT rows_updated FROM schemashift.jobs WHERE target = 'public.bf_points' ORDER BY id;

-- 5. hostile names are quoted everywhere
CREATE TABLE "bf ""odd"" table" ("Key" int PRIMARY KEY, "sel ect" text);
INSERT INTO "bf ""odd"" table" SELECT g, NULL FROM generate_series(1, 5) g;
CALL schemashift.backfill('"bf ""odd"" table"', '"sel ect" = ''k'' || "Key"', batch_size => 2);
SELECT * FROM "bf ""odd"" table" ORDER BY 1;

-- 6. bad input: clear errors at the position in the caller's text
CALL schemashift.backfill('bf_items', 'nope = 1');
CALL schemashift.backfill('bf_items', 'b = nope + 1');
CALL schemashift.backfill('bf_items', 'b = (1');
CALL schemashift.backfill('bf_items', 'b = 1 WHERE true');
CALL schemashift.backfill('bf_items', 'b = 1; DROP TABLE bf_items');
CALL schemashift.backfill('bf_items', 'b = ''x''', 'a > 3) OR (true');
CALL schemashift.backfill('bf_items', 'b = ''x''', 'a > 3 ORDER BY 1');
CALL schemashift.backfill('bf_items', 'b = ''x''', 'zzz > 3');
CALL schemashift.backfill('bf_items', 'b = ''x''', 'a');
CALL schemashift.backfill('bf_items', '(a, b) = (1, ''x'')');
CALL schemashift.backfill('bf_items', 'b = DEFAULT');
CALL schemashift.backfill('bf_items', 'id = id + 1');
CALL schemashift.backfill('bf_items', 'a = ''not a number''');
CALL schemashift.backfill('bf_nope', 'b = 1');
CALL schemashift.backfill(NULL, 'b = 1');
CALL schemashift.backfill('bf_items', NULL);
CALL schemashift.backfill('bf_items', 'b = ''1''', batch_size => 0);
CALL schemashift.backfill('bf_items', 'b = ''1''', pause => '-1s');
BEGIN;
CALL schemashift.backfill('bf_items', 'b = ''1''');
ROLLBACK;
CREATE TABLE bf_parted (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE bf_parted_1 PARTITION OF bf_parted FOR VALUES FROM (0) TO (100);
CALL schemashift.backfill('bf_parted', 'v = 1');
-- a failing batch marks the job failed; the error is the server's own
CALL schemashift.backfill('bf_items', 'a = 1 / (a - 10)', batch_size => 5);
SELECT status, error, rows_updated FROM schemashift.jobs WHERE set_clause = 'a = 1 / (a - 10)';
SELECT count(*) AS unchanged_rows FROM bf_items WHERE a = id;

-- 7. privileges: the caller's own; a superuser acts as the table owner
CREATE ROLE bf_owner;
CREATE ROLE bf_other;
CREATE TABLE bf_owned (id int PRIMARY KEY, v text, who text);
INSERT INTO bf_owned SELECT g, NULL, NULL FROM generate_series(1, 4) g;
ALTER TABLE bf_owned OWNER TO bf_owner;
CREATE FUNCTION bf_who() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.who := current_user;
  RETURN NEW;
END $$;
CREATE TRIGGER bf_who BEFORE UPDATE ON bf_owned FOR EACH ROW EXECUTE FUNCTION bf_who();
CALL schemashift.backfill('bf_owned', 'v = ''set''');
SELECT DISTINCT v, who FROM bf_owned;
SET ROLE bf_other;
CALL schemashift.backfill('bf_owned', 'v = ''other''');
RESET ROLE;
GRANT SELECT, UPDATE (v) ON bf_owned TO bf_other;
SET ROLE bf_other;
CALL schemashift.backfill('bf_owned', 'v = ''other''', 'id > 2');
-- the job tables are not for ordinary roles to write, or read
UPDATE schemashift.jobs SET status = 'done';
SELECT count(*) FROM schemashift.jobs;
-- the progress view hides other roles' statements
SELECT job, statement FROM schemashift.progress WHERE target = 'public.bf_owned' ORDER BY job;
RESET ROLE;
SELECT DISTINCT v, who FROM bf_owned;
SELECT id, run_by FROM schemashift.jobs WHERE target = 'public.bf_owned' ORDER BY id;
