-- Issue 17 items 7 and 6.
--
-- Item 7: each finding about one sub-command of a multi-clause ALTER TABLE
-- points at that sub-command (line and column), not at the statement.
CREATE TABLE lp (id bigint PRIMARY KEY, ts timestamp, d timestamp, note text);
CREATE SCHEMA "Lp Schema";
CREATE TABLE "Lp Schema"."Odd Table" (id bigint, "A b" text, c text);

SELECT line, col, rule, object FROM lr(E'ALTER TABLE lp\n DROP COLUMN note,\n DROP COLUMN d;');
-- the same with prefer-robust-stmts on: each "missing IF EXISTS" at its own clause
SELECT line, col, rule FROM schemashift.lint(E'ALTER TABLE lp\n  DROP COLUMN note,\n  DROP COLUMN IF EXISTS d;',
                                             rules => 'require-timeout-settings=off')
 ORDER BY line, col;
-- qualified and quoted names, ONLY, "*", IF EXISTS, several clauses on one line
SELECT line, col, rule, object FROM lr(E'ALTER TABLE IF EXISTS ONLY "Lp Schema"."Odd Table" DROP COLUMN "A b", ALTER COLUMN c SET NOT NULL;');
SELECT line, col, rule, object FROM lr(E'ALTER TABLE public.lp *\n\tALTER COLUMN note SET NOT NULL,\n\tALTER COLUMN d DROP NOT NULL,\n\tDROP COLUMN ts;');
-- commas inside parentheses and brackets do not start a clause
SELECT line, col, rule, object FROM lr(E'ALTER TABLE lp\n  ALTER COLUMN id TYPE numeric(20, 0) USING (id::numeric(20, 0)),\n  DROP COLUMN note;');
-- a clause without a finding of its own takes nothing from the others
SELECT line, col, rule, object FROM lr(E'ALTER TABLE lp ADD COLUMN x bigint,\n  DROP COLUMN note;');
-- inside a DO block, at the clause in the block
SELECT line, col, rule FROM lr(E'DO $x$\nBEGIN\n  ALTER TABLE lp\n    DROP COLUMN note,\n    DROP COLUMN d;\nEND $x$;');
-- an EXECUTE string is not verbatim in the script: the statement's position
SELECT line, col, rule FROM lr(E'DO $x$ BEGIN EXECUTE ''ALTER TABLE lp DROP COLUMN note, DROP COLUMN d''; END $x$;');
-- a finding about the whole statement stays at its start
SELECT line, col, rule FROM schemashift.lint(E'ALTER TABLE lp\n  ADD COLUMN y int,\n  DROP COLUMN d;',
                                             rules => 'prefer-robust-stmts=off, require-statement-timeout=off, prefer-bigint-over-int=off');

-- Item 6: output columns are named as the server names them
-- (FigureColname), so only real clashes are reported.
CREATE TYPE lp_pair AS (id int, parent_id int);
CREATE TABLE lp_items (h lp_pair, id int);
-- succeeds on the server: columns id and parent_id
SELECT count(*) FROM lr('CREATE TABLE lp_copy AS SELECT (i.h).id, (i.h).parent_id FROM lp_items i');
CREATE TABLE lp_copy AS SELECT (i.h).id, (i.h).parent_id FROM lp_items i;
-- fails on the server: two columns named id
SELECT line, col, rule, object FROM lr('CREATE TABLE lp_copy2 AS SELECT (i.h).id, i.id FROM lp_items i');
CREATE TABLE lp_copy2 AS SELECT (i.h).id, i.id FROM lp_items i;
-- what the server names: casts, CASE, array subscripts, functions
SELECT count(*) FROM lr('CREATE TABLE lp_c3 AS SELECT id::text, CASE WHEN true THEN 1 END, (ARRAY[1])[1], count(*) FROM lp_items GROUP BY 1, 2, 3');
CREATE TABLE lp_c3 AS SELECT id::text, CASE WHEN true THEN 1 END, (ARRAY[1])[1], count(*) FROM lp_items GROUP BY 1, 2, 3;
SELECT attname FROM pg_attribute WHERE attrelid = 'lp_c3'::regclass AND attnum > 0 ORDER BY attnum;
-- (x).* stands for the type's fields, which are not judged
SELECT count(*) FROM lr('CREATE TABLE lp_star AS SELECT (h).*, id FROM lp_items');
SELECT line, col, rule, object FROM lr('CREATE TABLE lp_c4 AS SELECT CASE WHEN true THEN 1 END, CASE WHEN false THEN 2 END');
CREATE TABLE lp_c4 AS SELECT CASE WHEN true THEN 1 END, CASE WHEN false THEN 2 END;
-- a column list names the first columns, the server the rest
SELECT line, col, rule, object FROM lr('CREATE TABLE lp_c5 (a) AS SELECT 1 AS x, 2 AS a');
CREATE TABLE lp_c5 (a) AS SELECT 1 AS x, 2 AS a;
SELECT count(*) FROM lr('CREATE TABLE lp_c6 (a, b) AS SELECT 1 AS b, 2 AS a');
SELECT line, col, rule, object FROM lr('CREATE VIEW lp_v (a) AS SELECT 1 AS x, 2 AS a');
CREATE VIEW lp_v (a) AS SELECT 1 AS x, 2 AS a;
SELECT line, col, rule, object FROM lr('CREATE VIEW lp_v2 (a, a) AS VALUES (1, 2)');
SELECT line, col, rule, object FROM lr('SELECT (i.h).id, i.id INTO lp_into FROM lp_items i');

DROP TABLE lp, lp_items, lp_copy, lp_c3;
DROP TYPE lp_pair;
DROP SCHEMA "Lp Schema" CASCADE;
