--
-- Attack class: owner-code execution under an elevated caller.
--
-- A superuser runs schemashift's procedures on tables that the ordinary
-- role regress_app owns.  regress_app has planted code that makes itself
-- superuser when it finds itself running as one: a cast to json on its
-- enum type (to_jsonb() and jsonb_build_object() call it), operators in
-- public that shadow pg_catalog's, CHECK constraints, triggers and index
-- expressions.  What must hold after every attack: regress_app is not
-- superuser, the owner's code ran (if at all) as regress_app, and nothing
-- the attack did not ask for changed.  The last part of the file injects
-- comments and statement ends into the SQL add_constraint receives.
--
\set SHOW_CONTEXT never
SELECT security_reset();
SET client_min_messages = warning;

-- the owner's traps: each logs the role it ran as, and escalates if it can
SET ROLE regress_app;
CREATE TABLE public.owner_log (who text, what text);
CREATE FUNCTION public.escalate(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.owner_log VALUES (current_user, what);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE regress_app SUPERUSER';
    END IF;
    RETURN true;
END $$;
CREATE FUNCTION public.escalate_int(i bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM public.escalate('index expression');
    RETURN i;
END $$;
CREATE TYPE public.mood AS ENUM ('happy', 'sad', 'angry');
CREATE FUNCTION public.mood_json(m public.mood) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.escalate('cast to json');
    RETURN pg_catalog.to_json(m::text);
END $$;
CREATE CAST (public.mood AS json) WITH FUNCTION public.mood_json(public.mood);
CREATE FUNCTION public.mood_text(m public.mood) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.escalate('cast to text');
    RETURN 'x';
END $$;
CREATE CAST (public.mood AS text) WITH FUNCTION public.mood_text(public.mood);
CREATE FUNCTION public.evil_mood_eq(a public.mood, b public.mood) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.escalate('operator =');
    RETURN false;
END $$;
CREATE OPERATOR public.= (leftarg = public.mood, rightarg = public.mood,
                          function = public.evil_mood_eq);
CREATE FUNCTION public.evil_int_eq(a int, b int) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.escalate('operator = on int');
    RETURN false;
END $$;
CREATE OPERATOR public.= (leftarg = int, rightarg = int, function = public.evil_int_eq);
CREATE FUNCTION public.evil_gt(a bigint, b int) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.escalate('operator >');
    RETURN true;
END $$;
CREATE OPERATOR public.> (leftarg = bigint, rightarg = int, function = public.evil_gt);
CREATE OPERATOR public.>= (leftarg = int, rightarg = int, function = public.evil_int_eq);
-- the owner's tables: moods (enum column, a NULL, duplicates, an orphan)
CREATE TABLE public.mood_ref (m public.mood PRIMARY KEY);
INSERT INTO public.mood_ref VALUES ('happy'), ('sad');
CREATE TABLE public.moods (id int PRIMARY KEY, m public.mood, n int, secret text);
INSERT INTO public.moods VALUES (1, 'happy', 1, 's1'), (2, 'sad', 2, 's2'),
    (3, 'angry', 3, 's3'), (4, NULL, 4, 's4'), (5, 'sad', 5, 's5');
-- pairs: a partly NULL key, an orphan, a duplicate b
CREATE TABLE public.pair_ref (x int, y int, PRIMARY KEY (x, y));
INSERT INTO public.pair_ref VALUES (1, 1), (2, 2);
CREATE TABLE public.pairs (id int PRIMARY KEY, a int, b int);
INSERT INTO public.pairs VALUES (1, 1, NULL), (2, 2, 2), (3, 1007, 1007), (4, 2, 2);
RESET ROLE;

-- what the owner's code did, and as whom; then forget it
CREATE FUNCTION owner_code_ran() RETURNS TABLE (who text, what text, times bigint)
LANGUAGE sql AS $$
    SELECT who, what, count(*) FROM public.owner_log GROUP BY 1, 2 ORDER BY 1, 2
$$;
CREATE FUNCTION owner_code_forget() RETURNS void
LANGUAGE sql AS $$ DELETE FROM public.owner_log; ALTER ROLE regress_app NOSUPERUSER $$;

-- 1. check_constraint_data's examples of a CHECK on the enum column: no
-- cast to json or text may run; the examples show the key and the
-- constraint's columns only (never "secret")
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data($$ALTER TABLE moods ADD CONSTRAINT moods_m_check CHECK (m <> 'angry')$$);
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 2. the same for NOT NULL, UNIQUE and PRIMARY KEY examples
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE moods ALTER COLUMN m SET NOT NULL');
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE moods ADD UNIQUE (m)');
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE moods ADD CONSTRAINT moods_m_pk PRIMARY KEY (m)');
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 3. a foreign key on the enum column: the orphan query must use the
-- constraint's own operator (pg_catalog's enum equality), never the
-- owner's public.= that an unqualified "=" finds first; no cast either
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE moods ADD CONSTRAINT moods_m_fkey FOREIGN KEY (m) REFERENCES mood_ref');
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 4. the same with int keys and a caller whose search_path puts public
-- before pg_catalog: every operator schemashift writes must be qualified
-- (the foreign key's =, MATCH FULL's bounds, UNIQUE's count > 1)
SET search_path = public, pg_catalog;
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE pairs ADD CONSTRAINT pairs_a_fkey FOREIGN KEY (a) REFERENCES victim2');
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE pairs ADD CONSTRAINT pairs_ab_fkey FOREIGN KEY (a, b) REFERENCES pair_ref MATCH FULL');
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE pairs ADD UNIQUE (b)');
RESET search_path;
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 5. add_constraint's violation reports (CHECK, NOT NULL, FOREIGN KEY,
-- UNIQUE): the same examples, no cast, no owner operator; nothing is
-- left behind
CALL schemashift.add_constraint($$ALTER TABLE moods ADD CONSTRAINT moods_m_check CHECK (m <> 'angry')$$);
CALL schemashift.add_constraint('ALTER TABLE moods ALTER COLUMN m SET NOT NULL');
CALL schemashift.add_constraint('ALTER TABLE moods ADD CONSTRAINT moods_m_fkey FOREIGN KEY (m) REFERENCES mood_ref');
CALL schemashift.add_constraint('ALTER TABLE moods ADD UNIQUE (m)');
SET search_path = public, pg_catalog;
CALL schemashift.add_constraint('ALTER TABLE pairs ADD CONSTRAINT pairs_a_fkey FOREIGN KEY (a) REFERENCES victim2');
RESET search_path;
SELECT * FROM owner_code_ran();
SELECT conrelid::regclass, conname FROM pg_constraint
 WHERE conrelid IN ('moods'::regclass, 'pairs'::regclass) AND contype <> 'n' ORDER BY 1, 2;
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 6. add_constraint with a CHECK that calls the owner's function: the
-- function runs as the owner (in the validation and the data check), so
-- it cannot escalate; the constraint is added as asked
CALL schemashift.add_constraint('ALTER TABLE victim ADD CONSTRAINT victim_esc CHECK (public.escalate(''check''))');
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();
SELECT security_reset();
-- the same CHECK failing: the data check after the failed validation also
-- runs it as the owner
SET ROLE regress_app;
CREATE FUNCTION public.escalate_false(i int) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.escalate('failing check'); RETURN i < 3; END $$;
RESET ROLE;
CALL schemashift.add_constraint('ALTER TABLE victim ADD CONSTRAINT victim_esc CHECK (public.escalate_false(id))');
SELECT * FROM schemashift.check_constraint_data('ALTER TABLE victim ADD CONSTRAINT victim_esc CHECK (public.escalate_false(id))');
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 7. expand_alter_column_type copies the owner's CHECK constraints and
-- validates the copies: as the owner; its backfill fires the owner's
-- trigger and evaluates the owner's index expression: as the owner; the
-- concurrent copy of the expression index: as the owner
SET ROLE regress_app;
CREATE TABLE public.ex (id int PRIMARY KEY, n int CONSTRAINT ex_n_check CHECK (n > 0 AND public.escalate('copied check')));
INSERT INTO public.ex SELECT g, g FROM generate_series(1, 20) g;
CREATE INDEX CONCURRENTLY ex_expr ON public.ex (public.escalate_int(n));
CREATE FUNCTION public.ex_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM public.escalate('trigger'); RETURN NEW; END $$;
CREATE TRIGGER ex_trigger BEFORE UPDATE ON public.ex FOR EACH ROW EXECUTE FUNCTION public.ex_trigger();
RESET ROLE;
SELECT owner_code_forget();
CALL schemashift.expand_alter_column_type('public.ex', 'n', 'bigint', NULL, 10, NULL);
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();
-- the in-place variant re-checks the CHECK under ALTER COLUMN TYPE
SET ROLE regress_app;
CREATE TABLE public.ex2 (id int PRIMARY KEY, v varchar(10) CONSTRAINT ex2_v_check CHECK (v IS NOT NULL AND public.escalate('in-place check')));
INSERT INTO public.ex2 SELECT g, 'v' || g FROM generate_series(1, 5) g;
RESET ROLE;
SELECT owner_code_forget();
CALL schemashift.expand_alter_column_type('public.ex2', 'v', 'varchar(20)', NULL, 10, NULL);
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- a default the caller asks for that calls the owner's functions: the
-- in-place ADD COLUMN evaluates it once (as the owner), a volatile one is
-- backfilled (as the owner)
CALL schemashift.expand_add_column('public.ex2', 'w', 'bigint', 'public.escalate_int(7)', false, 10, NULL);
CALL schemashift.expand_add_column('public.ex2', 'w2', 'int', $$CASE WHEN public.escalate('volatile default') THEN 1 END$$, false, 10, NULL);
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 8. the recipes' steps work inside the security-restricted operation:
-- a validated FK and NOT NULL, as the owner, with the owner's tables
CALL schemashift.add_constraint('ALTER TABLE victim ALTER COLUMN secret SET NOT NULL');
CALL schemashift.add_constraint('ALTER TABLE victim2 ADD CONSTRAINT victim2_id_fkey FOREIGN KEY (id) REFERENCES victim');
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT security_reset();

-- 9. comment and statement-end injection into add_constraint's definition:
-- the recipe's NOT VALID must not be commented out (the CHECK would be
-- validated in the same step under ACCESS EXCLUSIVE): every statement is
-- rebuilt from the parse tree
RESET client_min_messages;
CALL schemashift.add_constraint($q$ALTER TABLE victim ADD CONSTRAINT c CHECK (n > 100) --$q$);
CALL schemashift.add_constraint($q$ALTER TABLE victim ADD CONSTRAINT c CHECK (n > 0 --
)$q$);
CALL schemashift.add_constraint($q$ALTER TABLE victim ADD CONSTRAINT c2 FOREIGN KEY (n) REFERENCES victim2 /*$q$);
CALL schemashift.add_constraint($q$ALTER TABLE victim ADD CONSTRAINT c2 FOREIGN KEY (n) REFERENCES victim2 ON DELETE CASCADE --$q$);
-- a second statement, or a second sub-command, is refused before anything runs
CALL schemashift.add_constraint($q$ALTER TABLE victim ADD CONSTRAINT c3 CHECK (n > 0); DROP TABLE victim2$q$);
CALL schemashift.add_constraint($q$ALTER TABLE victim ADD CONSTRAINT c3 CHECK (n > 0)) --$q$);
CALL schemashift.add_constraint($q$ALTER TABLE victim ADD CONSTRAINT c3 CHECK (n > 0), DROP COLUMN secret$q$);
SET client_min_messages = warning;
SELECT * FROM security_victims();
SELECT security_reset();

-- 10. the same class through expand: a default or USING expression that
-- tries to end the generated statement, or comment out its NOT NULL
CALL schemashift.expand_add_column('public.victim2', 'z', 'int', '1 --', true, 10, NULL);
SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'victim2'::regclass AND attname = 'z';
CALL schemashift.expand_add_column('public.victim2', 'z2', 'int', '1) AS int); DROP TABLE public.victim; SELECT CAST((1', false, 10, NULL);
CALL schemashift.expand_add_column('public.victim2', 'z3', 'int', '1, n = 0', false, 10, NULL);
CALL schemashift.expand_alter_column_type('public.victim2', 'n', 'bigint', 'n; DROP TABLE public.victim', 10, NULL);
SELECT * FROM security_victims();
SELECT security_reset();

-- 11. a foreign key to a table the owner may not read: the superuser may
-- add it, VALIDATE (as the owner) still finds the orphan, the count as the
-- owner is refused, and nothing is left behind
CREATE TABLE public.su_ref (id int PRIMARY KEY);
INSERT INTO public.su_ref VALUES (1), (2);
CALL schemashift.add_constraint('ALTER TABLE pairs ADD CONSTRAINT pairs_su_fkey FOREIGN KEY (a) REFERENCES su_ref');
SELECT constraint_type, violating_rows FROM schemashift.check_constraint_data('ALTER TABLE pairs ADD CONSTRAINT pairs_su_fkey FOREIGN KEY (a) REFERENCES su_ref');
SELECT conname FROM pg_constraint WHERE conrelid = 'pairs'::regclass AND contype <> 'n' ORDER BY 1;
DELETE FROM public.pairs WHERE a = 1007;
CALL schemashift.add_constraint('ALTER TABLE pairs ADD CONSTRAINT pairs_su_fkey FOREIGN KEY (a) REFERENCES su_ref');
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'pairs'::regclass AND contype <> 'n' ORDER BY 1;
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();

-- 12. an implicit cast the owner defined from its enum to text, which a
-- foreign key from the enum to a text key must use: the server's VALIDATE
-- and schemashift's orphan count call it, both as the owner
SET ROLE regress_app;
CREATE TYPE public.mood2 AS ENUM ('ok', 'bad');
CREATE FUNCTION public.mood2_text(m public.mood2) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM public.escalate('implicit cast');
    RETURN m::name::text;
END $$;
CREATE CAST (public.mood2 AS text) WITH FUNCTION public.mood2_text(public.mood2) AS IMPLICIT;
CREATE TABLE public.words (w text PRIMARY KEY);
INSERT INTO public.words VALUES ('ok');
CREATE TABLE public.moods2 (id int PRIMARY KEY, m public.mood2);
INSERT INTO public.moods2 VALUES (1, 'ok'), (2, 'bad');
RESET ROLE;
SELECT owner_code_forget();
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE moods2 ADD CONSTRAINT moods2_m_fkey FOREIGN KEY (m) REFERENCES words');
CALL schemashift.add_constraint('ALTER TABLE moods2 ADD CONSTRAINT moods2_m_fkey FOREIGN KEY (m) REFERENCES words');
SELECT who, what FROM owner_code_ran();
SELECT * FROM security_victims();
SELECT owner_code_forget();

-- 13. row security the owner forces on its table, with a policy that calls
-- its function: the count runs as the owner without the owner's forced
-- policies (as VALIDATE, which ignores row security), so the policy does
-- not run and no row is hidden from the count
SET ROLE regress_app;
CREATE TABLE public.rls_t (id int PRIMARY KEY, n int);
INSERT INTO public.rls_t SELECT g, g FROM generate_series(1, 10) g;
ALTER TABLE public.rls_t ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.rls_t FORCE ROW LEVEL SECURITY;
CREATE POLICY rls_p ON public.rls_t USING (public.escalate('policy') AND n < 3);
RESET ROLE;
SELECT constraint_type, violating_rows, examples
  FROM schemashift.check_constraint_data('ALTER TABLE rls_t ADD CONSTRAINT rls_n CHECK (n < 8)');
CALL schemashift.add_constraint('ALTER TABLE rls_t ADD CONSTRAINT rls_n CHECK (n < 8)');
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();

-- 14. expand_rename_column's sync trigger compares the old and new values:
-- with the column type's own equality operator, never the owner's public.=
-- an IS DISTINCT FROM would find; a superuser writing to the table during
-- the change runs that trigger as itself
SELECT owner_code_forget();
CALL schemashift.expand_rename_column('public.moods', 'm', 'feeling', 10, NULL);
UPDATE public.moods SET n = n + 1;
SELECT DISTINCT who, what FROM public.owner_log ORDER BY 1, 2;
SELECT * FROM security_victims();

-- 15. expand copies a CHECK constraint by its printed definition: with a
-- caller whose search_path puts public first, "=" in the copy must still be
-- pg_catalog's, not the owner's public.= (int, int), which the copy would
-- keep for good and run on every write after contract
SET ROLE regress_app;
CREATE TABLE public.ex3 (id int PRIMARY KEY, n smallint, k int, CONSTRAINT ex3_nk CHECK (n = k));
INSERT INTO public.ex3 SELECT g, g, g FROM generate_series(1, 5) g;
RESET ROLE;
SELECT owner_code_forget();
SET search_path = public, pg_catalog;
CALL schemashift.expand_alter_column_type('public.ex3', 'n', 'int', NULL, 10, NULL);
SHOW search_path;
RESET search_path;
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'public.ex3'::regclass AND contype = 'c' ORDER BY 1;
SELECT * FROM owner_code_ran();
SELECT * FROM security_victims();

DROP FUNCTION owner_code_ran(), owner_code_forget();
RESET client_min_messages;
