-- Expand/contract by name and in the usual deploy sequence (issue 19):
-- contract(tbl, col) and abort(tbl, col) beside the id forms, the call to
-- run next in schemashift.changes, apply(..., expand_only => true), and a
-- serial key widened to bigint with its sequence.
SET client_min_messages = warning;
CREATE TABLE en_items (id serial PRIMARY KEY, qty integer NOT NULL, label text);
INSERT INTO en_items (qty, label) SELECT g, 'l' || g FROM generate_series(1, 200) g;
RESET client_min_messages;

-- 1. the id forms and the name forms resolve without ambiguity
SELECT oid::regprocedure FROM pg_proc
 WHERE proname IN ('contract', 'abort') AND pronamespace = 'schemashift'::regnamespace ORDER BY 1;
-- (earlier tests made changes: this one's ids are read, not assumed)
SET client_min_messages = warning;
CALL schemashift.expand_rename_column('en_items', 'label', 'title');
RESET client_min_messages;
SELECT max(id) AS rename_id FROM schemashift.changes \gset
SELECT kind, state, next_call FROM schemashift.changes WHERE id = :rename_id;
-- by the id: positional, with retries, named
CALL schemashift.abort(:rename_id);
CALL schemashift.abort(:rename_id, 3);
CALL schemashift.abort(change => :rename_id, retries => 3);
SELECT state, next_call FROM schemashift.changes WHERE id = :rename_id;
-- by the name: old or new column, positional or named
SET client_min_messages = warning;
CALL schemashift.expand_rename_column('en_items', 'label', 'title');
RESET client_min_messages;
CALL schemashift.contract(tbl => 'en_items', col => 'title', retries => 2);
-- a second call skips, as by the id
CALL schemashift.contract('en_items', 'title');
SELECT state, next_call FROM schemashift.changes WHERE relid = 'en_items'::regclass ORDER BY id;
SELECT attname FROM pg_attribute WHERE attrelid = 'en_items'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
-- an ended change cannot end otherwise; no change on the column, no such
-- table, NULL arguments
CALL schemashift.abort('en_items', 'title');
CALL schemashift.abort('en_items', 'qty');
CALL schemashift.contract('en_missing', 'qty');
CALL schemashift.contract(NULL::regclass, 'qty');
CALL schemashift.abort('en_items', NULL);

-- 2. the deploy sequence: this release expands, a later one contracts
SET client_min_messages = warning;
CALL schemashift.apply('ALTER TABLE en_items ALTER COLUMN qty TYPE bigint', 'en_0001',
                       expand_type_changes => true, expand_only => true);
RESET client_min_messages;
SELECT id, status, expand_only FROM schemashift.migrations WHERE id = 'en_0001';
SELECT s.step, s.recipe, s.status, c.state, c.next_call
  FROM schemashift.migration_steps s JOIN schemashift.changes c ON c.id = s.change_id
 WHERE s.migration_id = 'en_0001';
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'en_items'::regclass AND attname = 'qty';
-- the same migration again: applied, nothing more happens
CALL schemashift.apply('ALTER TABLE en_items ALTER COLUMN qty TYPE bigint', 'en_0001',
                       expand_type_changes => true, expand_only => true);
-- the later release runs the call next_call names
CALL schemashift.contract('en_items', 'qty');
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'en_items'::regclass AND attname = 'qty';
SELECT state, next_call FROM schemashift.changes WHERE relid = 'en_items'::regclass AND kind = 'alter_column_type';
-- a run started with expand_only resumes only with it
SET client_min_messages = warning;
CREATE TABLE en_fail (id bigint PRIMARY KEY, v integer);
RESET client_min_messages;
SET client_min_messages = warning;
CALL schemashift.apply($$
ALTER TABLE en_fail ALTER COLUMN v TYPE bigint;
INSERT INTO en_fail VALUES (1, 1), (1, 1);
$$, 'en_0002', expand_type_changes => true, expand_only => true);
RESET client_min_messages;
SELECT s.step, s.recipe, s.status, c.state FROM schemashift.migration_steps s
  LEFT JOIN schemashift.changes c ON c.id = s.change_id WHERE s.migration_id = 'en_0002' ORDER BY s.step;
CALL schemashift.apply($$
ALTER TABLE en_fail ALTER COLUMN v TYPE bigint;
INSERT INTO en_fail VALUES (1, 1), (1, 1);
$$, 'en_0002', expand_type_changes => true);
CALL schemashift.abort('en_fail', 'v');
SELECT schemashift.reset('en_0002', 'duplicate key in the test data');

-- 3. a serial key widened to bigint takes its sequence along, at contract
SET client_min_messages = warning;
CALL schemashift.expand_alter_column_type('en_items', 'id', 'bigint');
RESET client_min_messages;
SELECT action, statement, old_name, new_name FROM schemashift.change_steps
 WHERE change_id = (SELECT max(id) FROM schemashift.changes) AND action = 'sequence type';
SELECT format_type(seqtypid, NULL) FROM pg_sequence WHERE seqrelid = 'en_items_id_seq'::regclass;
CALL schemashift.contract('en_items', 'id');
SELECT format_type(seqtypid, NULL), seqmax FROM pg_sequence WHERE seqrelid = 'en_items_id_seq'::regclass;
SELECT pg_get_serial_sequence('en_items', 'id');
-- past 2^31: the next id is 2147483648
SELECT setval('en_items_id_seq', 2147483647);
INSERT INTO en_items (qty, title) VALUES (1, 'big') RETURNING id;
-- aborted, the sequence stays as it was
SET client_min_messages = warning;
CREATE TABLE en_small (id serial PRIMARY KEY);
INSERT INTO en_small DEFAULT VALUES;
CALL schemashift.expand_alter_column_type('en_small', 'id', 'bigint');
RESET client_min_messages;
CALL schemashift.abort('en_small', 'id');
SELECT format_type(seqtypid, NULL) FROM pg_sequence WHERE seqrelid = 'en_small_id_seq'::regclass;
-- a type that is not wider leaves the sequence alone
SET client_min_messages = warning;
CALL schemashift.expand_alter_column_type('en_small', 'id', 'numeric');
RESET client_min_messages;
SELECT count(*) FROM schemashift.change_steps
 WHERE change_id = (SELECT max(id) FROM schemashift.changes) AND action = 'sequence type';
CALL schemashift.abort('en_small', 'id');

-- 4. an identity key: contract makes the new column an identity of the
-- same kind, its sequence bigint and going on from the old one (the guard
-- enforcing)
SET client_min_messages = warning;
CREATE TABLE en_always (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
CREATE TABLE en_default (id integer GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY 2) PRIMARY KEY, v text);
INSERT INTO en_always (v) SELECT 'x' FROM generate_series(1, 20);
INSERT INTO en_default (v) SELECT 'x' FROM generate_series(1, 20);
CALL schemashift.expand_alter_column_type('en_always', 'id', 'bigint');
CALL schemashift.expand_alter_column_type('en_default', 'id', 'bigint');
RESET client_min_messages;
SELECT c.target, s.action, s.old_name, s.new_name FROM schemashift.change_steps s
  JOIN schemashift.changes c ON c.id = s.change_id
 WHERE c.relid IN ('en_always'::regclass, 'en_default'::regclass) AND s.action = 'identity' ORDER BY 1;
-- written while expanded: the identity still numbers the rows
INSERT INTO en_always (v) VALUES ('during') RETURNING id;
SET schemashift.mode = enforce;
CALL schemashift.contract('en_always', 'id');
CALL schemashift.contract('en_default', 'id');
RESET schemashift.mode;
SELECT attrelid::regclass, format_type(atttypid, atttypmod), attidentity, attnotnull FROM pg_attribute
 WHERE attrelid IN ('en_always'::regclass, 'en_default'::regclass) AND attname = 'id' ORDER BY 1;
SELECT seqrelid::regclass, format_type(seqtypid, NULL), seqincrement, seqmax FROM pg_sequence
 WHERE seqrelid IN (pg_get_serial_sequence('en_always', 'id')::regclass,
                    pg_get_serial_sequence('en_default', 'id')::regclass) ORDER BY 1;
INSERT INTO en_always (v) VALUES ('after') RETURNING id;
INSERT INTO en_default (v) VALUES ('after') RETURNING id;
INSERT INTO en_always (id, v) VALUES (1000, 'explicit');
SELECT setval(pg_get_serial_sequence('en_always', 'id'), 2147483647);
INSERT INTO en_always (v) VALUES ('past 2^31') RETURNING id;
-- an identity stays an integer type; only a type change keeps an identity
CALL schemashift.expand_alter_column_type('en_default', 'id', 'numeric');
CALL schemashift.expand_rename_column('en_default', 'id', 'ident');

DROP TABLE en_items, en_fail, en_small, en_always, en_default;
