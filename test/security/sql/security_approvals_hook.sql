--
-- Attack class: approvals, through statements only the ProcessUtility hook
-- sees (preloaded only).  One approval for TRUNCATE of victim2 must not
-- empty victim in the same statement.
--
SELECT security_reset();

-- 1. TRUNCATE victim2, victim with an approval for victim2 only: refused,
-- both keep their rows.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-truncate', 'victim2', reason => 'empty victim2');
SET ROLE regress_app;
TRUNCATE victim2, victim;
\echo :SQLSTATE
COMMIT;
RESET ROLE;

-- 2. The same with CASCADE (another rule, reported once per table).
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-truncate-cascade', 'victim2', reason => 'empty victim2');
SET ROLE regress_app;
TRUNCATE victim2, victim CASCADE;
\echo :SQLSTATE
COMMIT;
RESET ROLE;

-- 3. A prefix of the name is no approval: 'victim' does not cover victim2.
BEGIN;
SET ROLE regress_approver;
SELECT schemashift.approve('ban-truncate', 'victim', reason => 'victim only');
SET ROLE regress_app;
TRUNCATE victim2;
\echo :SQLSTATE
COMMIT;
RESET ROLE;
SELECT * FROM security_victims();
