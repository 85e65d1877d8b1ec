--
-- Attack class: resource exhaustion (issue 15, items 10 and 14).
--
-- An ordinary role feeds lint() and the guard statements built to exhaust
-- the stack or the CPU.  What must hold: a statement nested too deeply is a
-- syntax-error finding at its own position and the rest of the script is
-- still linted; the guard fails closed on it; statement_timeout cancels
-- lint(); the linear-time rewrites find exactly what the pairwise ones did.
-- The timings are in test/security/t/001_resource_bounds.pl.
--
SELECT security_reset();
SET ROLE regress_app;

-- 1. 100,000 chained casts in a column default: the volatility walk of the
-- default runs out of stack.  Must hold: one syntax-error finding at the
-- start of statement 2, nothing else from it, and statements 1 and 3 linted.
SELECT statement, line, col, rule, message
  FROM schemashift.lint(E'SET lock_timeout = ''1s'';\n'
       || E'  ALTER TABLE victim ADD COLUMN z bigint DEFAULT 1' || repeat('::int', 100000) || E';\n'
       || 'DROP TABLE victim;', rules => 'require-timeout-settings=off')
 ORDER BY statement, line, col, rule;

-- 2. The same depth with an operator chain (1 + 1 + ...), as the third
-- statement of a transaction.  Must hold: the finding is on statement 3's
-- line and column, and COMMIT after it is still linted (no open BEGIN).
SELECT statement, line, col, rule
  FROM schemashift.lint(E'BEGIN;\nSELECT 1;\n   ALTER TABLE victim ADD COLUMN z bigint DEFAULT 1'
       || repeat(' + 1', 100000) || E';\nCOMMIT;', rules => 'require-timeout-settings=off')
 ORDER BY statement, line, col, rule;

-- 3. Too deep for the server's parser (100,000 parentheses): a
-- syntax-error finding from the parser, the next statement still linted.
SELECT statement, line, col, rule
  FROM schemashift.lint('SELECT ' || repeat('(', 100000) || '1' || repeat(')', 100000)
       || E';\nDROP TABLE victim;', rules => 'require-timeout-settings=off')
 ORDER BY statement, line, col, rule;

-- 4. Three such statements in a row: each is caught on its own (and what
-- the analysis held is released each time).  Must hold: three findings.
SELECT count(*) AS findings
  FROM schemashift.lint(repeat(E'ALTER TABLE victim ADD COLUMN z bigint DEFAULT 1'
       || repeat('::int', 100000) || E';\n', 3), rules => 'require-timeout-settings=off')
 WHERE rule = 'syntax-error';

-- 5. The guard on the same statement, sent for real.  Must hold: it fails
-- (the guard's walk stops at the stack limit) and the victim is unchanged.
-- (not echoed: the statement is 500 kB long)
\set ECHO none
SELECT 'ALTER TABLE victim ADD COLUMN z bigint DEFAULT 1' || repeat('::int', 100000) \gexec
\set ECHO all
SELECT * FROM security_victims();

-- 5b. A volatile call over a million casts: the volatility walk stops at
-- the call, but finding the default's position walked the whole chain with
-- exprLocation(), which has no stack check: the backend crashed (and the
-- server restarted every session), through lint() and through the guard.
-- Must hold: a syntax-error finding in lint(), a stack depth error from the
-- guard, the server up, the victim unchanged.
SELECT statement, col, rule
  FROM schemashift.lint('ALTER TABLE victim ADD COLUMN z bigint DEFAULT random(1'
       || repeat('::int', 1000000) || E');\nDROP TABLE victim;', rules => 'require-timeout-settings=off')
 ORDER BY statement, col, rule;
\set ECHO none
SELECT 'ALTER TABLE victim ADD COLUMN z bigint DEFAULT random(1' || repeat('::int', 1000000) || ')' \gexec
\set ECHO all
SELECT * FROM security_victims();

-- 6. statement_timeout cancels lint() of 100,000 ADD CONSTRAINT clauses
-- (it took 13 s to 289 s to notice before).  Must hold: cancelled.
CREATE TEMP TABLE big_input AS
SELECT 'ALTER TABLE victim ' || string_agg(format('ADD CONSTRAINT k%s CHECK (n > 0) NOT VALID', g), ', ') AS script
  FROM generate_series(1, 100000) g;
SET statement_timeout = '100ms';
SELECT count(*) FROM schemashift.lint((SELECT script FROM big_input));
RESET statement_timeout;

-- 7. Columns named twice, found with a hash table now: the same answers as
-- the pairwise comparison, at the first clashing name.  Fields and
-- subscripts of one column are not a clash unless one side is the whole
-- column.
SELECT statement, col, rule, object
  FROM schemashift.lint($$
UPDATE victim SET secret = 'a', n = 1, secret = 'b';
UPDATE victim SET n[1] = 1, n[2] = 2;
UPDATE victim SET n[1] = 1, n = 2;
INSERT INTO victim (id, n, secret, n) VALUES (1, 2, 'x', 3);
CREATE TABLE t (a bigint, b bigint, a text);
CREATE VIEW v (x, y, x) AS SELECT 1, 2, 3;
CREATE VIEW w AS SELECT 1 AS x, n, 3 AS n FROM victim;
CREATE TABLE u AS SELECT id, id FROM victim;
SELECT 1 AS q, 2 AS r INTO s;
$$, rules => 'require-timeout-settings=off')
 WHERE rule = 'ban-duplicate-column-assignments'
 ORDER BY statement, col;

-- 8. Indexes the script made serve its foreign keys (hashed column sets
-- now): any order of the leading columns serves; a column that is not
-- leading (f3), or leading columns with a gap (f4), does not.  victim2's
-- primary key serves a key on id from the catalog.  Must hold: findings
-- for f3 and f4 only.
SELECT statement, rule, object
  FROM schemashift.lint($$
CREATE INDEX CONCURRENTLY i1 ON victim2 (n, id, secret);
ALTER TABLE victim2 ADD CONSTRAINT f1 FOREIGN KEY (n) REFERENCES victim NOT VALID;
ALTER TABLE victim2 ADD CONSTRAINT f2 FOREIGN KEY (id, n) REFERENCES victim NOT VALID;
ALTER TABLE victim2 ADD CONSTRAINT f3 FOREIGN KEY (secret) REFERENCES victim NOT VALID;
ALTER TABLE victim2 ADD CONSTRAINT f4 FOREIGN KEY (n, secret) REFERENCES victim NOT VALID;
$$, rules => 'require-timeout-settings=off')
 WHERE rule = 'foreign-key-without-index'
 ORDER BY statement;

-- 9. Ignore comments, looked up per line and per statement now: a
-- directive covers its own line and the next, or the whole statement that
-- follows it; many directives on one line merge.  Must hold: only the
-- DROP COLUMN (reported at its sub-command, line 7), the DROP TABLE on line 7
-- and the one on line 9 are reported.
SELECT line, rule
  FROM schemashift.lint($$-- schemashift:ignore ban-drop-table
DROP TABLE a1;
/* schemashift:ignore ban-drop-column */ /* schemashift:ignore ban-drop-table */
DROP TABLE a2;
-- schemashift:ignore ban-drop-table
ALTER TABLE a3
  DROP COLUMN c, ADD COLUMN d text; DROP TABLE a4;

DROP TABLE a5; -- schemashift:ignore ban-drop-column
$$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off, require-table-schema=off')
 ORDER BY line, rule;

-- 10. SET NOT NULL proved by the script's own CHECK constraints, counted
-- per column now instead of walking every constraint: a validated
-- "col IS NOT NULL" proves it, a NOT VALID one does not until validated,
-- one on another column does not, and a CHECK the catalog does not know
-- proves what the server's implication test finds in it (CHECK (n > 0)
-- nothing about secret).  Must hold: findings on lines 3 and 7 only.
SELECT line, rule
  FROM schemashift.lint($$ALTER TABLE victim2 ADD CONSTRAINT c1 CHECK (n IS NOT NULL) NOT VALID;
ALTER TABLE victim2 ADD CONSTRAINT c2 CHECK (secret IS NOT NULL);
ALTER TABLE victim2 ALTER COLUMN n SET NOT NULL;
ALTER TABLE victim2 VALIDATE CONSTRAINT c1;
ALTER TABLE victim2 ALTER COLUMN n SET NOT NULL;
ALTER TABLE victim2 ALTER COLUMN secret SET NOT NULL;
ALTER TABLE victim ADD CONSTRAINT c3 CHECK (n > 0), ALTER COLUMN secret SET NOT NULL;
$$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off, constraint-missing-not-valid=off')
 WHERE rule = 'adding-not-nullable-field'
 ORDER BY line, rule;

RESET ROLE;
SELECT * FROM security_victims();
