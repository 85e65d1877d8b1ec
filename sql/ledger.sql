-- The state columns' CHECK constraints and the state machines the C code
-- writes by (src/ledger.c) are one list: ledger_check() shows each column
-- with its states and moves, and fails on any difference.
SELECT * FROM schemashift.ledger_check();

-- a CHECK that lost a state the code writes
BEGIN;
ALTER TABLE schemashift.jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE schemashift.jobs ADD CONSTRAINT jobs_status_check
  CHECK (status = ANY (ARRAY['running', 'done', 'failed']));
SELECT * FROM schemashift.ledger_check();
ROLLBACK;

-- a CHECK with a state the code does not know
BEGIN;
ALTER TABLE schemashift.migration_steps DROP CONSTRAINT migration_steps_status_check;
ALTER TABLE schemashift.migration_steps ADD CONSTRAINT migration_steps_status_check
  CHECK (status = ANY (ARRAY['pending', 'running', 'done', 'failed', 'skipped']));
SELECT * FROM schemashift.ledger_check();
ROLLBACK;

-- a CHECK of another shape, and none at all
BEGIN;
ALTER TABLE schemashift.changes DROP CONSTRAINT changes_state_check;
ALTER TABLE schemashift.changes ADD CONSTRAINT changes_state_check CHECK (state <> '');
SELECT * FROM schemashift.ledger_check();
ROLLBACK;
BEGIN;
ALTER TABLE schemashift.lock_attempts DROP CONSTRAINT lock_attempts_outcome_check;
SELECT * FROM schemashift.ledger_check();
ROLLBACK;

SELECT count(*) AS columns FROM schemashift.ledger_check();
