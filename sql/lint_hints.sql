-- Issue 17 item 14: for every rule with a recipe, the hint's first sentence
-- is schemashift's own CALL built from the statement; the plain-SQL recipe
-- follows.  Some of the hinted calls are run below, on real tables (last in
-- the schedule: the jobs and changes they leave would shift the ids other
-- tests print).
CREATE TABLE lh (id bigint PRIMARY KEY, note text, d timestamptz, qty int);
INSERT INTO lh SELECT g, 'n' || g, '2024-01-01', g % 7 FROM generate_series(1, 12000) g;
CREATE INDEX lh_d_idx ON lh (d);
ANALYZE lh;
CREATE TABLE lh_parent (id bigint PRIMARY KEY);
CREATE TABLE "Lh Odd" ("Id" bigint PRIMARY KEY, "My Note" text);

-- lh_hint(statement): each finding's rule, and its hint split in the call
-- (what comes before the registry's hint) and whether the registry's hint
-- follows it whole
CREATE FUNCTION lh_hint(stmt text)
RETURNS TABLE (rule text, call text, plain_follows boolean)
LANGUAGE sql AS $$
  SELECT l.rule,
         CASE WHEN l.hint = r.hint THEN NULL
              ELSE left(l.hint, length(l.hint) - length(r.hint) - 2) END,
         right(l.hint, length(r.hint)) = r.hint
    FROM schemashift.lint(stmt, false, 'require-statement-timeout=off, prefer-robust-stmts=off') l
    JOIN schemashift.rules() r ON r.id = l.rule
   ORDER BY l.line, l.col, l.rule
$$;

\pset format unaligned
SELECT n, h.* FROM (VALUES
  (1, 'CREATE INDEX lh_note ON lh (note)'),
  (2, 'DROP INDEX lh_d_idx'),
  (3, 'REINDEX INDEX lh_d_idx'),
  (4, 'REINDEX TABLE lh'),
  (5, 'ALTER TABLE lh ADD CONSTRAINT lh_qty_positive CHECK (qty >= 0)'),
  (6, 'ALTER TABLE lh ALTER COLUMN note SET NOT NULL'),
  (7, 'ALTER TABLE lh ADD CONSTRAINT lh_note_key UNIQUE (note)'),
  (8, 'ALTER TABLE lh ADD CONSTRAINT lh_parent_fk FOREIGN KEY (qty) REFERENCES lh_parent'),
  (9, 'ALTER TABLE lh ADD COLUMN token float8 DEFAULT random()'),
  (10, 'ALTER TABLE lh ADD COLUMN region text NOT NULL'),
  (11, 'ALTER TABLE lh ALTER COLUMN qty TYPE bigint'),
  (12, 'ALTER TABLE lh RENAME COLUMN note TO remark'),
  (13, $$UPDATE lh SET note = 'it''s ' || id WHERE note LIKE 'n1%'$$),
  (14, 'ALTER TABLE lh DROP COLUMN note'),
  -- quoted names are quoted once in the statement, once more as a literal
  (15, 'CREATE INDEX "Lh Idx" ON "Lh Odd" ("My Note")'),
  (16, 'ALTER TABLE "Lh Odd" RENAME COLUMN "My Note" TO "Their Note"'),
  -- one clause of several: the call for that clause alone
  (17, E'ALTER TABLE lh ADD COLUMN extra bigint,\n  ADD CONSTRAINT lh_id_positive CHECK (id > 0),\n  ALTER COLUMN d SET NOT NULL')
) AS s(n, stmt), LATERAL lh_hint(stmt) h ORDER BY n, h.rule;
-- no call: an index without a name (create_index needs one), a column of a
-- domain with constraints (nothing to expand: it rewrites however it is
-- added), a statement from an EXECUTE string
CREATE DOMAIN lh_pos AS int CHECK (VALUE > 0);
SELECT * FROM lh_hint('CREATE INDEX ON lh (note)');
SELECT * FROM lh_hint('ALTER TABLE lh ADD COLUMN p lh_pos');
SELECT * FROM lh_hint($q$DO $x$ BEGIN EXECUTE 'CREATE INDEX lh_q ON lh (qty)'; END $x$$q$);
-- inside a DO block the statement is verbatim: the call is built
SELECT * FROM lh_hint($q$DO $x$ BEGIN CREATE INDEX lh_q ON lh (qty); END $x$$q$);
-- a statement longer than a hint prints: the call is named, not copied
SELECT rule, call FROM lh_hint('CREATE INDEX lh_long ON lh ((' || repeat('qty + ', 80) || 'qty))');
\pset format aligned

-- The hinted calls work: run them as the hint gives them.
CREATE FUNCTION lh_first_call(stmt text, want text) RETURNS text
LANGUAGE sql AS $$
  SELECT substring(l.hint from $re$^CALL schemashift\.\w+\((?:'(?:[^']|'')*'|[^')])*\)$re$)
    FROM schemashift.lint(stmt, false, 'require-statement-timeout=off, prefer-robust-stmts=off') l
   WHERE l.rule = want
$$;
SET client_min_messages = warning;
SELECT lh_first_call('CREATE INDEX lh_note ON lh (note)', 'require-concurrent-index-creation') \gexec
SELECT lh_first_call('ALTER TABLE lh ADD CONSTRAINT lh_qty_positive CHECK (qty >= 0)', 'constraint-missing-not-valid') \gexec
SELECT lh_first_call('ALTER TABLE lh ALTER COLUMN note SET NOT NULL', 'adding-not-nullable-field') \gexec
SELECT lh_first_call($$UPDATE lh SET note = 'it''s ' || id WHERE note LIKE 'n1%'$$, 'unbatched-backfill') \gexec
SELECT lh_first_call('REINDEX INDEX lh_d_idx', 'require-concurrent-reindex') \gexec
SELECT lh_first_call('DROP INDEX lh_d_idx', 'require-concurrent-index-deletion') \gexec
SELECT lh_first_call('ALTER TABLE lh ADD COLUMN flag boolean', 'require-lock-timeout') \gexec
-- the expand call returns its change, which contract then finishes
\o /dev/null
SELECT lh_first_call('ALTER TABLE lh RENAME COLUMN qty TO amount', 'renaming-column') \gexec
\o
-- (the change's id depends on the tests before this one: not echoed)
\set ECHO none
SELECT format('CALL schemashift.contract(%s)', id) FROM schemashift.changes
 WHERE relid = 'lh'::regclass AND state = 'ready' \gexec
\set ECHO all
SELECT kind, column_name, new_column, state FROM schemashift.changes WHERE relid = 'lh'::regclass;
RESET client_min_messages;
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indrelid = 'lh'::regclass ORDER BY indexrelid::regclass::text;
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'lh'::regclass ORDER BY 1;
SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'lh'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT count(*) AS backfilled FROM lh WHERE note LIKE 'it''s %';
SELECT count(*) AS lh_rows FROM lh;

-- The guard gives the same hint for a top-level statement.
SET schemashift.mode = warn;
CREATE INDEX lh_guarded ON lh (d);
RESET schemashift.mode;

DROP TABLE lh, lh_parent, "Lh Odd";
DROP DOMAIN lh_pos;
DROP FUNCTION lh_hint(text), lh_first_call(text, text);
