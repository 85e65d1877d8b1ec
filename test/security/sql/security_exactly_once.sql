--
-- Attack class: crash windows and re-runs (exactly-once).  A backfill
-- called again after it finished, or a recipe step run again because its
-- stamp in the ledger was lost, must not apply a non-idempotent change a
-- second time (issue 15, items 6 and 12).  The crashes themselves (a server
-- stop between a finished job and its step's stamp, a backfill killed
-- mid-run) are in test/security/t/003_exactly_once.pl; here the windows are
-- reproduced by a superuser putting the ledger back into the state a crash
-- leaves.  Job ids depend on what ran before: NOTICEs that name them are
-- kept out of the output (client_min_messages, terse verbosity).
--
SELECT security_reset();
\set VERBOSITY terse
SET client_min_messages = warning;

-- a table big enough for apply() to batch its UPDATE (lint: not small),
-- owned by the ordinary role; n starts at id, so n - id counts the updates
-- a row received
SET schemashift.mode = off;
CREATE TABLE public.big (id int PRIMARY KEY, n int NOT NULL);
INSERT INTO public.big SELECT g, g FROM generate_series(1, 12000) g;
ALTER TABLE public.big OWNER TO regress_app;
ANALYZE public.big;
-- fails every batch past id 10000 while eo.stop is on
CREATE FUNCTION public.big_stop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id > 10000 AND current_setting('eo.stop', true) = 'on' THEN
        RAISE EXCEPTION 'big_stop: stopped';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER big_stop BEFORE UPDATE ON public.big
    FOR EACH ROW EXECUTE FUNCTION public.big_stop();
RESET schemashift.mode;
CREATE FUNCTION big_updates() RETURNS TABLE (updates int, nrows bigint)
LANGUAGE sql AS $$
    SELECT n - id, count(*) FROM public.big GROUP BY 1 ORDER BY 1
$$;

-- 1. item 12: the owner backfills victim with a non-idempotent SET, then
-- calls the very same backfill again.  Must hold: the second CALL is a
-- no-op that says so; every row is n + 1 (sum 500500 + 1000).
SET ROLE regress_app;
CALL schemashift.backfill('victim', 'n = n + 1');
SET client_min_messages = notice;
CALL schemashift.backfill('victim', 'n = n + 1');
SET client_min_messages = warning;
RESET ROLE;
SELECT * FROM security_victims();

-- 2. the same backfill with other batching, throttling or retry arguments
-- is still the same job.  Must hold: nothing changes (sum 501500).
SET ROLE regress_app;
SET client_min_messages = notice;
CALL schemashift.backfill('victim', 'n = n + 1', NULL, batch_size => 7, pause => '0',
                          lock_timeout => '5s', batch_timeout => '10s', retries => 0);
SET client_min_messages = warning;
RESET ROLE;
SELECT * FROM security_victims();

-- 3. another role with UPDATE on the table calls the finished backfill.
-- Must hold: a job is the table's, whoever calls it: nothing changes.
GRANT UPDATE, SELECT ON public.victim TO regress_approver;
SET ROLE regress_approver;
SET client_min_messages = notice;
CALL schemashift.backfill('public.victim', 'n = n + 1');
SET client_min_messages = warning;
RESET ROLE;
REVOKE UPDATE, SELECT ON public.victim FROM regress_approver;
SELECT * FROM security_victims();

-- 4. rerun => true asks for a second run: it happens, once (sum 502500).
-- A call after it is a no-op again.
SET ROLE regress_app;
CALL schemashift.backfill('victim', 'n = n + 1', rerun => true);
SET client_min_messages = notice;
CALL schemashift.backfill('victim', 'n = n + 1');
SET client_min_messages = warning;
RESET ROLE;
SELECT set_clause, status, rows_updated FROM schemashift.jobs
 WHERE relid = 'public.victim'::regclass ORDER BY id;
SELECT * FROM security_victims();

-- 5. a where_clause makes it another backfill (a different job): it runs.
-- Must hold: only the rows it names change (ids 1..10: sum + 10).
SET ROLE regress_app;
CALL schemashift.backfill('victim', 'n = n + 1', 'id <= 10');
SET client_min_messages = notice;
CALL schemashift.backfill('victim', 'n = n + 1', 'id <= 10');
SET client_min_messages = warning;
RESET ROLE;
SELECT * FROM security_victims();

-- 6. item 6 without the crash: apply() batches the UPDATE; then a
-- superuser puts the ledger back where a server stop between the finished
-- job and the step's stamp leaves it (step and migration running), and the
-- same apply() runs, as migration_status advises.  Must hold: the step
-- finds its finished job and is just stamped: every row updated once.
SET ROLE regress_app;
CALL schemashift.apply('UPDATE big SET n = n + 1;', 'eo_m1');
RESET ROLE;
SELECT step, recipe, status FROM schemashift.migration_steps WHERE migration_id = 'eo_m1';
SELECT * FROM big_updates();
UPDATE schemashift.migration_steps SET status = 'running', finished_at = NULL, duration = NULL
 WHERE migration_id = 'eo_m1';
UPDATE schemashift.migrations SET status = 'running', finished_at = NULL WHERE id = 'eo_m1';
SELECT status, current_step, next FROM schemashift.migration_status('eo_m1');
SET ROLE regress_app;
SET client_min_messages = notice;
CALL schemashift.apply('UPDATE big SET n = n + 1;', 'eo_m1');
SET client_min_messages = warning;
RESET ROLE;
SELECT * FROM big_updates();
SELECT status, steps_done FROM schemashift.migration_status('eo_m1');
SELECT count(*) AS jobs, sum(rows_updated) AS rows_updated FROM schemashift.jobs
 WHERE relid = 'public.big'::regclass;

-- 7. the same apply() after it is done.  Must hold: skipped, nothing
-- changes.
SET ROLE regress_app;
SET client_min_messages = notice;
CALL schemashift.apply('UPDATE big SET n = n + 1;', 'eo_m1');
SET client_min_messages = warning;
RESET ROLE;
SELECT * FROM big_updates();

-- 8. a migration's backfill is tied to its step: the same UPDATE in
-- another migration runs (it is another step), and a plain CALL with the
-- same text does not count as either.  Must hold: each runs once, so
-- every row is at n + 3.
SET ROLE regress_app;
CALL schemashift.apply('UPDATE big SET n = n + 1;', 'eo_m2');
CALL schemashift.backfill('big', 'n = n + 1');
RESET ROLE;
SELECT * FROM big_updates();

-- 9. a migration's backfill fails half-way (batches past id 10000 fail);
-- the owner then runs the step's CALL by hand (schemashift.migration_steps
-- shows it), which would start a second job over the rows already done.
-- Must hold: the hand-run CALL is refused while the step's job is
-- unfinished; after the cause is fixed, the same apply() resumes the job
-- after its last batch: every row updated once.
SET ROLE regress_app;
SET eo.stop = on;
CALL schemashift.apply('UPDATE big SET n = 1 + n;', 'eo_m3');
RESET ROLE;
SELECT status, current_step, error FROM schemashift.migration_status('eo_m3');
SELECT * FROM big_updates();
SET ROLE regress_app;
RESET eo.stop;
CALL schemashift.backfill('public.big', 'n = 1 + n');
SELECT * FROM big_updates();
CALL schemashift.apply('UPDATE big SET n = 1 + n;', 'eo_m3');
RESET ROLE;
SELECT * FROM big_updates();
SELECT status, steps_done FROM schemashift.migration_status('eo_m3');
SELECT status, runs, rows_updated FROM schemashift.jobs
 WHERE relid = 'public.big'::regclass ORDER BY id DESC LIMIT 1;

-- 10. the same UPDATE twice in one migration is two steps, two jobs: each
-- runs once (n + 2).  Then the second step's stamp is taken back (the
-- window after its job) and the same apply() runs.  Must hold: the step
-- finds its own job done, not the first step's: still n + 2.
SET ROLE regress_app;
CALL schemashift.apply('UPDATE big SET n = n + 1; UPDATE big SET n = n + 1;', 'eo_m4');
RESET ROLE;
SELECT * FROM big_updates();
UPDATE schemashift.migration_steps SET status = 'running' WHERE migration_id = 'eo_m4' AND step = 2;
UPDATE schemashift.migrations SET status = 'running' WHERE id = 'eo_m4';
SET ROLE regress_app;
SET client_min_messages = notice;
CALL schemashift.apply('UPDATE big SET n = n + 1; UPDATE big SET n = n + 1;', 'eo_m4');
SET client_min_messages = warning;
RESET ROLE;
SELECT * FROM big_updates();
SELECT step, status FROM schemashift.migration_steps WHERE migration_id = 'eo_m4' ORDER BY step;

-- 11. the other recipes in the same window: an online index, a safe
-- CHECK and an online drop, each done but its stamp taken back, then the
-- same apply().  Must hold: each finds its work done and only stamps
-- (one valid index, one validated constraint, the dropped index gone).
SET ROLE regress_app;
CREATE INDEX CONCURRENTLY big_n_old ON public.big (n);
CALL schemashift.apply('CREATE INDEX big_n ON big (n);
ALTER TABLE big ADD CONSTRAINT big_n_pos CHECK (n > 0);
DROP INDEX big_n_old;', 'eo_m5');
RESET ROLE;
SELECT step, recipe, status FROM schemashift.migration_steps WHERE migration_id = 'eo_m5' ORDER BY step;
UPDATE schemashift.migration_steps SET status = 'running' WHERE migration_id = 'eo_m5';
UPDATE schemashift.migrations SET status = 'running' WHERE id = 'eo_m5';
SET ROLE regress_app;
SET client_min_messages = notice;
CALL schemashift.apply('CREATE INDEX big_n ON big (n);
ALTER TABLE big ADD CONSTRAINT big_n_pos CHECK (n > 0);
DROP INDEX big_n_old;', 'eo_m5');
SET client_min_messages = warning;
RESET ROLE;
SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = 'public.big'::regclass ORDER BY 1;
SELECT conname, convalidated FROM pg_constraint
 WHERE conrelid = 'public.big'::regclass AND contype = 'c';
SELECT status, steps_done FROM schemashift.migration_status('eo_m5');
SELECT * FROM big_updates();

-- 12. an ordinary role cannot mark a job done, or another job unfinished,
-- to make a backfill skip or repeat.  Must hold: permission denied.
SET ROLE regress_app;
UPDATE schemashift.jobs SET status = 'running';
INSERT INTO schemashift.jobs (id, kind, relid, target, set_clause, key_columns, units,
                              batch_size, status, run_by)
VALUES (1000, 'backfill', 'public.big'::regclass, 'public.big', 'n = n + 1', 'id', 'rows',
        1, 'done', 'regress_app');
RESET ROLE;
SELECT * FROM security_victims();

SET schemashift.mode = off;
DROP TABLE public.big;
DROP FUNCTION public.big_stop();
RESET schemashift.mode;
DROP FUNCTION big_updates();
RESET client_min_messages;
