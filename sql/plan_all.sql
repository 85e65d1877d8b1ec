-- plan() shows every statement of a script, the dangerous ones too: each
-- refused step is marked with the rules that refuse it and the ways
-- through (a recipe option, a rewrite, an approval); looking needs no
-- approver rights.  apply()'s refusal names the same ways.
SET client_min_messages = warning;
CREATE TABLE pa_items (id bigint PRIMARY KEY, qty integer, note text);
INSERT INTO pa_items SELECT g, g, 'n' FROM generate_series(1, 100) g;
RESET client_min_messages;

-- a dangerous script: nothing stops at the first refusal
SELECT step, line, recipe, run, locks, refused
  FROM schemashift.plan($$
ALTER TABLE pa_items ALTER COLUMN qty TYPE bigint;
CREATE INDEX pa_items_note ON pa_items (note);
ALTER TABLE pa_items DROP COLUMN note;
BEGIN;
ALTER TABLE pa_items RENAME COLUMN qty TO quantity;
COMMENT ON TABLE pa_items IS 'items';
COMMIT;
ALTER TABLE pa_items ADD COLUMN flag boolean;
$$);
-- the ways through: the option that has a recipe for it, then the rule's
-- rewrite, then the approval
SELECT step, way_through FROM schemashift.plan($$
ALTER TABLE pa_items ALTER COLUMN qty TYPE bigint;
ALTER TABLE pa_items DROP COLUMN note;
$$) WHERE refused IS NOT NULL;
-- with the option, the first statement takes its recipe
SELECT step, recipe, refused FROM schemashift.plan($$
ALTER TABLE pa_items ALTER COLUMN qty TYPE bigint;
ALTER TABLE pa_items DROP COLUMN note;
$$, expand_type_changes => true);

-- no approver rights needed to look, with approvals too: plan() says what
-- it did not check
CREATE ROLE pa_reviewer;
SET ROLE pa_reviewer;
SELECT step, recipe, refused FROM schemashift.plan($$
ALTER TABLE pa_items DROP COLUMN note;
ALTER TABLE pa_items ALTER COLUMN qty TYPE bigint;
$$, approve => array['ban-drop-column']);
SELECT step, recipe, refused FROM schemashift.plan($$
SELECT schemashift.approve('ban-drop-column', 'pa_items.note', reason => 'unused since v3');
ALTER TABLE pa_items DROP COLUMN note;
$$);
-- apply() checks the rights
CALL schemashift.apply('ALTER TABLE pa_items DROP COLUMN note', 'pa_0001', approve => array['ban-drop-column']);
RESET ROLE;
DROP ROLE pa_reviewer;

-- apply()'s refusal names the option that would have let it through
CALL schemashift.apply('ALTER TABLE pa_items ALTER COLUMN qty TYPE bigint', 'pa_0002');
-- and, inside a transaction block, only what works there
CALL schemashift.apply('BEGIN; ALTER TABLE pa_items ALTER COLUMN qty TYPE bigint; COMMIT;', 'pa_0003');
-- two rules on one statement: the approval names both
SELECT step, refused, way_through FROM schemashift.plan(
  'ALTER TABLE pa_items ADD COLUMN made timestamptz NOT NULL DEFAULT clock_timestamp(), DROP COLUMN note');
SELECT count(*) FROM schemashift.migrations WHERE id LIKE 'pa_%';
DROP TABLE pa_items;
