--
-- Progress lines of long procedures: schemashift.progress_level and
-- schemashift.progress_interval.  The rate and the time left vary from run
-- to run: they are the lines' DETAIL, which terse verbosity leaves out.
--
\set SHOW_CONTEXT never
\set VERBOSITY terse
-- what ActiveRecord sets: the procedures' own NOTICEs (job numbers) are not
-- shown, the progress lines at warning or info are
SET client_min_messages = warning;

-- the defaults: a NOTICE every 10 s, as before these settings
SHOW schemashift.progress_interval;
SHOW schemashift.progress_level;

-- the levels a runner's log may show; an error is not one of them
SET schemashift.progress_level = error;
SET schemashift.progress_interval = -2;

-- settings of the session, not policy: an ordinary role sets them
CREATE ROLE pr_runner;
CREATE TABLE pr_items (id int PRIMARY KEY, a int, b int);
ALTER TABLE pr_items OWNER TO pr_runner;
INSERT INTO pr_items SELECT g, g, NULL FROM generate_series(1, 20) g;
ANALYZE pr_items;
SET ROLE pr_runner;
SET schemashift.progress_level = warning;
SET schemashift.progress_interval = -1;

-- 1. one WARNING per batch (the last batch, which finds the end, ends the
-- job instead): done of total (the table's row estimate), never row data
CALL schemashift.backfill('pr_items', 'b = a * 2', batch_size => 6);
RESET ROLE;

-- 2. a resumed job counts what its earlier run did: the first run fails at
-- id 13 (division by zero) after two batches, the second goes on from there
UPDATE pr_items SET b = NULL;
CALL schemashift.backfill('pr_items', 'b = 100 / (a - 13)', batch_size => 6);
UPDATE pr_items SET a = 14 WHERE id = 13;
CALL schemashift.backfill('pr_items', 'b = 100 / (a - 13)', batch_size => 6);
SELECT done, total, batches, status FROM schemashift.jobs
 WHERE target = 'public.pr_items' ORDER BY id DESC LIMIT 1;

-- 3. no key: batches of blocks, counted in blocks of the table's size
CREATE TABLE pr_heap (a int, b int) WITH (fillfactor = 10);
INSERT INTO pr_heap SELECT g, NULL FROM generate_series(1, 100) g;
ANALYZE pr_heap;
SET schemashift.progress_level = info;
CALL schemashift.backfill('pr_heap', 'b = a', batch_size => 30);

-- 4. LOG goes to the server's log, not to this client (test/t/014_progress.pl
-- reads it there)
SET schemashift.progress_level = log;
CALL schemashift.backfill('pr_items', 'b = a + 1', batch_size => 10);

-- 5. 0 turns the lines off; so does progress_notices = off, at any level
SET schemashift.progress_level = warning;
SET schemashift.progress_interval = 0;
CALL schemashift.backfill('pr_items', 'b = a + 3', batch_size => 10);
SET schemashift.progress_interval = -1;
SET schemashift.progress_notices = off;
CALL schemashift.backfill('pr_items', 'b = a + 4', batch_size => 10);
RESET schemashift.progress_notices;

-- 6. an interval longer than the run prints nothing in between
SET schemashift.progress_interval = '1h';
CALL schemashift.backfill('pr_items', 'b = a + 5', batch_size => 10);

RESET schemashift.progress_interval;
RESET schemashift.progress_level;
RESET client_min_messages;
DROP TABLE pr_items, pr_heap;
DROP ROLE pr_runner;
