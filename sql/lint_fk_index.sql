-- Issue 17 item 3: foreign-key-without-index sees the index the script
-- creates after the foreign key (any form), names the referencing columns,
-- and carries the lock the statement takes.
SET schemashift.mode = off;
CREATE TABLE fki_parent (id bigint PRIMARY KEY);
CREATE TABLE fki_child (id bigint, parent_id bigint, note text);
CREATE TABLE fki_other (parent_id bigint);

CREATE FUNCTION fki(script text)
RETURNS TABLE (stmt int, rule text, object text, lock text)
LANGUAGE sql AS $$
  SELECT statement, rule, object, lock FROM schemashift.lint(script)
   WHERE rule IN ('foreign-key-without-index', 'adding-foreign-key-constraint')
   ORDER BY statement, rule
$$;

-- the usual order: the foreign key NOT VALID, then its index
SELECT * FROM fki($$
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
CREATE INDEX CONCURRENTLY fki_ci ON fki_child (parent_id);
$$);
-- without it: the finding is about fki_child.parent_id, under SHARE ROW EXCLUSIVE
SELECT * FROM fki($$
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
$$);
-- the lock the server takes for it
BEGIN;
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'fki_child'::regclass
 ORDER BY mode;
ROLLBACK;
-- any form of index, any time later in the script: a plain CREATE INDEX,
-- a UNIQUE or PRIMARY KEY constraint leading with the column
SELECT * FROM fki($$
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
ALTER TABLE fki_child VALIDATE CONSTRAINT fki_fk;
CREATE INDEX fki_ci ON fki_child (parent_id, note);
$$);
SELECT * FROM fki($$
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
ALTER TABLE fki_child ADD CONSTRAINT fki_u UNIQUE (parent_id, id);
$$);
SELECT * FROM fki($$
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
ALTER TABLE fki_child ADD PRIMARY KEY (parent_id);
$$);
-- an index that does not lead with the column, or on another table, or
-- before the statement that needs it in another script: still reported
SELECT * FROM fki($$
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
CREATE INDEX fki_ci ON fki_child (note, parent_id);
CREATE INDEX fki_oi ON fki_other (parent_id);
$$);
-- an index earlier in the script counts as before
SELECT * FROM fki($$
CREATE INDEX CONCURRENTLY fki_ci ON fki_child (parent_id);
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
$$);
-- several columns: the object is the table
SELECT * FROM fki($$
ALTER TABLE fki_child ADD CONSTRAINT fki_fk2 FOREIGN KEY (parent_id, id) REFERENCES fki_other (parent_id, parent_id) NOT VALID;
$$);

-- ADD COLUMN ... REFERENCES: the column, under the ACCESS EXCLUSIVE lock of
-- ADD COLUMN; its index may follow too
SELECT * FROM fki($$
ALTER TABLE fki_child ADD COLUMN p2 bigint REFERENCES fki_parent;
$$);
SELECT * FROM fki($$
ALTER TABLE fki_child ADD COLUMN p2 bigint REFERENCES fki_parent;
CREATE INDEX CONCURRENTLY fki_p2 ON fki_child (p2);
$$);
-- a new column without a default holds only NULLs: the server checks no
-- row (adding-foreign-key-constraint is not reported); with a default it
-- does scan the table
SELECT * FROM fki($$
ALTER TABLE fki_child ADD COLUMN p3 bigint DEFAULT 1 REFERENCES fki_parent;
CREATE INDEX CONCURRENTLY fki_p3 ON fki_child (p3);
$$);
INSERT INTO fki_parent VALUES (1);
INSERT INTO fki_child SELECT g, 1, 'n' FROM generate_series(1, 100) g;
BEGIN;
ALTER TABLE fki_child ADD COLUMN p2 bigint REFERENCES fki_parent;
SELECT pg_stat_get_xact_numscans('fki_child'::regclass) AS scans_without_default;
SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'fki_child'::regclass
 ORDER BY mode;
ROLLBACK;
BEGIN;
ALTER TABLE fki_child ADD COLUMN p3 bigint DEFAULT 1 REFERENCES fki_parent;
SELECT pg_stat_get_xact_numscans('fki_child'::regclass) > 0 AS scans_with_default;
ROLLBACK;

-- The guard sees one statement at a time: it cannot know the index that
-- follows, and warns at the foreign key (a warning never blocks)
-- (the audit rows the guard writes here are removed at the end)
SELECT coalesce(max(id), 0) AS log_mark FROM schemashift.ddl_log \gset
SET schemashift.mode = enforce;
ALTER TABLE fki_child ADD CONSTRAINT fki_fk FOREIGN KEY (parent_id) REFERENCES fki_parent NOT VALID;
CREATE INDEX fki_ci ON fki_child (parent_id);
SET schemashift.mode = off;

DROP FUNCTION fki(text);
DROP TABLE fki_child, fki_parent, fki_other;
DELETE FROM schemashift.ddl_log WHERE id > :log_mark;
