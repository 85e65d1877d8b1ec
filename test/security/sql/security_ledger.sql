--
-- Attack class: ending a migration run.  schemashift.reset(id, reason) and
-- mark_reverted(id, reason) end a run so that the next apply() of the id
-- runs its script again.  Only the role that ran it (or a member),
-- approvers and superusers may end a run; a run cannot be ended by its
-- own steps while apply() is running them (the next steps would run in a
-- run the ledger no longer has); the reason is data, stored as given or
-- refused, never part of a statement.
--
SELECT security_reset();
SET client_min_messages = warning;
CREATE ROLE regress_ledger_other;
-- a member of regress_app that does not inherit its rights
CREATE ROLE regress_ledger_noinherit NOINHERIT;
GRANT regress_app TO regress_ledger_noinherit;
-- regress_app's migrations: one done, one failed (a duplicate key)
SET ROLE regress_app;
CALL schemashift.apply('CREATE TABLE appschema.sl_done (id int)', 'sl_done');
CALL schemashift.apply($$
CREATE TABLE appschema.sl_failed (code text);
INSERT INTO appschema.sl_failed VALUES ('a'), ('a');
CREATE UNIQUE INDEX sl_failed_code ON appschema.sl_failed (code);
$$, 'sl_failed');
RESET ROLE;
RESET client_min_messages;
SELECT id, status, run_by FROM schemashift.migrations WHERE id LIKE 'sl\_%' ORDER BY id;
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset

-- 1. A role that neither ran the runs nor approves tries to end them, by
-- name and by a look-alike name.  Must hold: permission denied (42501), the
-- look-alike is not in the ledger; nothing is ended, nothing audited.
SET ROLE regress_ledger_other;
SELECT schemashift.mark_reverted('sl_done', 'not mine');
SELECT schemashift.reset('sl_failed', 'not mine');
SELECT schemashift.reset('sl_failed ', 'not mine');
-- nor by writing the ledger itself
UPDATE schemashift.migrations SET status = 'reset' WHERE id = 'sl_failed';
RESET ROLE;

-- 2. A member of regress_app that does not inherit its rights.  Must
-- hold: permission denied (it must SET ROLE regress_app first, and then the
-- ledger names regress_app as the role that ended the run).
SET ROLE regress_ledger_noinherit;
SELECT schemashift.reset('sl_failed', 'a member without its rights');
RESET ROLE;
SELECT id, status, ended_by, end_reason FROM schemashift.migrations WHERE id LIKE 'sl\_%' ORDER BY id;
SELECT count(*) AS audited FROM schemashift.ddl_log
 WHERE id > :log_mark AND command_tag IN ('schemashift.mark_reverted', 'schemashift.reset');

-- 3. The run's own steps end it while apply() runs them: a step resets the
-- run in progress (or marks it reverted), so that the steps after it run
-- in a run the ledger says is over, and the next apply() runs the first
-- steps again.  Must hold: the step is refused (55006, the run is in
-- progress in this session), the migration is failed at that step and the
-- step after it did not run; once apply() has returned, the run's role
-- may reset it.
SET ROLE regress_app;
CALL schemashift.apply($$
CREATE TABLE appschema.sl_order (id int);
SELECT schemashift.reset('sl_self', 'from inside the run');
INSERT INTO appschema.sl_order VALUES (3);
$$, 'sl_self');
RESET ROLE;
SELECT status, error FROM schemashift.migrations WHERE id = 'sl_self';
SELECT step, status FROM schemashift.migration_steps WHERE migration_id = 'sl_self' ORDER BY step;
SELECT count(*) AS inserted FROM appschema.sl_order;
SET ROLE regress_app;
SELECT schemashift.reset('sl_self', 'after the run');
RESET ROLE;
SELECT status, ended_by, end_reason FROM schemashift.migrations WHERE id = 'sl_self';
SET ROLE regress_app;
CALL schemashift.apply($$
CREATE TABLE appschema.sl_order2 (id int);
SELECT schemashift.mark_reverted('sl_order2_run', 'from inside the run');
$$, 'sl_order2_run');
RESET ROLE;
SELECT status, error FROM schemashift.migrations WHERE id = 'sl_order2_run';
-- the same attack from a function the step calls
CREATE FUNCTION public.sl_end_run(id text) RETURNS void LANGUAGE sql
    AS $$ SELECT schemashift.reset(id, 'from a function') $$;
SET ROLE regress_app;
CALL schemashift.apply($$
CREATE TABLE appschema.sl_order3 (id int);
SELECT public.sl_end_run('sl_order3_run');
$$, 'sl_order3_run');
RESET ROLE;
SELECT status, error FROM schemashift.migrations WHERE id = 'sl_order3_run';
SELECT count(*) AS history_rows FROM schemashift.migration_history WHERE id LIKE 'sl\_%';

-- 4. Reasons that try to become SQL, control characters, 10 MB.  Must
-- hold: each is stored exactly as given, in the ledger and in the audit
-- log, and the victims are untouched.
CREATE TABLE public.sl_reasons (n int, reason text);
GRANT SELECT ON public.sl_reasons TO regress_app;
INSERT INTO public.sl_reasons VALUES
  (1, $r$it's done'); DROP TABLE public.victim; --$r$),
  (2, $r$*/ DROP TABLE public.victim2; /* $$ $x$ \$r$),
  (3, E'tab\there, bell\x07, escape\x1b[31m, CR\r, LF\n, DEL\x7f, 0x01\x01'),
  (4, repeat('10 MB of reason. ', 616797));
SELECT n, length(reason) FROM public.sl_reasons ORDER BY n;
SET client_min_messages = warning;
SET ROLE regress_app;
CALL schemashift.apply('CREATE TABLE appschema.sl_r1 (id int)', 'sl_r1');
CALL schemashift.apply('CREATE TABLE appschema.sl_r2 (id int)', 'sl_r2');
CALL schemashift.apply('CREATE TABLE appschema.sl_r3 (id int)', 'sl_r3');
CALL schemashift.apply('CREATE TABLE appschema.sl_r4 (id int)', 'sl_r4');
RESET ROLE;
RESET client_min_messages;
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
SET ROLE regress_app;
SELECT schemashift.mark_reverted('sl_r' || n, reason) FROM public.sl_reasons WHERE n IN (1, 2) ORDER BY n;
SELECT schemashift.mark_reverted('sl_r3', reason) FROM public.sl_reasons WHERE n = 3;
SELECT schemashift.mark_reverted('sl_r4', reason) FROM public.sl_reasons WHERE n = 4;
RESET ROLE;
SELECT r.n, m.end_reason = r.reason AS ledger_exact, l.statement = r.reason AS audit_exact,
       l.objects, pg_catalog.length(m.end_reason) AS stored_length
  FROM public.sl_reasons r
  JOIN schemashift.migrations m ON m.id = 'sl_r' || r.n
  JOIN schemashift.ddl_log l ON l.id > :log_mark AND l.objects = ARRAY[m.id]
 ORDER BY r.n;
-- the next run moves them to migration_history, reasons intact
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP TABLE appschema.sl_r1, appschema.sl_r2, appschema.sl_r3, appschema.sl_r4;
RESET schemashift.mode;
SET ROLE regress_app;
CALL schemashift.apply('CREATE TABLE appschema.sl_r1 (id int)', 'sl_r1');
CALL schemashift.apply('CREATE TABLE appschema.sl_r4 (id int)', 'sl_r4');
RESET ROLE;
RESET client_min_messages;
SELECT r.n, h.end_reason = r.reason AS history_exact, h.run
  FROM public.sl_reasons r JOIN schemashift.migration_history h ON h.id = 'sl_r' || r.n
 ORDER BY r.n;
SELECT * FROM security_victims();

SET client_min_messages = warning;
SET schemashift.mode = off;
DROP TABLE public.sl_reasons;
DROP FUNCTION public.sl_end_run(text);
DROP TABLE IF EXISTS appschema.sl_done, appschema.sl_failed, appschema.sl_order,
    appschema.sl_order2, appschema.sl_order3, appschema.sl_r1, appschema.sl_r4;
RESET schemashift.mode;
DROP ROLE regress_ledger_noinherit;
DROP ROLE regress_ledger_other;
RESET client_min_messages;
