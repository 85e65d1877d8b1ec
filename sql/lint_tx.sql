-- Transactions, timeouts, re-runnability.

-- timeouts: reported once, at the first statement that takes locks
SELECT statement, rule, lock FROM schemashift.lint($$
SELECT 1;
ALTER TABLE t ADD COLUMN a bigint;
ALTER TABLE t ADD COLUMN b bigint;
$$, rules => 'prefer-robust-stmts=off');
SELECT count(*) FROM schemashift.lint($$
SET lock_timeout = '1s';
SET statement_timeout = '5s';
ALTER TABLE t ADD COLUMN IF NOT EXISTS a bigint;
$$);
-- set_config() counts; a timeout of 0 is no timeout; qualified names are other settings
SELECT statement, rule FROM schemashift.lint($$
SELECT set_config('lock_timeout', '1s', false);
SET statement_timeout = 0;
SET myapp.lock_timeout = '1s';
ALTER TABLE t ADD COLUMN IF NOT EXISTS a bigint;
$$);
-- DML and CREATE TABLE without references take no lock anyone waits for
SELECT count(*) FROM schemashift.lint($$
CREATE TABLE IF NOT EXISTS newt (id bigint);
INSERT INTO newt VALUES (1);
$$);

-- nesting and uncommitted transactions
SELECT statement, rule, message FROM schemashift.lint($$
BEGIN;
BEGIN;
COMMIT;
COMMIT;
BEGIN;
CREATE TABLE x1 (id bigint);
$$, rules => 'require-timeout-settings=off');
SELECT stmt, rule FROM lr($$
SELECT 1;
COMMIT;
$$, in_transaction => true);

-- an ACCESS EXCLUSIVE lock held while more statements run
CREATE TABLE held (id bigint, v text);
SELECT stmt, rule, object FROM lr($$
BEGIN;
ALTER TABLE held ADD COLUMN w text;
UPDATE held SET w = v WHERE id = 1;
SELECT 1;
COMMIT;
BEGIN;
ALTER TABLE held ADD COLUMN z text;
COMMIT;
$$);

-- prefer-robust-stmts: outside a transaction, statements should be re-runnable
SELECT statement, rule, message FROM schemashift.lint($$
CREATE TABLE r1 (id bigint);
CREATE TABLE IF NOT EXISTS r2 (id bigint);
CREATE INDEX CONCURRENTLY r1_idx ON r1 (id);
ALTER TABLE r1 ADD COLUMN v int;
ALTER TABLE r1 DROP CONSTRAINT IF EXISTS r1_c;
ALTER TABLE r1 ADD CONSTRAINT r1_c CHECK (id > 0) NOT VALID;
DROP TABLE IF EXISTS r2;
$$, rules => 'require-timeout-settings=off, prefer-bigint-over-int=off');
-- inside a transaction they need not be
SELECT count(*) FROM schemashift.lint($$
BEGIN;
CREATE TABLE r3 (id bigint);
ALTER TABLE r3 ADD COLUMN v bigint;
COMMIT;
$$, rules => 'require-timeout-settings=off');
