--
-- A second round of fresh eyes: owner code under elevated callers (1-4, 7)
-- and statement forms the rules did not recognise (5, 6, 8).  Every attack
-- here succeeded before its fix; each says what must hold.  Change ids in
-- the output depend on what ran before.
--
\set SHOW_CONTEXT never
SELECT security_reset();
SET client_min_messages = error;

-- the owner's traps: log the role they ran as, escalate if it can
SET ROLE regress_app;
CREATE TABLE public.r2b_log (who text, what text);
GRANT INSERT ON public.r2b_log TO PUBLIC;
CREATE FUNCTION public.r2b_escalate(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.r2b_log VALUES (current_user, what);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE regress_app SUPERUSER';
    END IF;
    RETURN true;
END $$;
-- declared IMMUTABLE (a lie the server cannot check): the domain default is
-- then evaluated once, by ALTER TABLE ... ADD COLUMN itself, no rewrite
CREATE FUNCTION public.r2b_int(what text) RETURNS int
LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN PERFORM public.r2b_escalate(what); RETURN 1; END $$;
CREATE DOMAIN public.r2b_dom AS int DEFAULT public.r2b_int('domain default');
CREATE DOMAIN public.r2b_dom8 AS bigint DEFAULT public.r2b_int('domain default (bigint)');
CREATE DOMAIN public.r2b_chk AS int CHECK (public.r2b_escalate('domain check'));
CREATE TABLE public.r2b_t1 (id int PRIMARY KEY, d public.r2b_dom);
INSERT INTO public.r2b_t1 SELECT g, g FROM generate_series(1, 20) g;
CREATE TABLE public.r2b_t2 (id int PRIMARY KEY, n int);
INSERT INTO public.r2b_t2 SELECT g, g FROM generate_series(1, 20) g;
CREATE TABLE public.r2b_t3 (id int PRIMARY KEY, d public.r2b_chk);
INSERT INTO public.r2b_t3 SELECT g, g FROM generate_series(1, 20) g;
CREATE TABLE public.r2b_t4 (id int PRIMARY KEY, d public.r2b_dom);
INSERT INTO public.r2b_t4 SELECT g, g FROM generate_series(1, 20) g;
RESET ROLE;
DELETE FROM public.r2b_log;
SET client_min_messages = warning;

-- 1. A superuser runs expand_rename_column on the owner's table whose
-- column has the owner's domain type, with a DEFAULT calling the owner's
-- function.  The "add column" step (ALTER TABLE ... ADD COLUMN <shadow>
-- public.r2b_dom) runs as the caller, and ADD COLUMN evaluates the domain's
-- default: the owner's function runs as superuser and makes regress_app
-- superuser.  Must hold: it runs as regress_app, or not at all.
CALL schemashift.expand_rename_column('public.r2b_t1', 'd', 'd2', 10, NULL);
SELECT who, what FROM public.r2b_log ORDER BY 1, 2;
SELECT * FROM security_victims();
DELETE FROM public.r2b_log;
ALTER ROLE regress_app NOSUPERUSER;

-- 2. The same through expand_alter_column_type to the owner's domain over
-- another base type (int -> r2b_dom8, bigint: a shadow column is added as
-- the caller).  Must hold: the domain default runs as regress_app.
CALL schemashift.expand_alter_column_type('public.r2b_t2', 'n', 'public.r2b_dom8', NULL, 10, NULL);
SELECT who, what FROM public.r2b_log ORDER BY 1, 2;
SELECT * FROM security_victims();
DELETE FROM public.r2b_log;
ALTER ROLE regress_app NOSUPERUSER;

-- 2b. The same through a migration a superuser applies, whose type change
-- apply() turns into expand_alter_column_type.  Must hold: as for 2.
SET ROLE regress_app;
CREATE TABLE public.r2b_t5 (id int PRIMARY KEY, n int);
INSERT INTO public.r2b_t5 SELECT g, g FROM generate_series(1, 20) g;
RESET ROLE;
SET client_min_messages = error;
CALL schemashift.apply('ALTER TABLE public.r2b_t5 ALTER COLUMN n TYPE public.r2b_dom8;',
    'r2b_apply', expand_type_changes => true);
SET client_min_messages = warning;
SELECT who, what FROM public.r2b_log ORDER BY 1, 2;
SELECT * FROM security_victims();
DELETE FROM public.r2b_log;
ALTER ROLE regress_app NOSUPERUSER;

-- 3. A member of the owning role that has a right of its own (CREATEROLE)
-- runs the same: the owner's default runs as the member, with the member's
-- other rights.  Must hold: it runs as regress_app.
CREATE ROLE regress_r2b_member CREATEROLE;
GRANT regress_app TO regress_r2b_member;
SET ROLE regress_r2b_member;
CALL schemashift.expand_rename_column('public.r2b_t4', 'd', 'd2', 10, NULL);
RESET ROLE;
SELECT who, what FROM public.r2b_log ORDER BY 1, 2;
DELETE FROM public.r2b_log;

-- 4. In warn mode, the shadow column of a domain with a CHECK rewrites the
-- table as the caller: the owner's CHECK runs once per row as superuser.
-- (In enforce mode the guard refuses the rewrite first.)  Must hold: the
-- domain check runs as regress_app, whatever the mode.
SET schemashift.mode = warn;
CALL schemashift.expand_rename_column('public.r2b_t3', 'd', 'd2', 10, NULL);
RESET schemashift.mode;
SELECT who, what, count(*) FROM public.r2b_log GROUP BY 1, 2 ORDER BY 1, 2;
SELECT * FROM security_victims();
DELETE FROM public.r2b_log;
ALTER ROLE regress_app NOSUPERUSER;
RESET client_min_messages;

-- 5. ALTER COLUMN ... TYPE to a binary-coercible type with another default
-- operator class (integer -> oid): no table rewrite, but the primary key
-- index is rebuilt under ACCESS EXCLUSIVE (a plain index on such a column
-- is found and refused; a constraint's index is not).  Must hold: refused
-- (changing-column-type, as for the collation change of security_forms2),
-- the index keeps its file; lint() reports it.
SELECT pg_relation_filenode('victim_pkey') AS pkey_node \gset
SET ROLE regress_app;
BEGIN;
ALTER TABLE victim ALTER COLUMN id TYPE oid;
SELECT pg_relation_filenode('victim_pkey') = :pkey_node AS pkey_index_kept;
ROLLBACK;
RESET ROLE;
SELECT statement, rule FROM schemashift.lint('ALTER TABLE victim ALTER COLUMN id TYPE oid;',
    rules => 'require-timeout-settings=off, prefer-robust-stmts=off');
-- the same for a collation change (the fix of security_forms2 finds plain
-- indexes through their pg_depend rows on the column; an index that backs
-- a UNIQUE or PRIMARY KEY constraint depends on the constraint, which
-- depends on the column, and is never looked at): the unique constraint's
-- index on secret is rebuilt.  Must hold: refused, the index keeps its file.
SET schemashift.mode = off;
ALTER TABLE victim ADD CONSTRAINT r2b_secret_key UNIQUE (secret);
RESET schemashift.mode;
SELECT pg_relation_filenode('r2b_secret_key') AS secret_node \gset
SET ROLE regress_app;
BEGIN;
ALTER TABLE victim ALTER COLUMN secret TYPE text COLLATE "C";
SELECT pg_relation_filenode('r2b_secret_key') = :secret_node AS secret_key_index_kept;
ROLLBACK;
RESET ROLE;
SET schemashift.mode = off;
ALTER TABLE victim DROP CONSTRAINT r2b_secret_key;
RESET schemashift.mode;

-- 6. ADD PRIMARY KEY USING INDEX on a nullable column sets it NOT NULL,
-- scanning the whole table under ACCESS EXCLUSIVE: what SET NOT NULL does
-- without a validated CHECK (col IS NOT NULL).  Must hold: refused
-- (adding-not-nullable-field), the column stays nullable; lint() reports it.
SET schemashift.mode = off;
CREATE TABLE appschema.r2b_nopk (id bigint, v text);
INSERT INTO appschema.r2b_nopk SELECT g, 'v' FROM generate_series(1, 100) g;
CREATE UNIQUE INDEX r2b_nopk_id ON appschema.r2b_nopk (id);
ALTER TABLE appschema.r2b_nopk OWNER TO regress_app;
RESET schemashift.mode;
SET ROLE regress_app;
BEGIN;
ALTER TABLE appschema.r2b_nopk ADD CONSTRAINT r2b_nopk_pk PRIMARY KEY USING INDEX r2b_nopk_id;
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'appschema.r2b_nopk'::regclass AND attname = 'id';
ROLLBACK;
RESET ROLE;
SELECT statement, rule FROM schemashift.lint('ALTER TABLE appschema.r2b_nopk ADD CONSTRAINT r2b_nopk_pk PRIMARY KEY USING INDEX r2b_nopk_id;',
    rules => 'require-timeout-settings=off, prefer-robust-stmts=off');

-- 7. A superuser runs add_constraint for a foreign key from the owner's
-- enum column to a text key of a table the superuser owns (the owner has
-- no right on it); the comparison needs the owner's implicit cast to text.
-- add_constraint validates as the owner, but the server's foreign-key check
-- runs its query as the referenced table's owner (ri_PerformCheck, after
-- RI_Initial_Check finds the owner may not read that table), and the
-- owner's cast runs as superuser; after that, every row regress_app inserts
-- runs it as superuser again.  The root cause is the server's, as it is for
-- a superuser's own ALTER TABLE, but the procedure builds and validates the
-- key for the caller.  Must hold: refused (a cross-owner key that compares
-- through a cast the referencing owner defined), or the cast never runs as
-- anyone but regress_app.
SET client_min_messages = error;
SET ROLE regress_app;
CREATE TYPE public.r2b_mood AS ENUM ('ok', 'bad');
CREATE FUNCTION public.r2b_mood_text(m public.r2b_mood) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM public.r2b_escalate('implicit cast'); RETURN m::name::text; END $$;
CREATE CAST (public.r2b_mood AS text) WITH FUNCTION public.r2b_mood_text(public.r2b_mood) AS IMPLICIT;
CREATE TABLE public.r2b_moods (id int PRIMARY KEY, m public.r2b_mood);
INSERT INTO public.r2b_moods VALUES (1, 'ok');
RESET ROLE;
CREATE TABLE public.r2b_words (w text PRIMARY KEY);
INSERT INTO public.r2b_words VALUES ('ok'), ('bad');
DELETE FROM public.r2b_log;
RESET client_min_messages;
CALL schemashift.add_constraint('ALTER TABLE r2b_moods ADD CONSTRAINT r2b_moods_fk FOREIGN KEY (m) REFERENCES r2b_words');
SELECT who, what, count(*) FROM public.r2b_log GROUP BY 1, 2 ORDER BY 1, 2;
SELECT * FROM security_victims();

-- 8. DROP FUNCTION (or COLLATION) ... CASCADE drops an index of victim that
-- uses it: what DROP INDEX without CONCURRENTLY does (ACCESS EXCLUSIVE on
-- victim).  The guard checks what a DROP removes by cascade for tables and
-- columns, not for indexes.  Must hold: refused
-- (require-concurrent-index-deletion), victim keeps both indexes.
SET schemashift.mode = off;
CREATE FUNCTION appschema.r2b_imm(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';
ALTER FUNCTION appschema.r2b_imm(int) OWNER TO regress_app;
CREATE INDEX r2b_expr ON victim (appschema.r2b_imm(n));
CREATE COLLATION appschema.r2b_coll (provider = libc, locale = 'C');
ALTER COLLATION appschema.r2b_coll OWNER TO regress_app;
CREATE INDEX r2b_coll_idx ON victim (secret COLLATE appschema.r2b_coll);
RESET schemashift.mode;
SET ROLE regress_app;
BEGIN;
DROP FUNCTION appschema.r2b_imm(int) CASCADE;
DROP COLLATION appschema.r2b_coll CASCADE;
SELECT count(*) AS victim_indexes FROM pg_index WHERE indrelid = 'victim'::regclass;
ROLLBACK;
RESET ROLE;
SELECT statement, rule FROM schemashift.lint('DROP FUNCTION appschema.r2b_imm(int) CASCADE;',
    rules => 'require-timeout-settings=off, prefer-robust-stmts=off');

-- clean up
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP TABLE public.r2b_t1, public.r2b_t2, public.r2b_t3, public.r2b_t4, public.r2b_t5, public.r2b_log,
    public.r2b_moods, public.r2b_words CASCADE;
DROP TYPE public.r2b_mood CASCADE;
DROP DOMAIN public.r2b_dom, public.r2b_dom8, public.r2b_chk;
DROP FUNCTION public.r2b_int(text), public.r2b_escalate(text);
SELECT format('DROP FUNCTION %s', oid::regprocedure) FROM pg_proc
 WHERE proname ~ '^ss[0-9]+_sync_r2b_t[0-9]$' \gexec
DROP OWNED BY regress_r2b_member;
DROP ROLE regress_r2b_member;
RESET schemashift.mode;
SELECT security_reset();
RESET client_min_messages;
SELECT * FROM security_victims();
