--
-- Class: recursion into existing relations, through the statements only
-- the ProcessUtility hook sees (TRUNCATE; REASSIGN OWNED, for which event
-- triggers do not fire).  A relation created in this transaction is new;
-- its existing children and partitions are not.
--
SELECT security_reset();
SET ROLE regress_app;

-- Attack: make victim an inheritance child of a new table and truncate the
-- parent, which truncates victim.  Must hold: refused, victim keeps its rows.
BEGIN;
CREATE TABLE rech_p1 (LIKE victim);
ALTER TABLE victim INHERIT rech_p1;
TRUNCATE rech_p1;
COMMIT;
SELECT * FROM security_victims();

-- Attack: the same through a partitioned parent.  Must hold: refused.
BEGIN;
CREATE TABLE rech_p2 (LIKE victim) PARTITION BY RANGE (id);
ALTER TABLE rech_p2 ATTACH PARTITION victim FOR VALUES FROM (0) TO (100000);
TRUNCATE rech_p2;
COMMIT;
SELECT * FROM security_victims();

-- Legitimate: TRUNCATE ONLY the new parent leaves victim alone and passes.
BEGIN;
CREATE TABLE rech_only (LIKE victim);
ALTER TABLE victim INHERIT rech_only;
TRUNCATE ONLY rech_only;
ALTER TABLE victim NO INHERIT rech_only;
DROP TABLE rech_only;
COMMIT;
SELECT * FROM security_victims();

-- Legitimate: a new parent with new children only may be truncated.
BEGIN;
CREATE TABLE rech_ok (id bigint);
CREATE TABLE rech_ok_child () INHERITS (rech_ok);
TRUNCATE rech_ok;
COMMIT;
RESET ROLE;
SET schemashift.mode = off;
DROP TABLE rech_ok CASCADE;
RESET schemashift.mode;

-- REASSIGN OWNED changes the owner of every object of the role (and takes
-- ACCESS EXCLUSIVE on each of its tables): reported, not refused, since it
-- destroys nothing and the guard goes on guarding the new owner.
BEGIN;
REASSIGN OWNED BY regress_app TO regress_approver;
SELECT tab, owner FROM security_victims() WHERE owner IS NOT NULL;
ROLLBACK;
SELECT * FROM security_victims();
