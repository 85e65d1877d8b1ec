-- Bad input gets a clear answer or a clear error, never a crash.
SELECT * FROM schemashift.lint(NULL);
SELECT count(*) FROM schemashift.lint('');
SELECT count(*) FROM schemashift.lint('   -- only a comment
/* and another */  ;;; ');
SELECT count(*) FROM schemashift.lint('DROP TABLE a;', NULL, NULL);
-- bad rules argument: unknown rule (with a suggestion), bad level, no level
SELECT * FROM schemashift.lint('SELECT 1', rules => 'ban-drop-tabel=off');
SELECT * FROM schemashift.lint('SELECT 1', rules => 'ban-drop-table=loud');
SELECT * FROM schemashift.lint('SELECT 1', rules => 'ban-drop-table');
-- hostile identifiers come back quoted
SELECT rule, object FROM lr($$DROP TABLE "x; DROP TABLE y; --";$$);
SELECT rule, object FROM lr($$ALTER TABLE "Robert'); DROP TABLE students;--" DROP COLUMN "a""b";$$);
-- deeply nested expressions: the parser's own limit, reported as a finding
SELECT rule, level FROM lr('SELECT ' || repeat('(', 10000) || '1' || repeat(')', 10000) || ';');
-- invalid multibyte positions and non-ASCII text
SELECT stmt, line, col, rule FROM lr(E'SELECT ''é'';\nDROP TABLE "naïve";');
-- many statements: a 20,000-statement script
SELECT count(*), count(DISTINCT stmt), max(stmt)
  FROM lr((SELECT string_agg(format('ALTER TABLE t%s ADD COLUMN c int DEFAULT random();', g), E'\n')
           FROM generate_series(1, 20000) g), extra => 'prefer-bigint-over-int=off');
-- a setting that does not exist in the schemashift prefix is an error
SET schemashift.no_such_setting = 'x';
-- the rules setting is superuser-only and checked
SET schemashift.rules = 'ban-drop-tabel=off';
SET schemashift.rules = 'ban-drop-table=info';
SELECT rule, level FROM lr('DROP TABLE a;');
RESET schemashift.rules;
CREATE ROLE lint_user;
SET ROLE lint_user;
SET schemashift.rules = 'ban-drop-table=off';
-- an ordinary role can lint
SELECT rule FROM lr('DROP TABLE a;');
RESET ROLE;
DROP ROLE lint_user;
-- statements(): the server's split, positions 1-based in characters, not parsed
SELECT * FROM schemashift.statements(E'SELECT 1;\n  SELECT $$;$$; -- c\nCREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1; END;\nSELECT ''é'';  SELEC oops;\nCREATE INDEX CONCURRENTLY i ON t (a)');
SELECT count(*) FROM schemashift.statements('');
SELECT count(*) FROM schemashift.statements(NULL);
-- an unterminated quote makes the rest one statement, which the server will reject
SELECT * FROM schemashift.statements(E'SELECT 1; SELECT ''oops;\nSELECT 2;');
