--
-- Class: routes through schemashift's own procedures (issue 15, items 1
-- and 5).  Every statement a procedure runs that its recipe did not
-- generate is guarded as if run directly; a recipe step is exempt only
-- from its recipe's rule, for the exact statement it generated.
--
\set SHOW_CONTEXT never
SELECT security_reset();
SET client_min_messages = warning;
-- an ordinary role's function that runs DDL when called
CREATE FUNCTION public.evil() RETURNS int LANGUAGE plpgsql AS $$
BEGIN EXECUTE 'DROP TABLE public.victim'; RETURN 1; END $$;
CREATE FUNCTION public.evil2(int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN EXECUTE 'DROP TABLE public.victim2'; RETURN true; END $$;
ALTER FUNCTION public.evil() OWNER TO regress_app;
ALTER FUNCTION public.evil2(int) OWNER TO regress_app;
RESET client_min_messages;

SET ROLE regress_app;

-- 1a. apply() runs a DO block as written: the DROP it builds at run time is
-- guarded
CALL schemashift.apply($s$DO $d$ BEGIN EXECUTE format('DROP TABLE %s', 'public.victim'); END $d$;$s$, 'x1');
\echo :LAST_ERROR_SQLSTATE
-- 1a'. a DROP lint can read inside the block is refused before it runs
CALL schemashift.apply($s$DO $d$ BEGIN EXECUTE 'DROP TABLE public.victim'; END $d$;$s$, 'x1s');
\echo :LAST_ERROR_SQLSTATE
-- 1b. IF NOT EXISTS on an existing table does not make it new
CALL schemashift.apply('CREATE TABLE IF NOT EXISTS victim (id int); DROP TABLE victim;', 'x2');
\echo :LAST_ERROR_SQLSTATE
-- 1c. a table of the same name in another schema does not make it new
CALL schemashift.apply('CREATE TABLE appschema.victim (id int); ALTER TABLE victim DROP COLUMN secret;', 'x3');
\echo :LAST_ERROR_SQLSTATE
-- 1d. a function that runs DDL, called by a statement run as written
CALL schemashift.apply('SELECT public.evil();', 'x4');
\echo :LAST_ERROR_SQLSTATE
-- 1e. the same through a transaction block step
CALL schemashift.apply('BEGIN; SELECT public.evil(); COMMIT;', 'x5');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM security_victims();

-- 5. add_constraint's CHECK calls a function that drops another table:
-- the DROP runs inside the recipe's statement, and is guarded
CALL schemashift.add_constraint('ALTER TABLE victim ADD CONSTRAINT ck CHECK (public.evil2(id))');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM security_victims();
-- (the recipe stopped after adding the constraint NOT VALID; drop it)
ALTER TABLE victim DROP CONSTRAINT ck;

-- 5b. with_lock_retries runs the statement it is given under the guard
CALL schemashift.with_lock_retries('DROP TABLE victim2');
\echo :LAST_ERROR_SQLSTATE
CALL schemashift.with_lock_retries('SELECT public.evil()');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM security_victims();
RESET ROLE;

-- The blocked attempts left no audit rows (they rolled back), and the
-- migrations that were refused are recorded failed or not at all.
SELECT id, status, error IS NOT NULL AS has_error
  FROM schemashift.migrations ORDER BY id;

--
-- What still works: every recipe, run by the owner in enforce mode,
-- passes the guard for the statements it generated, and a migration's
-- statements on the tables it created count those tables as new.
--
SET ROLE regress_app;
CALL schemashift.apply('CREATE TABLE r_new (id int, v int);
CREATE INDEX r_new_v ON r_new (v);
ALTER TABLE r_new ADD CONSTRAINT r_new_pk PRIMARY KEY (id);
DROP TABLE r_new;', 'ok1');
CALL schemashift.add_constraint('ALTER TABLE victim ADD CONSTRAINT victim_n_pos CHECK (n > 0)');
CALL schemashift.add_constraint('ALTER TABLE victim2 ALTER COLUMN n SET NOT NULL');
CALL schemashift.add_constraint('ALTER TABLE victim2 ADD CONSTRAINT victim2_n_key UNIQUE (n)');
CALL schemashift.create_index('CREATE INDEX victim_n ON victim (n)');
CALL schemashift.drop_index('victim_n');
CREATE TABLE r_ren (id int PRIMARY KEY, n int);
INSERT INTO r_ren SELECT g, g FROM generate_series(1, 100) g;
CALL schemashift.expand_rename_column('r_ren', 'n', 'm');
SELECT id, kind, state FROM schemashift.changes ORDER BY id;
SELECT max(id) AS change FROM schemashift.changes \gset
CALL schemashift.contract(:change);
SELECT id, kind, state FROM schemashift.changes ORDER BY id;
SELECT count(*), sum(m) FROM r_ren;
RESET ROLE;
SELECT * FROM security_victims();
-- the recipe steps' findings are in the audit log as "recipe"
SELECT command_tag, f->>'rule' AS rule, f->>'outcome' AS outcome
  FROM schemashift.ddl_log, jsonb_array_elements(findings) f
 WHERE f->>'outcome' = 'recipe'
 ORDER BY id, rule;

-- abort drops the column its change added: exempt for that statement only
SET ROLE regress_app;
CALL schemashift.expand_add_column('r_ren', 'extra', 'bigint', 'pg_catalog.random()::bigint');
SELECT max(id) AS change FROM schemashift.changes \gset
CALL schemashift.abort(:change);
SELECT attname FROM pg_attribute WHERE attrelid = 'r_ren'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
-- but the same rule on another column of the table is still enforced
ALTER TABLE r_ren DROP COLUMN m;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- 1f. a table the migration created is new, but an existing table it
-- makes a partition (or child) of it is not: the recursion is guarded
SELECT security_reset();
SET ROLE regress_app;
CALL schemashift.apply('CREATE TABLE newp (id int, n int, secret text) PARTITION BY RANGE (id);
ALTER TABLE newp ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
ALTER TABLE newp DROP COLUMN secret;', 'x6');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM security_victims();
SELECT security_reset();
SET ROLE regress_app;
CALL schemashift.apply('CREATE TABLE newi (id int, n int, secret text);
ALTER TABLE victim INHERIT newi;
ALTER TABLE newi RENAME COLUMN secret TO s2;', 'x7');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM security_victims();
