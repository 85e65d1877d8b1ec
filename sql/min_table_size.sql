--
-- schemashift.min_table_size: on a table whose data is under the setting,
-- rules about how long a lock is held report at level info, with the size
-- judged in the message; rules about breaking the application do not move;
-- DROP TABLE and a NOT NULL column without a default pass only on a table
-- with no data at all.  In lint() and in the guard alike.
--
\set SHOW_CONTEXT never
SET schemashift.mode = off;

-- fixtures: an empty table, a one-row one, a big one (about 2.5 MB), a
-- partitioned table whose parent is empty and whose partition is big
CREATE TABLE mts_empty (id bigint, note text);
CREATE TABLE mts_one (id bigint PRIMARY KEY, note text);
INSERT INTO mts_one VALUES (1, 'one');
CREATE TABLE mts_big (id bigint PRIMARY KEY, note text);
INSERT INTO mts_big SELECT g, repeat('x', 40) FROM generate_series(1, 40000) g;
CREATE TABLE mts_parted (id bigint, at int) PARTITION BY RANGE (at);
CREATE TABLE mts_parted_1 PARTITION OF mts_parted FOR VALUES FROM (0) TO (10);
CREATE TABLE mts_parted_2 PARTITION OF mts_parted FOR VALUES FROM (10) TO (20);
INSERT INTO mts_parted SELECT g, 15 FROM generate_series(1, 40000) g;
-- a small table referenced by a big one: TRUNCATE ... CASCADE reaches it
CREATE TABLE mts_ref (id bigint PRIMARY KEY, note text);
INSERT INTO mts_ref VALUES (1, 'one');
ALTER TABLE mts_big ADD COLUMN ref bigint REFERENCES mts_ref (id);

CREATE FUNCTION mts_lint(script text)
RETURNS TABLE (stmt int, rule text, level text, message text)
LANGUAGE sql AS $$
  SELECT statement, rule, level, message
    FROM schemashift.lint(script, false,
                          'require-timeout-settings=off, prefer-robust-stmts=off, prefer-bigint-over-int=off')
$$;

-- the setting: 0 (off) by default, a size with units
SHOW schemashift.min_table_size;
SET schemashift.min_table_size = '1MB';
SHOW schemashift.min_table_size;
SELECT current_setting('schemashift.min_table_size') = '1MB' AS set_in_bytes;

-- an empty and a one-row table: index builds, drops, validation scans and
-- rewrites report at level info, with the size
SELECT * FROM mts_lint($$
CREATE INDEX mts_empty_id ON mts_empty (id);
CREATE INDEX mts_one_note ON mts_one (note);
DROP INDEX mts_one_pkey;
REINDEX TABLE mts_one;
ALTER TABLE mts_one ALTER COLUMN note SET NOT NULL;
ALTER TABLE mts_one ADD CONSTRAINT positive CHECK (id > 0);
ALTER TABLE mts_one ADD CONSTRAINT note_key UNIQUE (note);
ALTER TABLE mts_one ALTER COLUMN id TYPE int;
ALTER TABLE mts_one ADD COLUMN at timestamptz DEFAULT clock_timestamp();
VACUUM FULL mts_one;
$$);

-- the same with the setting 0: every one at its own level
SET schemashift.min_table_size = 0;
SELECT stmt, rule, level FROM mts_lint($$
CREATE INDEX mts_empty_id ON mts_empty (id);
CREATE INDEX mts_one_note ON mts_one (note);
ALTER TABLE mts_one ALTER COLUMN id TYPE int;
ALTER TABLE mts_one ALTER COLUMN note SET NOT NULL;
$$);
SET schemashift.min_table_size = '1MB';

-- a table over the size: errors as before
SELECT stmt, rule, level, message FROM mts_lint($$
CREATE INDEX mts_big_note ON mts_big (note);
ALTER TABLE mts_big ALTER COLUMN note SET NOT NULL;
$$);

-- a partitioned table counts its partitions: the parent holds no data, but
-- building an index on it builds one on the big partition
SELECT stmt, rule, level FROM mts_lint($$
CREATE INDEX mts_parted_id ON mts_parted (id);
CREATE INDEX mts_parted_1_id ON mts_parted_1 (id);
$$);

-- a foreign key counts both tables: a small table referencing a big one
-- blocks, a small one referencing a small one does not
SELECT stmt, rule, level FROM mts_lint($$
ALTER TABLE mts_one ADD CONSTRAINT one_big FOREIGN KEY (id) REFERENCES mts_big (id);
ALTER TABLE mts_one ADD CONSTRAINT one_ref FOREIGN KEY (id) REFERENCES mts_ref (id);
$$);

-- rules about breaking the application apply whatever the size
SELECT stmt, rule, level FROM mts_lint($$
ALTER TABLE mts_empty RENAME COLUMN note TO remark;
ALTER TABLE mts_empty RENAME TO mts_void;
ALTER TABLE mts_empty DROP COLUMN note;
$$);

-- DROP TABLE and a NOT NULL column without a default: only a table with no
-- data at all (0 bytes); one row is data
SELECT * FROM mts_lint($$
DROP TABLE mts_empty;
DROP TABLE mts_one;
ALTER TABLE mts_empty ADD COLUMN must int NOT NULL;
ALTER TABLE mts_one ADD COLUMN must int NOT NULL;
$$);
-- dropping several tables counts all of them
SELECT stmt, rule, level FROM mts_lint('DROP TABLE mts_empty, mts_one;');

-- TRUNCATE: every table it truncates, their partitions, and for CASCADE
-- every table its foreign keys reach (mts_big references mts_ref)
SELECT * FROM mts_lint($$
TRUNCATE mts_empty;
TRUNCATE mts_one;
TRUNCATE mts_one, mts_big;
TRUNCATE mts_one CASCADE;
TRUNCATE mts_ref CASCADE;
TRUNCATE mts_parted;
$$);

-- the guard, in enforce mode: the statements go through on trivial tables
-- (with a notice saying why), and are blocked on big ones
SET schemashift.mode = enforce;
CREATE INDEX mts_empty_id ON mts_empty (id);
ALTER TABLE mts_one ALTER COLUMN note SET NOT NULL;
ALTER TABLE mts_one ALTER COLUMN id TYPE numeric;
TRUNCATE mts_one;
DROP TABLE mts_empty;
CREATE INDEX mts_big_note ON mts_big (note);
ALTER TABLE mts_big ALTER COLUMN note SET NOT NULL;
CREATE INDEX mts_parted_id ON mts_parted (id);
TRUNCATE mts_ref CASCADE;
DROP TABLE mts_ref CASCADE;
-- a rename on the now empty table is still blocked
ALTER TABLE mts_one RENAME COLUMN note TO remark;
-- and with the setting 0 the trivial table is blocked again
SET schemashift.min_table_size = 0;
CREATE INDEX mts_one_note ON mts_one (note);
SET schemashift.mode = off;
SELECT count(*) AS big_rows FROM mts_big;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid IN ('mts_one'::regclass, 'mts_big'::regclass) ORDER BY indexrelid::regclass::text;

RESET schemashift.min_table_size;
DROP TABLE mts_one, mts_big, mts_parted, mts_ref CASCADE;
DROP FUNCTION mts_lint(text);
