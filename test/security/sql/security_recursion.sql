--
-- Class: recursion into existing relations.  A relation created in this
-- transaction is new, but a statement on it also reaches its inheritance
-- children, partitions and typed tables: "new" must hold for all of them.
-- Also DROP OWNED, which reaches every table of a role (REASSIGN OWNED:
-- security_recursion_hook, only the hook sees it).
--
SELECT security_reset();
SET ROLE regress_app;

-- Attack: make victim an inheritance child of a new table, then drop the
-- column through the parent.  (The server would keep victim's "secret", a
-- column of its own before INHERIT, but still lock and alter victim; a
-- partition's columns are not its own: see the next attack.)  Must hold:
-- refused, victim keeps "secret".
BEGIN;
CREATE TABLE rec_p1 (LIKE victim);
ALTER TABLE victim INHERIT rec_p1;
ALTER TABLE rec_p1 DROP COLUMN secret;
COMMIT;
SELECT * FROM security_victims();

-- Attack: attach victim as a partition of a new partitioned table, then
-- drop the column through the parent.  Must hold: refused.
BEGIN;
CREATE TABLE rec_p2 (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_p2 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
ALTER TABLE rec_p2 DROP COLUMN secret;
COMMIT;
SELECT * FROM security_victims();

-- Attack: the same route renames victim's column.  Must hold: refused.
BEGIN;
CREATE TABLE rec_p3 (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_p3 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
ALTER TABLE rec_p3 RENAME COLUMN secret TO s2;
COMMIT;
SELECT * FROM security_victims();

-- Attack: SET NOT NULL through the parent scans victim under ACCESS
-- EXCLUSIVE.  Must hold: refused, secret stays nullable.
BEGIN;
CREATE TABLE rec_p4 (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_p4 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
ALTER TABLE rec_p4 ALTER COLUMN secret SET NOT NULL;
COMMIT;
SELECT * FROM security_victims();

-- Attack: a validated CHECK through the parent scans victim and adds the
-- constraint to it.  Must hold: refused, no new constraint on victim.
BEGIN;
CREATE TABLE rec_p5 (LIKE victim);
ALTER TABLE victim INHERIT rec_p5;
ALTER TABLE rec_p5 ADD CONSTRAINT rec_ck CHECK (n > 0);
COMMIT;
SELECT * FROM security_victims();

-- Attack: a plain CREATE INDEX on the new partitioned parent builds an
-- index on victim while blocking its writers.  Must hold: refused, victim
-- has only its primary key index.
BEGIN;
CREATE TABLE rec_p6 (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_p6 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
CREATE INDEX rec_p6_n ON rec_p6 (n);
COMMIT;
SELECT count(*) AS victim_indexes FROM pg_index WHERE indrelid = 'public.victim'::regclass;

-- Attack: the other order: the index made on the new parent while it is
-- empty, then victim attached, which builds the index on victim under
-- ACCESS EXCLUSIVE.  Must hold: refused; an index of the parent that
-- victim already has (its primary key's) is no reason to refuse.
BEGIN;
CREATE TABLE rec_a1 (LIKE victim) PARTITION BY RANGE (id);
CREATE INDEX rec_a1_n ON rec_a1 (n);
ALTER TABLE rec_a1 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
COMMIT;
SELECT count(*) AS victim_indexes FROM pg_index WHERE indrelid = 'public.victim'::regclass;
BEGIN;
CREATE TABLE rec_a2 (LIKE victim) PARTITION BY RANGE (id);
CREATE INDEX rec_a2_id ON rec_a2 (id);
ALTER TABLE rec_a2 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
ROLLBACK;

-- Attack: a foreign key added to the new parent while it is empty, then
-- victim attached: the key is cloned onto victim and every row checked
-- under ACCESS EXCLUSIVE.  Must hold: refused, victim gains no constraint.
BEGIN;
CREATE TABLE rec_f1 (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_f1 ADD CONSTRAINT rec_f1_fk FOREIGN KEY (id) REFERENCES victim2 (id);
ALTER TABLE rec_f1 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
COMMIT;
SELECT * FROM security_victims();

-- Attack: a type change through the parent rewrites victim.  Must hold:
-- refused, n stays integer.
BEGIN;
CREATE TABLE rec_p7 (LIKE victim);
ALTER TABLE victim INHERIT rec_p7;
ALTER TABLE rec_p7 ALTER COLUMN n TYPE bigint;
COMMIT;
SELECT * FROM security_victims();

-- Attack: two levels: victim under a new table that is itself under a new
-- table, the links made in either order.  Must hold: both refused.
BEGIN;
CREATE TABLE rec_top (LIKE victim);
CREATE TABLE rec_mid (LIKE victim);
ALTER TABLE rec_mid INHERIT rec_top;
ALTER TABLE victim INHERIT rec_mid;
ALTER TABLE rec_top DROP COLUMN secret;
COMMIT;
BEGIN;
CREATE TABLE rec_top (LIKE victim);
CREATE TABLE rec_mid (LIKE victim);
ALTER TABLE victim INHERIT rec_mid;
ALTER TABLE rec_mid INHERIT rec_top;
ALTER TABLE rec_top DROP COLUMN secret;
COMMIT;
SELECT * FROM security_victims();

-- Attack: dropping the new partitioned parent drops its partitions, victim
-- among them; DROP ... CASCADE does the same to inheritance children.
-- Must hold: both refused, victim still there.
BEGIN;
CREATE TABLE rec_p8 (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_p8 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
DROP TABLE rec_p8;
COMMIT;
BEGIN;
CREATE TABLE rec_p9 (LIKE victim);
ALTER TABLE victim INHERIT rec_p9;
DROP TABLE rec_p9 CASCADE;
COMMIT;
SELECT * FROM security_victims();

-- Attack: make victim a typed table of a new composite type, then drop the
-- type's attribute with CASCADE, which drops victim's column.  Must hold:
-- refused.
BEGIN;
CREATE TYPE rec_comp AS (id integer, n integer, secret text);
ALTER TABLE victim OF rec_comp;
ALTER TYPE rec_comp DROP ATTRIBUTE secret CASCADE;
COMMIT;
SELECT * FROM security_victims();

-- Attack: the same with a composite type in the temporary schema, which
-- counts as private.  Must hold: refused.
BEGIN;
CREATE TYPE pg_temp.rec_tcomp AS (id integer, n integer, secret text);
ALTER TABLE victim OF pg_temp.rec_tcomp;
ALTER TYPE pg_temp.rec_tcomp DROP ATTRIBUTE secret CASCADE;
COMMIT;
-- Attack: dropping the new type with CASCADE drops its typed table.  Must
-- hold: refused (the guard's check of what a DROP removes by cascade).
BEGIN;
CREATE TYPE rec_comp2 AS (id integer, n integer, secret text);
ALTER TABLE victim OF rec_comp2;
DROP TYPE rec_comp2 CASCADE;
COMMIT;
SELECT * FROM security_victims();

-- Attack: the parent made in a released savepoint, the rename in another
-- savepoint; victim two levels below a new partitioned table (through a
-- new DEFAULT partition); a column with a volatile default added through a
-- new parent (rewrites victim).  Must hold: all refused.
BEGIN;
SAVEPOINT a;
CREATE TABLE rec_sp (LIKE victim);
RELEASE a;
ALTER TABLE victim INHERIT rec_sp;
SAVEPOINT b;
ALTER TABLE rec_sp RENAME COLUMN secret TO s2;
COMMIT;
BEGIN;
CREATE TABLE rec_l1 (LIKE victim) PARTITION BY LIST (id);
CREATE TABLE rec_l2 PARTITION OF rec_l1 DEFAULT PARTITION BY RANGE (id);
ALTER TABLE rec_l2 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
ALTER TABLE rec_l1 DROP COLUMN secret;
COMMIT;
BEGIN;
CREATE TABLE rec_vol (LIKE victim);
ALTER TABLE victim INHERIT rec_vol;
ALTER TABLE rec_vol ADD COLUMN z bigint DEFAULT (random() * 10)::bigint;
COMMIT;
SELECT * FROM security_victims();

-- Attack sweep: every rule about an existing table applies through a new
-- partitioned parent (primary key, foreign key, stored generated column,
-- NOT NULL column, type change); each tried in a savepoint, the attach
-- rolled back at the end.  Must hold: each refused.
BEGIN;
CREATE TABLE rec_s (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rec_s ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
SAVEPOINT s;
ALTER TABLE rec_s ADD PRIMARY KEY (id);
ROLLBACK TO s;
ALTER TABLE rec_s ADD CONSTRAINT rec_s_fk FOREIGN KEY (id) REFERENCES victim2 (id);
ROLLBACK TO s;
ALTER TABLE rec_s ADD COLUMN g bigint GENERATED ALWAYS AS (n * 2) STORED;
ROLLBACK TO s;
ALTER TABLE rec_s ADD COLUMN x bigint NOT NULL;
ROLLBACK TO s;
ALTER TABLE rec_s ALTER COLUMN secret TYPE varchar(3);
ROLLBACK;
SELECT * FROM security_victims();

-- Legitimate: a new parent whose children are all new is new.  Must hold:
-- everything passes.  (The children are dropped first: a table dropped by
-- cascade is checked after the fact, when it is gone and nothing says it
-- was new.)
BEGIN;
CREATE TABLE rec_ok (id bigint, note text);
CREATE TABLE rec_ok_child (extra text) INHERITS (rec_ok);
CREATE TABLE rec_ok_parted (id bigint, note text) PARTITION BY RANGE (id);
CREATE TABLE rec_ok_part PARTITION OF rec_ok_parted FOR VALUES FROM (0) TO (10);
ALTER TABLE rec_ok DROP COLUMN note;
ALTER TABLE rec_ok_parted DROP COLUMN note;
CREATE INDEX rec_ok_parted_id ON rec_ok_parted (id);
ALTER TABLE rec_ok_parted ADD CONSTRAINT rec_ok_ck CHECK (id > 0);
DROP TABLE rec_ok_child;
DROP TABLE rec_ok;
DROP TABLE rec_ok_part;
DROP TABLE rec_ok_parted;
COMMIT;

-- Legitimate: ONLY keeps the statement on the new parent, and renaming the
-- new parent itself leaves its children alone.  Must hold: it passes and
-- victim keeps its column.
BEGIN;
CREATE TABLE rec_only (LIKE victim);
ALTER TABLE victim INHERIT rec_only;
ALTER TABLE ONLY rec_only DROP COLUMN secret;
ALTER TABLE rec_only RENAME TO rec_only2;
ALTER TABLE victim NO INHERIT rec_only2;
DROP TABLE rec_only2;
COMMIT;
SELECT * FROM security_victims();

-- Attack: DROP OWNED BY drops every table the role owns.  Must hold:
-- refused, both victims still there.
DROP OWNED BY current_user;
DROP OWNED BY regress_app CASCADE;
SELECT * FROM security_victims();

-- Legitimate: a role that owns no table may drop what it owns.
RESET ROLE;
CREATE ROLE regress_rec_empty;
SET ROLE regress_rec_empty;
DROP OWNED BY regress_rec_empty;
RESET ROLE;
DROP ROLE regress_rec_empty;

