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
--    under ACCESS EXCLUSIVE; add_constraint refuses what it cannot rebuild
CREATE TABLE v18p (id int PRIMARY KEY);
INSERT INTO v18p VALUES (1);
CREATE TABLE v18f (id int PRIMARY KEY, p int);
INSERT INTO v18f VALUES (1, 1), (2, 2);
SELECT stmt, rule, lock FROM lr($$
ALTER TABLE v18f ADD CONSTRAINT v18f_pos CHECK (id > 0) NOT ENFORCED;
ALTER TABLE v18f ADD CONSTRAINT v18f_p_fkey FOREIGN KEY (p) REFERENCES v18p NOT ENFORCED;
$$);
ALTER TABLE v18f ADD CONSTRAINT v18f_p_fkey FOREIGN KEY (p) REFERENCES v18p NOT ENFORCED;
SELECT statement, rule, lock, message
  FROM schemashift.lint('ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;', false,
                        'require-timeout-settings=off, prefer-robust-stmts=off');
BEGIN;
ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;
ROLLBACK;
DELETE FROM v18f WHERE p = 2;
BEGIN;
ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;
SELECT string_agg(mode, ', ' ORDER BY mode) AS enforce_locks FROM pg_locks
 WHERE locktype = 'relation' AND relation = 'v18f'::regclass AND pid = pg_backend_pid();
COMMIT;
-- enforced now: nothing left to check
SELECT count(*) AS findings FROM lr('ALTER TABLE v18f ALTER CONSTRAINT v18f_p_fkey ENFORCED;');
CALL schemashift.add_constraint('ALTER TABLE v18f ADD CONSTRAINT v18f_pos CHECK (id > 0) NOT ENFORCED');
SELECT count(*) AS added FROM pg_constraint WHERE conname = 'v18f_pos';

DROP TABLE v18, v18c, v18f, v18p;
DROP FUNCTION v18_file(), v18_measure(text);
