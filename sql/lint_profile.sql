-- schemashift.lint_profile: whose policy lint() follows where the place of
-- a finding is a policy choice.  'schemashift' (the default) asks for
-- lock_timeout and statement_timeout only where a lock wait or a slow
-- statement blocks other sessions, and never for a statement_timeout
-- before CREATE INDEX CONCURRENTLY (issue 17 item 8); 'squawk' asks for
-- both before any DDL, as squawk does, so that a team replacing squawk in
-- CI keeps its policy.  The same scripts under both profiles, then the
-- guard, plan() and apply(), which never read the setting.
SET client_min_messages = warning;
CREATE TABLE lp_t (id bigint PRIMARY KEY, note text);
INSERT INTO lp_t SELECT g, 'n' FROM generate_series(1, 10) g;
CREATE TABLE lp_child (id bigint);
RESET client_min_messages;

-- the default, and what it takes (an ordinary role may set it)
SHOW schemashift.lint_profile;
SET schemashift.lint_profile = flyway;
CREATE ROLE lp_user;
SET ROLE lp_user;
SET schemashift.lint_profile = squawk;
RESET schemashift.lint_profile;
RESET ROLE;
DROP ROLE lp_user;

-- the script under each profile, the rules the profile changes only
CREATE FUNCTION lp(script text, in_transaction boolean DEFAULT false)
RETURNS TABLE (profile text, stmt int, rule text, lock text, message text)
LANGUAGE plpgsql AS $$
DECLARE
  p text;
  was text := current_setting('schemashift.lint_profile');
BEGIN
  FOREACH p IN ARRAY ARRAY['schemashift', 'squawk'] LOOP
    PERFORM set_config('schemashift.lint_profile', p, false);
    RETURN QUERY
      SELECT p, l.statement, l.rule, l.lock, l.message
        FROM schemashift.lint(script, in_transaction) l
       WHERE l.rule IN ('require-lock-timeout', 'require-statement-timeout',
                        'ban-concurrent-index-creation-in-transaction',
                        'adding-foreign-key-constraint');
  END LOOP;
  PERFORM set_config('schemashift.lint_profile', was, false);
END
$$;

-- an instant change of an existing table: its lock waits matter to both,
-- its run time to squawk's policy only
SELECT * FROM lp($$ALTER TABLE lp_t ADD COLUMN c boolean;$$);
-- a table the script created: nobody else can wait for it (squawk: the
-- first DDL, CREATE TABLE, is where the timeouts belong)
SELECT * FROM lp($$
CREATE TABLE lp_fresh (id bigint);
ALTER TABLE lp_fresh ADD COLUMN c int;
$$);
-- SHARE UPDATE EXCLUSIVE and weaker, and DDL that locks no table
SELECT * FROM lp($$COMMENT ON TABLE lp_t IS 'items';$$);
SELECT * FROM lp($$BEGIN; LOCK TABLE lp_t IN ACCESS SHARE MODE; COMMIT;$$);
SELECT * FROM lp($$VACUUM (FULL false) lp_t;$$);
SELECT * FROM lp($$CREATE TYPE lp_mood AS ENUM ('sad', 'ok');$$);
-- not DDL for either: queries, privileges, ANALYZE
SELECT * FROM lp($$
SELECT * FROM lp_t;
UPDATE lp_t SET note = 'y' WHERE id = 1;
GRANT SELECT ON lp_t TO PUBLIC;
ANALYZE lp_t;
$$);
-- timeouts set first satisfy both; set after the DDL, they come too late
-- for both
SELECT * FROM lp($$
SET lock_timeout = '1s';
SET statement_timeout = '5s';
ALTER TABLE lp_t ADD COLUMN c boolean;
$$);
SELECT * FROM lp($$
ALTER TABLE lp_t ADD COLUMN c boolean;
SET lock_timeout = '1s';
SET statement_timeout = '5s';
$$);
-- RESET undoes the script's value for both profiles
SELECT * FROM lp($$
SET lock_timeout = '1s';
SET statement_timeout = '5s';
RESET lock_timeout;
RESET statement_timeout;
ALTER TABLE lp_t ADD COLUMN c boolean;
$$);

-- CREATE INDEX CONCURRENTLY: no timeout advice by default; squawk's policy
-- asks for both, and the hint asks for 0 or a long one there, never for a
-- short timeout that would cancel the build and leave an INVALID index ...
SELECT * FROM lp($$CREATE INDEX CONCURRENTLY lp_t_note ON lp_t (note);$$);
SET schemashift.lint_profile = squawk;
SELECT rule, hint FROM schemashift.lint($$CREATE INDEX CONCURRENTLY lp_t_note ON lp_t (note);$$)
 WHERE rule LIKE 'require-%-timeout';
-- ... where a plain index build gets the usual hint
SELECT rule, hint FROM schemashift.lint($$CREATE INDEX lp_t_note ON lp_t (note);$$)
 WHERE rule = 'require-statement-timeout';
RESET schemashift.lint_profile;
-- ... and an explicit 0 is the script's choice under squawk's policy (no
-- timeout is armed: the default profile needs none before this build)
SELECT * FROM lp($$
SET lock_timeout = 0;
SET statement_timeout = 0;
CREATE INDEX CONCURRENTLY lp_t_note ON lp_t (note);
$$);
SELECT * FROM lp($$
SET lock_timeout = 0;
SET statement_timeout = 0;
ALTER TABLE lp_t ADD COLUMN c boolean;
$$);

-- in_transaction => true: a file of one CONCURRENTLY statement runs alone
-- under squawk's --assume-in-transaction; by default it is inside the
-- migration tool's transaction, where the server refuses it
SELECT * FROM lp($$
SET lock_timeout = '1s'; SET statement_timeout = '5s';
CREATE INDEX CONCURRENTLY lp_t_note ON lp_t (note);
$$, true);
SELECT * FROM lp($$CREATE INDEX CONCURRENTLY lp_t_note ON lp_t (note);$$, true)
 WHERE rule = 'ban-concurrent-index-creation-in-transaction';
SELECT * FROM lp($$DROP INDEX CONCURRENTLY lp_t_pkey;$$, true)
 WHERE rule = 'ban-concurrent-index-creation-in-transaction';
-- explicitly inside BEGIN it fails under either
SELECT * FROM lp($$BEGIN; CREATE INDEX CONCURRENTLY lp_t_note ON lp_t (note); COMMIT;$$)
 WHERE rule = 'ban-concurrent-index-creation-in-transaction';

-- where the server proves squawk's finding false, the profile does not
-- follow it: ADD COLUMN ... REFERENCES scans no row (the new column is NULL
-- in every row), so adding-foreign-key-constraint stays silent
SELECT * FROM lp($$
SET lock_timeout = '1s'; SET statement_timeout = '5s';
ALTER TABLE lp_child ADD COLUMN t_id bigint REFERENCES lp_t;
$$);

-- The guard never reads the profile: in enforce mode the same statements
-- run or are refused alike under both.
CREATE FUNCTION lp_outcome(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  result text;
BEGIN
  BEGIN
    EXECUTE stmt;
    result := 'ran';
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN OTHERS THEN
    IF result IS NULL THEN
      result := SQLSTATE || ' ' || SQLERRM;
    END IF;
  END;
  RETURN result;
END
$$;
CREATE TABLE lp_outcomes (profile text, n int, stmt text, outcome text);
SET schemashift.mode = enforce;
DO $$
DECLARE
  p text;
  s text;
  n int;
BEGIN
  FOREACH p IN ARRAY ARRAY['schemashift', 'squawk'] LOOP
    PERFORM set_config('schemashift.lint_profile', p, false);
    n := 0;
    FOREACH s IN ARRAY ARRAY[
      'ALTER TABLE lp_t ADD COLUMN c boolean',
      'COMMENT ON TABLE lp_t IS ''items''',
      'CREATE TABLE lp_fresh (id bigint)',
      'CREATE INDEX lp_t_note ON lp_t (note)',
      'ALTER TABLE lp_t DROP COLUMN note'] LOOP
      n := n + 1;
      INSERT INTO lp_outcomes VALUES (p, n, s, lp_outcome(s));
    END LOOP;
  END LOOP;
END
$$;
SET schemashift.mode = off;
RESET schemashift.lint_profile;
SELECT n, stmt, outcome FROM lp_outcomes WHERE profile = 'schemashift' ORDER BY n;
-- no statement whose outcome differs
SELECT d.n, d.outcome AS schemashift, q.outcome AS squawk
  FROM lp_outcomes d JOIN lp_outcomes q USING (n)
 WHERE d.profile = 'schemashift' AND q.profile = 'squawk'
   AND d.outcome IS DISTINCT FROM q.outcome;

-- plan() and apply() judge by the default profile, whatever the session's
CREATE TABLE lp_plans (profile text, step int, recipe text, run text, notes text, refused text);
DO $$
DECLARE
  p text;
BEGIN
  FOREACH p IN ARRAY ARRAY['schemashift', 'squawk'] LOOP
    PERFORM set_config('schemashift.lint_profile', p, false);
    INSERT INTO lp_plans
      SELECT p, step, recipe, run, notes, refused FROM schemashift.plan($s$
COMMENT ON TABLE lp_t IS 'items';
ALTER TABLE lp_t ADD COLUMN c boolean;
CREATE INDEX lp_t_note ON lp_t (note);
ALTER TABLE lp_t DROP COLUMN note;
$s$);
  END LOOP;
END
$$;
RESET schemashift.lint_profile;
SELECT step, recipe, run, notes, refused FROM lp_plans WHERE profile = 'schemashift' ORDER BY step;
SELECT d.step FROM lp_plans d JOIN lp_plans q USING (step)
 WHERE d.profile = 'schemashift' AND q.profile = 'squawk'
   AND (d.recipe, d.run, d.notes, d.refused) IS DISTINCT FROM (q.recipe, q.run, q.notes, q.refused);
-- apply() refuses the same statement under both (and records nothing)
\set VERBOSITY terse
CALL schemashift.apply($$
COMMENT ON TABLE lp_t IS 'items';
ALTER TABLE lp_t DROP COLUMN note;
$$, 'lp_0001');
SET schemashift.lint_profile = squawk;
CALL schemashift.apply($$
COMMENT ON TABLE lp_t IS 'items';
ALTER TABLE lp_t DROP COLUMN note;
$$, 'lp_0001');
\set VERBOSITY default
RESET schemashift.lint_profile;
SELECT count(*) FROM schemashift.migrations WHERE id = 'lp_0001';

DROP FUNCTION lp(text, boolean);
DROP FUNCTION lp_outcome(text);
DROP TABLE lp_outcomes, lp_plans, lp_t, lp_child CASCADE;
