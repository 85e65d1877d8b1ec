-- The script's own settings (issue 17 item 2): SET, SET LOCAL, RESET,
-- SET ... TO DEFAULT, set_config() and savepoints, per transaction as the
-- server keeps them.  The time zone and search_path are applied while a
-- statement is judged, so that the server's own code answers; the
-- session's settings are the same afterwards.
CREATE TABLE tz (id int, d timestamp);
INSERT INTO tz VALUES (1, '2024-01-01');

-- the session is in UTC: timestamp -> timestamptz keeps the table ...
SET timezone = 'UTC';
SELECT stmt, rule, object, rewrites FROM lr($$
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SET timezone = 'America/New_York';
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
$$);
-- ... and the script's zone is gone afterwards
SHOW timezone;

-- the other way: the session is not in UTC, the script is; RESET and
-- DEFAULT give the session's reset value (pg_regress's America/Los_Angeles)
SET timezone = 'America/New_York';
SELECT stmt, rule, object, rewrites FROM lr($$
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SET TIME ZONE 'UTC';
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
RESET timezone;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SELECT set_config('timezone', 'UTC', false);
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SET timezone TO DEFAULT;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
$$);
SHOW timezone;
-- the server agrees: the table gets new storage in New York, not in UTC
CREATE TABLE tz_storage AS SELECT relfilenode FROM pg_class WHERE relname = 'tz';
BEGIN;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SELECT relfilenode <> (SELECT relfilenode FROM tz_storage) AS rewritten
  FROM pg_class WHERE relname = 'tz';
ROLLBACK;
BEGIN;
SET LOCAL timezone = 'UTC';
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SELECT relfilenode <> (SELECT relfilenode FROM tz_storage) AS rewritten
  FROM pg_class WHERE relname = 'tz';
ROLLBACK;
SET timezone = 'UTC';

-- per transaction: SET LOCAL ends at COMMIT, a SET undone by ROLLBACK,
-- a SET kept by COMMIT; SET LOCAL outside a transaction block does nothing
SELECT stmt, rule, rewrites FROM lr($$
BEGIN;
SET LOCAL timezone = 'Europe/Paris';
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
COMMIT;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
BEGIN;
SET timezone = 'Europe/Paris';
ROLLBACK;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SET LOCAL timezone = 'Europe/Paris';
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
BEGIN;
SET timezone = 'Europe/Paris';
COMMIT;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
$$);

-- savepoints: ROLLBACK TO undoes what was set since, RELEASE keeps it
SELECT stmt, rule, rewrites FROM lr($$
BEGIN;
SAVEPOINT a;
SET timezone = 'Europe/Paris';
ROLLBACK TO SAVEPOINT a;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
SAVEPOINT b;
SET timezone = 'Europe/Paris';
RELEASE SAVEPOINT b;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
ROLLBACK;
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
$$, extra => 'exclusive-lock-held-across-statements=off');

-- the timeouts, per transaction too: the lock_timeout of a transaction
-- that ended is not there for the next statement (require-lock-timeout is
-- reported once a script: one script per case)
SELECT c.n, c.script, l.statement AS reported_at
  FROM (VALUES
    (1, $$BEGIN; SET LOCAL lock_timeout = '1s'; COMMIT; ALTER TABLE tz ADD COLUMN a int;$$),
    (2, $$BEGIN; SET lock_timeout = '1s'; ROLLBACK; ALTER TABLE tz ADD COLUMN a int;$$),
    (3, $$SET LOCAL lock_timeout = '1s'; ALTER TABLE tz ADD COLUMN a int;$$),
    (4, $$BEGIN; SET lock_timeout = '1s'; COMMIT; ALTER TABLE tz ADD COLUMN a int;$$),
    (5, $$SET lock_timeout = '1s'; SET lock_timeout = 0; ALTER TABLE tz ADD COLUMN a int;$$),
    (6, $$SELECT set_config('lock_timeout', '2s', false); ALTER TABLE tz ADD COLUMN a int;$$),
    (7, $$SET lock_timeout = '1s'; RESET ALL; ALTER TABLE tz ADD COLUMN a int;$$),
    (8, $$BEGIN; SET lock_timeout = '1s'; SAVEPOINT s; SET LOCAL lock_timeout = 0; ROLLBACK TO s; ALTER TABLE tz ADD COLUMN a int; COMMIT;$$)
  ) c(n, script)
  LEFT JOIN LATERAL schemashift.lint(c.script) l ON l.rule = 'require-lock-timeout'
 ORDER BY 1;

-- search_path: what a function name means follows the script's path
-- (the server's own lookup): a volatile default rewrites the table
CREATE SCHEMA other;
CREATE FUNCTION public.pick() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE FUNCTION other.pick() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 1';
SELECT stmt, rule, object, rewrites FROM lr($$
ALTER TABLE public.tz ADD COLUMN p1 int DEFAULT pick();
SET search_path = other, public;
ALTER TABLE public.tz ADD COLUMN p2 int DEFAULT pick();
BEGIN;
SET LOCAL search_path = public;
ALTER TABLE public.tz ADD COLUMN p3 int DEFAULT pick();
COMMIT;
ALTER TABLE public.tz ADD COLUMN p4 int DEFAULT pick();
$$);
SHOW search_path;

-- a value the server refuses changes nothing, and lint goes on
SELECT stmt, rule, rewrites FROM lr($$
SET timezone = 'Nowhere/Atlantis';
ALTER TABLE tz ALTER COLUMN d TYPE timestamptz;
$$);
SHOW timezone;

RESET timezone;
DROP TABLE tz, tz_storage;
DROP FUNCTION public.pick(), other.pick();
DROP SCHEMA other;
