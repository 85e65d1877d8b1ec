--
-- Attack class: settings and size (issue 18, item 6).
--
-- schemashift.min_table_size lets findings of lock-duration rules on a
-- small table through at level info.  What must hold: an ordinary role
-- cannot set it (SET, set_config(), ALTER ROLE ... SET) and its session
-- keeps the administrator's value; a table that is small when the guard
-- judges it cannot carry a long lock onto a big one: the guard judges every
-- table the statement acts on (partitions, inheritance children, the
-- referenced table of a foreign key, the partition ATTACH names, every
-- table of a TRUNCATE and what CASCADE reaches, an index's table), and
-- data the attacker's own transaction wrote counts.  (A placeholder set
-- before the library loads is in test/security/t/002_settings_fail_closed.pl.)
--
SELECT security_reset();
\set SHOW_CONTEXT never

-- the administrator's value for this session: 64kB; the fixtures, owned by
-- regress_app: an empty table, and big ones (about 400 kB each) below an
-- empty partitioned parent, an empty inheritance parent and referencing
-- the empty table
SET schemashift.min_table_size = '64kB';
SET schemashift.mode = off;
SET ROLE regress_app;
CREATE TABLE appschema.small (id bigint PRIMARY KEY, note text);
CREATE TABLE appschema.big (id bigint PRIMARY KEY, small_id bigint REFERENCES appschema.small, note text);
INSERT INTO appschema.small VALUES (1, 'one');
INSERT INTO appschema.big SELECT g, 1, repeat('x', 40) FROM generate_series(1, 5000) g;
CREATE TABLE appschema.parted (id bigint, at int) PARTITION BY RANGE (at);
CREATE TABLE appschema.parted_big PARTITION OF appschema.parted FOR VALUES FROM (0) TO (10);
INSERT INTO appschema.parted SELECT g, 5 FROM generate_series(1, 10000) g;
CREATE TABLE appschema.parent (id bigint, note text);
CREATE TABLE appschema.child () INHERITS (appschema.parent);
INSERT INTO appschema.child SELECT g, repeat('x', 40) FROM generate_series(1, 5000) g;
CREATE TABLE appschema.loose (id bigint, at int);
INSERT INTO appschema.loose SELECT g, 5 FROM generate_series(1, 10000) g;
CREATE TABLE appschema.parted2 (id bigint, at int) PARTITION BY RANGE (at);
CREATE UNIQUE INDEX parted2_id ON appschema.parted2 (id, at);
CREATE INDEX big_none ON appschema.big (id) WHERE id < 0;
RESET ROLE;
SET schemashift.mode = enforce;
SET ROLE regress_app;

-- 1. regress_app raises the size to let everything through.  Must hold:
-- each attempt is refused and the session keeps 64kB.
SET schemashift.min_table_size = '1GB';
SELECT set_config('schemashift.min_table_size', '1GB', false);
ALTER ROLE regress_app SET schemashift.min_table_size = '1GB';
SHOW schemashift.min_table_size;

-- 2. The control: an index on the small table goes through, at level info.
CREATE INDEX small_note ON appschema.small (note);

-- 3. An index on an empty partitioned parent builds one on every
-- partition.  Must hold: blocked, the partition's data counts.
CREATE INDEX parted_id ON appschema.parted (id);

-- 4. A type change on an empty inheritance parent rewrites its children.
-- Must hold: blocked.
ALTER TABLE appschema.parent ALTER COLUMN id TYPE numeric;

-- 5. A foreign key from the small table to the big one: the check reads
-- both.  Must hold: blocked.
ALTER TABLE appschema.small ADD CONSTRAINT small_big FOREIGN KEY (id) REFERENCES appschema.big (id);

-- 6. Attaching a big table to an empty partitioned parent builds the
-- parent's index on it and scans it.  Must hold: blocked.
ALTER TABLE appschema.parted2 ATTACH PARTITION appschema.loose FOR VALUES FROM (0) TO (10);

-- 7. DROP INDEX names an index: its table is what is locked.  Must hold:
-- a tiny index of the big table cannot be dropped without CONCURRENTLY.
DROP INDEX appschema.big_none;

-- 8. TRUNCATE (judged by the same engine lint() runs: the guard sees
-- TRUNCATE only when preloaded, test security_*_hook).  Must hold: a
-- TRUNCATE naming the small table and a big one, or the small one with
-- CASCADE (big references it), stays at level error
-- (the small table alone is the control: info).
SELECT statement, rule, level
  FROM schemashift.lint(E'TRUNCATE appschema.small;\nTRUNCATE appschema.small, appschema.big;\nTRUNCATE appschema.small CASCADE;\nTRUNCATE appschema.parted;',
                        rules => 'require-timeout-settings=off')
 ORDER BY statement, rule;

-- 9. Data the attacker's own transaction wrote counts: the table holds one
-- row when the transaction starts.  Must hold: blocked.
BEGIN;
INSERT INTO appschema.small SELECT g, repeat('x', 40) FROM generate_series(2, 5000) g;
CREATE INDEX small_note2 ON appschema.small (note);
ROLLBACK;

-- 10. Rules about breaking the application do not care about the size.
-- Must hold: a rename of the small table is blocked.
ALTER TABLE appschema.small RENAME TO tiny;

RESET ROLE;
-- after all attempts: no index was built or dropped but the control, no
-- column changed type
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = 'appschema'::regnamespace AND c.relkind IN ('i', 'I')
 ORDER BY 1;
SELECT attrelid::regclass, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid IN ('appschema.parent'::regclass, 'appschema.child'::regclass) AND attname = 'id'
 ORDER BY 1;
SELECT count(*) AS small_rows FROM appschema.small;
SELECT setrole::regrole, setconfig FROM pg_db_role_setting WHERE setrole = 'regress_app'::regrole;
RESET schemashift.min_table_size;
SELECT * FROM security_victims();
