-- eugene's ignore comments ("-- eugene: ignore E4, E5"), accepted like
-- squawk's: each id silences the schemashift rules that find the same
-- thing; an id we have no rule for, or that eugene does not have, is an
-- unused-ignore finding that says so.
CREATE TABLE le (id int PRIMARY KEY, note text, d timestamp);

-- one script, linted without the comments and with them
CREATE TABLE le_script (n int, comment text, stmt text);
INSERT INTO le_script VALUES
  (1, '-- eugene: ignore E5', 'ALTER TABLE le ALTER COLUMN id TYPE bigint;'),
  -- E6, and E9 (lock timeout, off here)
  (2, '-- eugene: ignore E6, E9', 'CREATE INDEX le_note ON le (note);'),
  -- E3 without its letter
  (3, '-- eugene: ignore 3', 'ALTER TABLE le ADD COLUMN j json;'),
  (4, NULL, 'BEGIN;'),
  (5, NULL, 'ALTER TABLE le ADD COLUMN x bigint;'),
  -- E4 is exclusive-lock-held-across-statements
  (6, '-- eugene: ignore E4', 'UPDATE le SET x = 1;'),
  -- E1 both constraint rules
  (7, '-- eugene: ignore E1', 'ALTER TABLE le ADD CONSTRAINT le_id CHECK (id > 0);'),
  (8, NULL, 'COMMIT;');
SELECT n, l.rule FROM le_script
  JOIN lr((SELECT string_agg(stmt, E'\n' ORDER BY n) FROM le_script)) l ON l.stmt = n
 ORDER BY n, l.rule;
SELECT n, l.rule FROM le_script
  JOIN lr((SELECT string_agg(coalesce(comment || E'\n', '') || stmt, E'\n' ORDER BY n) FROM le_script)) l ON l.stmt = n
 ORDER BY n, l.rule;
-- "ignore" alone silences every rule for the statement; the next one is judged
SELECT line, rule FROM lr($$
-- eugene: ignore
ALTER TABLE le DROP COLUMN note, ALTER COLUMN id TYPE bigint;
ALTER TABLE le DROP COLUMN d;
$$) ORDER BY line, rule;
-- ids without a rule of ours, and ids eugene does not have: reported
SELECT line, col, rule, object, message, hint FROM schemashift.lint($$
-- eugene: ignore W12, W13, E99, ban-drop-column
CREATE TYPE le_mood AS ENUM ('ok');
$$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off') ORDER BY col;
-- other eugene instructions are not ours to read: nothing silenced, nothing reported
SELECT line, rule FROM lr($$
-- eugene: skip E6
CREATE INDEX le_note ON le (note);
$$);

DROP TABLE le, le_script;
