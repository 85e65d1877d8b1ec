--
-- Expand/contract: change a column's type, rename a column, add a column,
-- while old and new code keep working; contract swaps in, abort undoes.
--
\set SHOW_CONTEXT never
SET schemashift.progress_notices = off;
SET client_min_messages = notice;

CREATE TABLE ex_acct (
    id serial PRIMARY KEY,
    n int NOT NULL CHECK (n >= 0),
    label text,
    parent int REFERENCES ex_acct (id)
);
CREATE INDEX ex_acct_n_idx ON ex_acct (n) WHERE n > 5;
CREATE UNIQUE INDEX ex_acct_label_n ON ex_acct (label, n);
COMMENT ON COLUMN ex_acct.n IS 'the count';
INSERT INTO ex_acct (n, label) SELECT g, 'l' || g FROM generate_series(1, 100) g;

-- what a table looks like, for comparisons before and after (NOT NULL is on
-- the column's line: the constraint 18 adds for it is not listed again)
CREATE FUNCTION ex_shape(t regclass) RETURNS TABLE (item text) LANGUAGE sql AS $$
  SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
         || COALESCE(' -- ' || col_description(a.attrelid, a.attnum), '')
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = t AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = t
  UNION ALL
  SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = t AND contype <> 'n'
  UNION ALL
  SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = t AND NOT tgisinternal
  ORDER BY 1
$$;

-- 1. int -> bigint: shadow column, sync trigger, backfill, copies of the
-- indexes and the CHECK, NOT NULL proved by a validated CHECK
CALL schemashift.expand_alter_column_type('ex_acct', 'n', 'bigint', batch_size => 30);
SELECT * FROM ex_shape('ex_acct');
SELECT step, action, statement, old_name, new_name, done_at IS NOT NULL AS done
  FROM schemashift.change_steps WHERE change_id = 1 AND action <> 'sync trigger' ORDER BY step;
-- old code keeps writing the old column; the shadow follows
INSERT INTO ex_acct (n, label) VALUES (1000, 'new');
UPDATE ex_acct SET n = n + 1 WHERE id = 1;
SELECT count(*) AS out_of_sync FROM ex_acct WHERE ss1_n IS DISTINCT FROM n;
SELECT kind, state, column_name, new_column, new_type FROM schemashift.changes;
CALL schemashift.contract(1);
SELECT * FROM ex_shape('ex_acct');
SELECT id, n, label FROM ex_acct WHERE id IN (1, 2, 101) ORDER BY id;
SELECT state, finished_at IS NOT NULL AS finished FROM schemashift.changes WHERE id = 1;
CALL schemashift.contract(1);
CALL schemashift.abort(1);

-- 2. a change that needs no rewrite is done in place
CREATE TABLE ex_names (id bigint PRIMARY KEY, nick varchar(10), email text NOT NULL DEFAULT 'none');
CREATE UNIQUE INDEX ex_names_email_key ON ex_names (email);
INSERT INTO ex_names SELECT g, 'n' || g, 'e' || g FROM generate_series(1, 50) g;
CALL schemashift.expand_alter_column_type('ex_names', 'nick', 'varchar(20)');
SELECT id, kind, state, in_place FROM schemashift.changes WHERE id = 2;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'ex_names'::regclass AND attname = 'nick';

-- 3. rename: writes through either name are seen through both
CALL schemashift.expand_rename_column('ex_names', 'email', 'mail', batch_size => 20);
INSERT INTO ex_names (id, email) VALUES (100, 'old@x');
INSERT INTO ex_names (id, mail) VALUES (101, 'new@x');
UPDATE ex_names SET email = 'changed-old' WHERE id = 1;
UPDATE ex_names SET mail = 'changed-new' WHERE id = 2;
SELECT id, email, mail FROM ex_names WHERE id IN (1, 2, 100, 101) ORDER BY id;
SELECT count(*) AS out_of_sync FROM ex_names WHERE email IS DISTINCT FROM mail;
CALL schemashift.contract(3);
SELECT * FROM ex_shape('ex_names');

-- 4. add a column with a volatile default and NOT NULL
CALL schemashift.expand_add_column('ex_names', 'token', 'uuid', 'gen_random_uuid()', not_null => true, batch_size => 20);
SELECT count(*) FILTER (WHERE token IS NULL) AS missing, count(DISTINCT token) AS distinct_tokens FROM ex_names;
SELECT * FROM ex_shape('ex_names') AS s WHERE s LIKE '%token%';
CALL schemashift.contract(4);
SELECT * FROM ex_shape('ex_names') AS s WHERE s LIKE '%token%';
-- a constant default needs no backfill: PostgreSQL stores it once
CALL schemashift.expand_add_column('ex_names', 'flag', 'boolean', 'false', not_null => true);
SELECT id, kind, state, in_place FROM schemashift.changes WHERE id = 5;

-- 5. abort: the table is as it was
CREATE TEMP TABLE ex_before AS SELECT * FROM ex_shape('ex_names');
CALL schemashift.expand_alter_column_type('ex_names', 'id', 'int', batch_size => 25);
SELECT count(*) AS extra_items FROM ex_shape('ex_names') s WHERE s NOT IN (SELECT item FROM ex_before);
CALL schemashift.abort(6);
SELECT count(*) AS differences FROM ((SELECT * FROM ex_shape('ex_names')) EXCEPT ALL (SELECT item FROM ex_before)) d;
SELECT count(*) AS differences FROM ((SELECT item FROM ex_before) EXCEPT ALL (SELECT * FROM ex_shape('ex_names'))) d;
SELECT state FROM schemashift.changes WHERE id = 6;
CALL schemashift.abort(6);
CALL schemashift.contract(6);

-- 6. an interrupted expansion resumes: a unique copy fails on duplicates,
-- the data is fixed, the same call carries on from the failed step
CREATE TABLE ex_codes (id int PRIMARY KEY, code numeric(6,2) NOT NULL);
CREATE UNIQUE INDEX ex_codes_code_key ON ex_codes (code);
INSERT INTO ex_codes VALUES (1, 1.2), (2, 1.4), (3, 3);
CALL schemashift.expand_alter_column_type('ex_codes', 'code', 'int');
SELECT state FROM schemashift.changes WHERE id = 7;
SELECT action, done_at IS NOT NULL AS done FROM schemashift.change_steps WHERE change_id = 7 ORDER BY step;
DELETE FROM ex_codes WHERE id = 2;
CALL schemashift.expand_alter_column_type('ex_codes', 'code', 'int');
CALL schemashift.expand_alter_column_type('ex_codes', 'code', 'bigint');
CALL schemashift.contract(7);
SELECT * FROM ex_codes ORDER BY id;
SELECT * FROM ex_shape('ex_codes');

-- 7. bad input
CALL schemashift.expand_alter_column_type('ex_names', 'nope', 'int');
CALL schemashift.expand_alter_column_type('ex_names', 'nick', 'nosuchtype');
CALL schemashift.expand_alter_column_type('ex_names', 'nick', 'point');
CALL schemashift.expand_alter_column_type('ex_names', 'nick', 'int', 'nick + ');
CALL schemashift.expand_alter_column_type('ex_names', 'nick', 'int', 'nick::int +  zzz');
CALL schemashift.expand_alter_column_type('ex_names', NULL, 'int');
CALL schemashift.expand_alter_column_type(NULL, 'nick', 'int');
CALL schemashift.expand_alter_column_type('ex_names', 'nick', NULL);
CALL schemashift.expand_rename_column('ex_names', 'nick', 'mail');
CALL schemashift.expand_add_column('ex_names', 'mail', 'text');
CALL schemashift.expand_add_column('ex_names', 'must', 'text', NULL, true);
CALL schemashift.contract(NULL);
CALL schemashift.contract(999);
CREATE VIEW ex_names_v AS SELECT nick FROM ex_names;
CALL schemashift.expand_alter_column_type('ex_names', 'nick', 'text', 'upper(nick)');
DROP VIEW ex_names_v;
CREATE TABLE ex_parted (id int, v int) PARTITION BY RANGE (id);
CALL schemashift.expand_rename_column('ex_parted', 'v', 'w');
BEGIN;
CALL schemashift.expand_rename_column('ex_names', 'nick', 'nickname');
ROLLBACK;
CREATE ROLE ex_stranger;
SET ROLE ex_stranger;
CALL schemashift.expand_rename_column('ex_names', 'nick', 'nickname');
CALL schemashift.abort(3);
-- the change log is for everyone to read, and for no one to write
SELECT count(*) > 0 AS readable FROM schemashift.changes;
DELETE FROM schemashift.changes;
UPDATE schemashift.change_steps SET done_at = NULL;
RESET ROLE;
SELECT id, kind, target, column_name, state, in_place FROM schemashift.changes ORDER BY id;
CALL schemashift.expand_add_column('ex_names', 'bad', 'int', 'nope(1)');
