-- PostgreSQL 18 (docs/versions.md): NOT NULL constraints that may be NOT
-- VALID, and virtual generated columns.  Each answer of lint() is set
-- beside what the server really does: a new relfilenode is a rewrite; in
-- an open transaction, pg_locks shows the locks and the transaction's own
-- count of sequential scans of the table shows whether it read every row.
CREATE TABLE v18 (id bigint PRIMARY KEY, a int, note text, memo text);
INSERT INTO v18 (id, a, note, memo) SELECT g, g, 'x', 'y' FROM generate_series(1, 100) g;
CREATE FUNCTION v18_file() RETURNS oid LANGUAGE sql
  AS $$SELECT relfilenode FROM pg_class WHERE oid = 'v18'::regclass$$;
-- what a statement did to v18, asked in its own transaction (where no
-- statistics are flushed): the locks it holds on v18 at its end, and the
-- sequential scans of v18 it made
CREATE FUNCTION v18_measure(stmt text, OUT locks text, OUT scans bigint)
LANGUAGE plpgsql AS $$
DECLARE
  before bigint := pg_stat_get_xact_numscans('v18'::regclass);
BEGIN
  EXECUTE stmt;
  SELECT string_agg(mode, ', ' ORDER BY mode) INTO locks FROM pg_locks
   WHERE locktype = 'relation' AND relation = 'v18'::regclass AND pid = pg_backend_pid();
  scans := pg_stat_get_xact_numscans('v18'::regclass) - before;
END $$;

-- 1. virtual generated columns (the kind GENERATED ALWAYS AS (...) gives on
--    18) are computed when read: adding one rewrites nothing; STORED does
SELECT stmt, rule, rewrites FROM lr($$
ALTER TABLE v18 ADD COLUMN g1 int GENERATED ALWAYS AS (a * 2);
ALTER TABLE v18 ADD COLUMN g2 int GENERATED ALWAYS AS (a * 2) VIRTUAL;
ALTER TABLE v18 ADD COLUMN g3 int GENERATED ALWAYS AS (a * 2) STORED;
ALTER TABLE v18 ADD COLUMN g4 int GENERATED ALWAYS AS (a * 2) NOT NULL;
$$);
SELECT v18_file() AS f \gset
ALTER TABLE v18 ADD COLUMN g1 int GENERATED ALWAYS AS (a * 2);
SELECT v18_file() = :f AS virtual_kept_storage;
SELECT * FROM v18_measure('ALTER TABLE v18 ADD COLUMN g4 int GENERATED ALWAYS AS (a * 2) NOT NULL');
SELECT v18_file() = :f AS virtual_not_null_kept_storage;
ALTER TABLE v18 ADD COLUMN g3 int GENERATED ALWAYS AS (a * 2) STORED;
SELECT v18_file() <> :f AS stored_rewrote;

-- 2. SET EXPRESSION of a virtual column rewrites nothing; with NOT NULL it
--    computes the new expression for every row to check it
SELECT stmt, rule, rewrites FROM lr($$
ALTER TABLE v18 ALTER COLUMN g1 SET EXPRESSION AS (a * 3);
ALTER TABLE v18 ALTER COLUMN g4 SET EXPRESSION AS (a * 3);
ALTER TABLE v18 ALTER COLUMN g3 SET EXPRESSION AS (a * 3);
$$);
SELECT v18_file() AS f \gset
ALTER TABLE v18 ALTER COLUMN g1 SET EXPRESSION AS (a * 3);
SELECT v18_file() = :f AS virtual_kept_storage, (SELECT g1 FROM v18 WHERE id = 7) AS g1_of_7;
SELECT * FROM v18_measure('ALTER TABLE v18 ALTER COLUMN g4 SET EXPRESSION AS (a * 3)');
SELECT v18_file() = :f AS virtual_not_null_kept_storage;
ALTER TABLE v18 DROP COLUMN g3, DROP COLUMN g4;

-- 3. the NOT NULL recipe of 18: ADD CONSTRAINT ... NOT NULL ... NOT VALID
--    (ACCESS EXCLUSIVE for an instant, no scan), then VALIDATE CONSTRAINT
--    (SHARE UPDATE EXCLUSIVE, the scan); SET NOT NULL then has nothing to do
SELECT statement, rule, lock, hint FROM schemashift.lint($$
ALTER TABLE v18 ADD CONSTRAINT v18_note_nn NOT NULL note;
ALTER TABLE v18 ADD CONSTRAINT v18_note_nn NOT NULL note NOT VALID;
ALTER TABLE v18 ALTER COLUMN note SET NOT NULL;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT * FROM v18_measure('ALTER TABLE v18 ADD CONSTRAINT v18_note_nn NOT NULL note NOT VALID');
SELECT conname, contype, convalidated FROM pg_constraint WHERE conname = 'v18_note_nn';
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'v18'::regclass AND attname = 'note';

-- attnotnull is set, but rows may hold NULLs: SET NOT NULL validates, so
-- it still scans under ACCESS EXCLUSIVE (lint says so from the catalog)
SELECT stmt, rule, lock FROM lr('ALTER TABLE v18 ALTER COLUMN note SET NOT NULL;');
BEGIN;
SELECT * FROM v18_measure('ALTER TABLE v18 ALTER COLUMN note SET NOT NULL');
SELECT convalidated AS validated_by_set_not_null FROM pg_constraint WHERE conname = 'v18_note_nn';
ROLLBACK;
SELECT * FROM v18_measure('ALTER TABLE v18 VALIDATE CONSTRAINT v18_note_nn');
SELECT convalidated FROM pg_constraint WHERE conname = 'v18_note_nn';
-- validated: SET NOT NULL is a no-op, no scan
SELECT count(*) AS findings FROM lr('ALTER TABLE v18 ALTER COLUMN note SET NOT NULL;');
SELECT * FROM v18_measure('ALTER TABLE v18 ALTER COLUMN note SET NOT NULL');
-- and the catalog proof of 15-17 still serves 18: a validated CHECK
-- (col IS NOT NULL) spares SET NOT NULL its scan
ALTER TABLE v18 ADD CONSTRAINT v18_a_check CHECK (a IS NOT NULL);
SELECT count(*) AS findings FROM lr('ALTER TABLE v18 ALTER COLUMN a SET NOT NULL;');
SELECT * FROM v18_measure('ALTER TABLE v18 ALTER COLUMN a SET NOT NULL');
ALTER TABLE v18 ALTER COLUMN a DROP NOT NULL, DROP CONSTRAINT v18_a_check;
-- without a proof, SET NOT NULL reads every row
BEGIN;
SELECT * FROM v18_measure('ALTER TABLE v18 ALTER COLUMN a SET NOT NULL');
ROLLBACK;

-- the same proof, in one script
SELECT stmt, rule FROM lr($$
ALTER TABLE v18 ADD CONSTRAINT v18_memo_nn NOT NULL memo NOT VALID;
ALTER TABLE v18 VALIDATE CONSTRAINT v18_memo_nn;
ALTER TABLE v18 ALTER COLUMN memo SET NOT NULL;
ALTER TABLE v18 ALTER COLUMN a SET NOT NULL;
$$);
-- validated in the transaction that added it: the ADD's lock is held for the scan
SELECT stmt, rule FROM lr($$
BEGIN;
ALTER TABLE v18 ADD CONSTRAINT v18_memo_nn NOT NULL memo NOT VALID;
ALTER TABLE v18 VALIDATE CONSTRAINT v18_memo_nn;
COMMIT;
$$);

-- 4. add_constraint and apply() take the 18 recipe
CREATE TABLE v18c (id int PRIMARY KEY, email text, nick text, code text, tag text);
INSERT INTO v18c SELECT g, 'e' || g, NULL, 'c', 't' FROM generate_series(1, 20) g;
SELECT step, recipe, locks
  FROM schemashift.plan('ALTER TABLE v18c ALTER COLUMN email SET NOT NULL;');
SELECT step, recipe, locks
  FROM schemashift.plan('ALTER TABLE v18c ADD CONSTRAINT v18c_code_nn NOT NULL code;');
CALL schemashift.add_constraint('ALTER TABLE v18c ALTER COLUMN email SET NOT NULL');
SELECT conname, contype, convalidated FROM pg_constraint
 WHERE conrelid = 'v18c'::regclass AND contype IN ('c', 'n') ORDER BY conname;
CALL schemashift.add_constraint('ALTER TABLE v18c ALTER COLUMN email SET NOT NULL');
-- rows with NULLs: nothing is left behind
CALL schemashift.add_constraint('ALTER TABLE v18c ALTER COLUMN nick SET NOT NULL');
SELECT count(*) AS left_behind FROM pg_constraint WHERE conname = 'v18c_nick_not_null';
-- the table-constraint form, named, and a NOT VALID one the column already has
CALL schemashift.add_constraint('ALTER TABLE v18c ADD CONSTRAINT v18c_code_nn NOT NULL code NOT VALID');
SELECT conname, convalidated FROM pg_constraint WHERE conname = 'v18c_code_nn';
CALL schemashift.add_constraint('ALTER TABLE v18c ALTER COLUMN code SET NOT NULL');
SELECT conname, convalidated FROM pg_constraint WHERE conname = 'v18c_code_nn';
CALL schemashift.apply($$
SET lock_timeout = '1s';
ALTER TABLE v18c ADD CONSTRAINT v18c_tag_nn NOT NULL tag;
$$, 'v18-apply');
UPDATE v18c SET nick = 'n';
CALL schemashift.apply($$
SET lock_timeout = '1s';
ALTER TABLE v18c ALTER COLUMN nick SET NOT NULL;
$$, 'v18-apply-2');
SELECT conname, contype, convalidated FROM pg_constraint
 WHERE conrelid = 'v18c'::regclass AND contype IN ('c', 'n') ORDER BY conname;

-- 5. NOT ENFORCED constraints check no row (the parser marks them NOT
--    VALID); ALTER CONSTRAINT ... ENFORCED checks every row of a foreign key
--    under ACCESS EXCLUSIVE; add_constraint refuses what it cannot rebuild.
--    A foreign key NOT ENFORCED has no triggers: a delete of a parent row
--    does not look at the child, so foreign-key-without-index is not
--    reported for it (table or column form); it is at ENFORCED, which
--    creates the triggers (and not when the script indexes the column)
CREATE TABLE v18p (id int PRIMARY KEY);
INSERT INTO v18p VALUES (1), (3);
CREATE TABLE v18f (id int PRIMARY KEY, p int);
INSERT INTO v18f VALUES (1, 1), (2, 2);
SELECT stmt, rule, lock FROM lr($$
ALTER TABLE v18f ADD CONSTRAINT v18f_pos CHECK (id > 0) NOT ENFORCED;
ALTER TABLE v18f ADD CONSTRAINT v18f_p_fkey FOREIGN KEY (p) REFERENCES v18p NOT ENFORCED;
ALTER TABLE v18f ADD COLUMN q int REFERENCES v18p NOT ENFORCED;
ALTER TABLE v18f ADD COLUMN r int REFERENCES v18p DEFERRABLE NOT ENFORCED;
ALTER TABLE v18f ADD COLUMN s int REFERENCES v18p ENFORCED;
ALTER TABLE v18f ADD CONSTRAINT v18f_p_fkey2 FOREIGN KEY (p) REFERENCES v18p NOT VALID;
$$, false, 'prefer-bigint-over-int=off');
ALTER TABLE v18f ADD CONSTRAINT v18f_p_fkey FOREIGN KEY (p) REFERENCES v18p NOT ENFORCED;
-- the foreign key's triggers, and the scans of v18f a parent row deleted
-- makes (rolled back by the caller)
CREATE FUNCTION v18f_parent_delete(OUT triggers bigint, OUT child_scans bigint)
LANGUAGE plpgsql AS $$
DECLARE
  before bigint := pg_stat_get_xact_numscans('v18f'::regclass);
BEGIN
  DELETE FROM v18p WHERE id = 3;
  child_scans := pg_stat_get_xact_numscans('v18f'::regclass) - before;
  SELECT count(*) INTO triggers FROM pg_trigger
   WHERE tgconstraint = (SELECT oid FROM pg_constraint WHERE conname = 'v18f_p_fkey');
END $$;
-- NOT ENFORCED: no trigger, the child is not read
BEGIN;
SELECT * FROM v18f_parent_delete();
ROLLBACK;
SELECT statement, rule, object, lock, message
  FROM schemashift.lint('ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;', false,
                        'require-timeout-settings=off, prefer-robust-stmts=off')
 ORDER BY rule;
SELECT stmt, rule, object FROM lr($$
ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;
CREATE INDEX CONCURRENTLY v18f_p ON v18f (p);
$$);
BEGIN;
ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;
ROLLBACK;
DELETE FROM v18f WHERE p = 2;
-- ENFORCED: the locks on both tables, and a scan of each (the check)
BEGIN;
SELECT pg_stat_get_xact_numscans('v18f'::regclass) AS f_scans,
       pg_stat_get_xact_numscans('v18p'::regclass) AS p_scans \gset
ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;
SELECT pg_stat_get_xact_numscans('v18f'::regclass) - :f_scans AS child_scans,
       pg_stat_get_xact_numscans('v18p'::regclass) - :p_scans AS parent_scans;
SELECT relation::regclass AS rel, string_agg(mode, ', ' ORDER BY mode) AS enforce_locks FROM pg_locks
 WHERE locktype = 'relation' AND relation IN ('v18f'::regclass, 'v18p'::regclass)
   AND pid = pg_backend_pid()
 GROUP BY relation ORDER BY relation::regclass::text;
COMMIT;
-- ENFORCED, without an index on p: its triggers read the child
BEGIN;
SELECT * FROM v18f_parent_delete();
ROLLBACK;
-- enforced now: nothing left to check
SELECT count(*) AS findings FROM lr('ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;');
CALL schemashift.add_constraint('ALTER TABLE v18f ADD CONSTRAINT v18f_pos CHECK (id > 0) NOT ENFORCED');
SELECT count(*) AS added FROM pg_constraint WHERE conname = 'v18f_pos';

-- 6. ALTER CONSTRAINT ... [NO] INHERIT of a NOT NULL constraint: INHERIT
--    sets NOT NULL on every inheritor (at every level), scanning each one
--    nothing proves, under ACCESS EXCLUSIVE on the parent and all of them;
--    nothing is rewritten.  NO INHERIT takes the same locks and reads no
--    row.  The guard blocks what lint reports.
CREATE TABLE v18i (id int, a int CONSTRAINT v18i_a_nn NOT NULL NO INHERIT);
CREATE TABLE v18i_c1 () INHERITS (v18i);
CREATE TABLE v18i_c2 () INHERITS (v18i);
CREATE TABLE v18i_g () INHERITS (v18i_c1);
-- its column is proved by its own validated NOT NULL
CREATE TABLE v18i_p () INHERITS (v18i);
ALTER TABLE v18i_p ALTER COLUMN a SET NOT NULL;
INSERT INTO v18i SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO v18i_c1 SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO v18i_c2 SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO v18i_g SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO v18i_p SELECT g, g FROM generate_series(1, 10) g;
-- what a statement did to each table of the family, in its transaction:
-- the locks held at its end, the sequential scans, a new relfilenode
CREATE FUNCTION v18i_measure(stmt text)
RETURNS TABLE (rel text, locks text, scans bigint, rewritten boolean)
LANGUAGE plpgsql AS $$
DECLARE
  fam oid[] := ARRAY['v18i', 'v18i_c1', 'v18i_c2', 'v18i_g', 'v18i_p']::regclass[]::oid[];
  before_scans bigint[];
  before_files oid[];
BEGIN
  SELECT array_agg(pg_stat_get_xact_numscans(r) ORDER BY i), array_agg(c.relfilenode ORDER BY i)
    INTO before_scans, before_files
    FROM unnest(fam) WITH ORDINALITY AS u(r, i) JOIN pg_class c ON c.oid = u.r;
  EXECUTE stmt;
  RETURN QUERY
    SELECT u.r::regclass::text,
           (SELECT string_agg(l.mode, ', ' ORDER BY l.mode) FROM pg_locks l
             WHERE l.locktype = 'relation' AND l.relation = u.r AND l.pid = pg_backend_pid()),
           pg_stat_get_xact_numscans(u.r) - before_scans[u.i],
           c.relfilenode <> before_files[u.i]
      FROM unnest(fam) WITH ORDINALITY AS u(r, i) JOIN pg_class c ON c.oid = u.r
     ORDER BY u.i;
END $$;
SELECT statement, rule, object, lock, message FROM schemashift.lint($$
ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT;
ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn NO INHERIT;
$$, false, 'require-timeout-settings=off, prefer-robust-stmts=off') ORDER BY 1, 2;
BEGIN;
SELECT * FROM v18i_measure('ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT');
SELECT conrelid::regclass AS rel, conname, connoinherit, conislocal, coninhcount, convalidated
  FROM pg_constraint WHERE contype = 'n' AND conrelid::regclass::text LIKE 'v18i%' ORDER BY 1, 2;
ROLLBACK;
-- the guard blocks it (enforce), and lets NO INHERIT through (the audit
-- rows it writes here are removed at the end)
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
SET schemashift.mode = enforce;
ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT;
SET schemashift.mode = off;
-- inherited now: INHERIT again does nothing, NO INHERIT reads no row
ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT;
SELECT count(*) AS findings FROM lr('ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT;');
BEGIN;
SELECT * FROM v18i_measure('ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn NO INHERIT');
COMMIT;
SET schemashift.mode = enforce;
ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT;
ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn NO INHERIT;
SET schemashift.mode = off;
-- the children keep their NOT NULL (now their own): INHERIT scans nothing
SELECT count(*) AS findings FROM lr('ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT;');
BEGIN;
SELECT * FROM v18i_measure('ALTER TABLE v18i ALTER CONSTRAINT v18i_a_nn INHERIT');
ROLLBACK;

SET client_min_messages = warning;
DROP TABLE v18, v18c, v18f, v18p, v18i CASCADE;
RESET client_min_messages;
DROP FUNCTION v18_file(), v18_measure(text), v18i_measure(text), v18f_parent_delete();
DELETE FROM schemashift.ddl_log WHERE id > :log_mark;
