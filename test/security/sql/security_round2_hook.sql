--
-- Class: routes and approvals through TRUNCATE, which only the preloaded
-- hook sees (the second round of fresh eyes; see security_round2.sql).
--
\set SHOW_CONTEXT never
SELECT security_reset();
-- 5. (Preloaded: the hook sees TRUNCATE.  Without preloading TRUNCATE is
-- not seen at all, which docs/security.md says.)  TRUNCATE of the
-- migration's parent (victim attached in a DO block built at run time, so
-- that lint cannot read it) empties victim.  Must hold: refused, victim keeps its
-- 1000 rows.
SELECT security_reset();
SET ROLE regress_app;
CALL schemashift.apply($s$CREATE TABLE r2_newt (id int, n int, secret text) PARTITION BY RANGE (id);
DO $d$ BEGIN EXECUTE format('ALTER TABLE r2_newt ATTACH PARTITION %s FOR VALUES FROM (0) TO (100000)', 'victim'); END $d$;
TRUNCATE r2_newt;$s$, 'round2_truncate');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM security_victims();

-- 7. (Preloaded: the hook sees TRUNCATE.)  An approval of TRUNCATE ...
-- CASCADE on the owner's empty scratch table, given while nothing
-- references it; afterwards, in the same transaction, the owner makes victim
-- reference it (NOT VALID: allowed) and the approved TRUNCATE ... CASCADE
-- empties victim.  The audit row names no object.  Must hold: refused
-- (victim is not approved), victim keeps its rows.
SELECT security_reset();
SET ROLE regress_app;
CREATE TABLE r2_scratch (id int PRIMARY KEY);
RESET ROLE;
SET ROLE regress_approver;
BEGIN;
SELECT schemashift.approve('ban-truncate-cascade', 'r2_scratch', reason => 'nothing references the scratch table');
SET ROLE regress_app;
INSERT INTO r2_scratch SELECT g FROM generate_series(1, 1000) g;
ALTER TABLE victim ADD CONSTRAINT r2_fk FOREIGN KEY (id) REFERENCES r2_scratch NOT VALID;
TRUNCATE r2_scratch CASCADE;
\echo :LAST_ERROR_SQLSTATE
COMMIT;
RESET ROLE;
SELECT command_tag, objects FROM schemashift.ddl_log
 WHERE command_tag = 'TRUNCATE TABLE' ORDER BY id DESC LIMIT 1;
SELECT * FROM security_victims();


-- clean up for what follows
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP TABLE IF EXISTS r2_newt, r2_scratch CASCADE;
RESET schemashift.mode;
SELECT security_reset();
RESET client_min_messages;
