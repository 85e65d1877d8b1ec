-- Statements inside PL/pgSQL blocks: DO bodies, EXECUTE of a constant
-- string, and functions or procedures the script creates and then calls.
-- Each is linted as if the script had it there, at its position inside the
-- block, and its message says where it came from.
CREATE TABLE blk_child (id bigint PRIMARY KEY, parent_id bigint, note text);
-- big enough for unbatched-backfill by its size, analysed or not
INSERT INTO blk_child SELECT g, NULL, 'n' FROM generate_series(1, 30000) g;

-- a rename hidden in a DO block (squawk and eugene see nothing here)
SELECT statement, line, col, rule, message FROM schemashift.lint(
$s$DO $x$ BEGIN ALTER TABLE blk_child RENAME COLUMN note TO body; END $x$;$s$)
WHERE rule = 'renaming-column';

-- nested control flow, EXECUTE of a constant, an exception handler: each at
-- its own line and column
SELECT statement, line, col, rule FROM schemashift.lint($s$SELECT 1;
DO $x$
DECLARE n int;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'zz') THEN
    EXECUTE 'ALTER TABLE blk_child ADD COLUMN c bigint DEFAULT random()';
    FOR n IN 1..2 LOOP
      ALTER TABLE blk_child ALTER COLUMN note SET NOT NULL;
    END LOOP;
  END IF;
EXCEPTION WHEN others THEN
  DROP TABLE blk_child;
END
$x$;$s$)
WHERE rule NOT IN ('require-lock-timeout', 'require-statement-timeout')
ORDER BY line, col, rule;

-- what a block builds at run time cannot be read (the guard sees it when
-- it runs); another language's block is not PL/pgSQL's to compile
SELECT count(*) AS findings FROM schemashift.lint($s$
DO $x$ BEGIN EXECUTE format('DROP TABLE %I', 'blk_child'); END $x$;
DO LANGUAGE plperl $x$ print 1; $x$;
$s$) WHERE rule LIKE 'ban-%';

-- a block that does not compile is passed over, without an error
SELECT count(*) AS findings FROM schemashift.lint($s$DO $x$ BEGIN ALTER TABLE blk_child DROP COLUMN note; END IF; $x$;$s$);

-- a procedure the script creates and calls: its statements run at the CALL
SELECT statement, line, col, rule, message FROM schemashift.lint($s$
CREATE PROCEDURE blk_migrate() LANGUAGE plpgsql AS $p$
BEGIN
  UPDATE blk_child SET note = 'x';
  CREATE INDEX blk_child_note ON blk_child (note);
END $p$;
CALL blk_migrate();
$s$) WHERE rule IN ('unbatched-backfill', 'require-concurrent-index-creation')
ORDER BY line;

-- a function called by SELECT, and one called by PERFORM inside a DO
-- block; a function's call of itself is not followed again, and a body is
-- linted at its first call only (the second SELECT adds nothing)
SELECT statement, line, rule, message FROM schemashift.lint($s$
CREATE FUNCTION blk_drop() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  ALTER TABLE blk_child DROP COLUMN note;
  PERFORM blk_drop();
END $f$;
CREATE FUNCTION blk_drop2() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN ALTER TABLE blk_child DROP COLUMN parent_id; END $f$;
SELECT blk_drop();
SELECT blk_drop();
DO $x$ BEGIN PERFORM blk_drop2(); END $x$;
$s$) WHERE rule = 'ban-drop-column'
ORDER BY statement, line;

-- a function the script creates but never calls is not run: nothing
SELECT count(*) AS findings FROM schemashift.lint($s$
CREATE FUNCTION blk_unused() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN DROP TABLE blk_child; END $f$;
$s$) WHERE rule = 'ban-drop-table';

-- lint compiles a block and runs none of it: not a DECLARE default, not
-- its statements (a sequence, which no rollback resets, counts each call)
CREATE SEQUENCE blk_ran;
SELECT statement, rule, message ~ 'inside the DO block' AS inside
FROM schemashift.lint($s$
DO $x$
DECLARE
  n bigint := nextval('blk_ran');
BEGIN
  PERFORM nextval('blk_ran');
  ALTER TABLE blk_child DROP COLUMN note;
END $x$;
$s$) WHERE rule = 'ban-drop-column';
SELECT last_value, is_called FROM blk_ran;
-- a block that does not compile is passed over, its error not raised
SELECT count(*) AS findings FROM schemashift.lint($s$
DO $x$ BEGIN ALTER TABLE blk_child DROP COLUMN note; IF THEN END $x$;
$s$) WHERE rule = 'ban-drop-column';
DROP SEQUENCE blk_ran;

DROP TABLE blk_child;
