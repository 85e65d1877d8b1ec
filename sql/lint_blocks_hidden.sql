--
-- PostgreSQL 16 and later: plpgsql.so no longer exports its inline
-- compiler (a module's symbols are hidden unless marked), so the statements
-- inside DO blocks and inside the functions a script calls are not linted.
-- The blocks are passed over without an error; the statements around them
-- are linted as always.  (lint_blocks runs on 15, where blocks are read.)
--
CREATE TABLE blk_child (id bigint PRIMARY KEY, parent_id bigint, note text);
SELECT statement, rule FROM schemashift.lint($s$
DO $x$ BEGIN ALTER TABLE blk_child RENAME COLUMN note TO body; END $x$;
CREATE FUNCTION blk_drop() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN ALTER TABLE blk_child DROP COLUMN note; END $f$;
SELECT blk_drop();
ALTER TABLE blk_child DROP COLUMN parent_id;
$s$) WHERE rule IN ('renaming-column', 'ban-drop-column')
ORDER BY statement;
DROP TABLE blk_child;
