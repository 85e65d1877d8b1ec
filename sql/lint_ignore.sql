-- Ignore comments: schemashift's own and squawk's spellings.
SELECT stmt, rule FROM lr($$
-- schemashift:ignore ban-drop-table
DROP TABLE a;
DROP TABLE b;
$$);
-- several rules, C-style comments, a trailing remark
SELECT stmt, rule FROM lr($$
/* schemashift:ignore ban-drop-column, renaming-column */
ALTER TABLE a DROP COLUMN c;
-- squawk-ignore ban-drop-table -- we really mean it
DROP TABLE a;
$$);
-- a comment inside a statement silences findings on the next line
SELECT stmt, line, rule FROM lr($$
CREATE TABLE a (
  -- schemashift:ignore prefer-timestamp-tz
  at timestamp,
  other timestamp
);
$$);
-- the whole file, wherever the comment stands
SELECT stmt, rule FROM lr($$
DROP TABLE a;
DROP TABLE b;
-- squawk-ignore-file ban-drop-table
$$);
-- no rule named: every rule
SELECT count(*) FROM schemashift.lint($$
-- schemashift:ignore-file
DROP TABLE a;
$$);
-- require-timeout-settings stands for both timeout rules
SELECT rule FROM schemashift.lint($$
-- squawk-ignore require-timeout-settings, prefer-robust-stmts
ALTER TABLE t ADD COLUMN c bigint;
$$);
-- unknown ids are findings themselves, with a suggestion
SELECT stmt, line, col, rule, object FROM lr($$
-- schemashift:ignore ban-drop-tabel, ban-drop-column
DROP TABLE a;
$$);
SELECT hint FROM schemashift.lint('-- schemashift:ignore ban-drop-tabel
SELECT 1;') WHERE rule = 'unused-ignore';
