-- The shape of lint()'s answer: one row per finding, in script order, with
-- statement number, 1-based line and column, rule, level, object, lock,
-- rewrite flag, message and hint.
SELECT * FROM schemashift.lint($$CREATE INDEX users_email_idx ON users (email);$$);

-- a clean script: no rows
SELECT count(*) FROM schemashift.lint($$
SET lock_timeout = '1s';
SET statement_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
$$);

-- line and column point into the script, counted in characters
SELECT stmt, line, col, rule FROM lr($$
-- a comment line
SELECT 1;

   ALTER TABLE "tablé" ADD COLUMN c int DEFAULT random();
$$);

-- statements are split with the server's scanner: semicolons inside strings,
-- comments, dollar quotes and BEGIN ATOMIC bodies do not end a statement
SELECT stmt, line, rule FROM lr($x$
SELECT 'a;b', $$c;d$$ /* e;f */;
CREATE FUNCTION f() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  SELECT CASE WHEN true THEN 2 END;
END;
DROP TABLE accounts;
$x$);

-- a syntax error is a finding at its position; the other statements are linted
SELECT stmt, line, col, rule, level FROM lr($$
ALTER TABLE t ADD COLUMN;
DROP TABLE accounts;
SELEC 1;
$$);
SELECT message FROM schemashift.lint('ALTER TABLE t ADD COLUMN;') WHERE rule = 'syntax-error';
-- an unterminated quote swallows the rest of the script, as in the server
SELECT stmt, line, col, rule FROM lr($$DROP TABLE a;
SELECT 'oops;
DROP TABLE b;$$);

-- levels can be changed per call, including switching a rule off
SELECT rule, level FROM lr('DROP TABLE accounts;', extra => 'ban-drop-table=info');
SELECT count(*) FROM lr('DROP TABLE accounts;', extra => 'ban-drop-table=off');
-- and require-table-schema, off by default, can be switched on
SELECT rule FROM lr('DROP TABLE accounts;', extra => 'require-table-schema=warning') ORDER BY rule;
