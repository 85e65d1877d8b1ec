--
-- Class: owner code under another caller, through operators the extension's
-- own SQL would find by name.  A table owner plants "=", ">" and "<=" in
-- public for the key and value types; a caller whose search_path puts
-- public before pg_catalog runs a backfill.  The batches compare keys and
-- values with the types' own operators, named by their schema: the
-- planted ones never run.
--
\set SHOW_CONTEXT never
SELECT security_reset();
CREATE ROLE regress_writer;
GRANT USAGE ON SCHEMA public TO regress_writer;
SET client_min_messages = warning;
-- (an earlier attack's "=" on int, if it is still there)
SET schemashift.mode = off;
DROP OPERATOR IF EXISTS public.= (int, int);
DROP OPERATOR IF EXISTS public.> (int, int);
DROP OPERATOR IF EXISTS public.<= (int, int);
RESET schemashift.mode;
SET ROLE regress_app;
CREATE TABLE public.op_log (who name, op text);
GRANT INSERT ON public.op_log TO PUBLIC;
CREATE FUNCTION public.spy_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.op_log VALUES (current_user, '='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE FUNCTION public.spy_gt(int, int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.op_log VALUES (current_user, '>'); RETURN $1 OPERATOR(pg_catalog.>) $2; END $$;
CREATE FUNCTION public.spy_le(int, int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.op_log VALUES (current_user, '<='); RETURN $1 OPERATOR(pg_catalog.<=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = int, FUNCTION = public.spy_eq);
CREATE OPERATOR public.> (LEFTARG = int, RIGHTARG = int, FUNCTION = public.spy_gt);
CREATE OPERATOR public.<= (LEFTARG = int, RIGHTARG = int, FUNCTION = public.spy_le);
GRANT UPDATE (n), SELECT ON public.victim2 TO regress_writer;
RESET ROLE;
RESET client_min_messages;

-- the planted operators are what an unqualified name finds for this path
SET search_path = public, pg_catalog;
SELECT 1 = 1 AS planted_operator_found;  -- spy_eq is true for equal numbers
SELECT who = current_user AS by_superuser, op FROM public.op_log;
DELETE FROM public.op_log;

-- a caller with UPDATE on the column, and a superuser, backfill in batches
SET ROLE regress_writer;
SET search_path = public, pg_catalog;
CALL schemashift.backfill('public.victim2', 'n = n + 1', batch_size => 300);
RESET ROLE;
SET search_path = public, pg_catalog;
CALL schemashift.backfill('public.victim2', 'n = n * 2', batch_size => 300);
RESET search_path;
-- none of them ran
SELECT who = current_user AS by_superuser, op FROM public.op_log;
-- every row changed exactly once by each
SELECT count(*), sum(n) FROM public.victim2;

-- a member of the owning role who has rights of its own backfills: the
-- owner's trigger runs as the owner, not with the member's other rights
CREATE ROLE regress_member;
GRANT regress_app TO regress_member;
GRANT USAGE ON SCHEMA public TO regress_member;
SET client_min_messages = warning;
SET ROLE regress_app;
CREATE FUNCTION public.spy_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.op_log VALUES (current_user, 'trigger'); RETURN NEW; END $$;
CREATE TRIGGER spy BEFORE UPDATE ON public.victim2 FOR EACH STATEMENT
    EXECUTE FUNCTION public.spy_trigger();
RESET ROLE;
RESET client_min_messages;
SET ROLE regress_member;
CALL schemashift.backfill('public.victim2', 'n = n - 1', batch_size => 500);
RESET ROLE;
SELECT who, op, count(*) FROM public.op_log GROUP BY 1, 2 ORDER BY 1, 2;
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP TRIGGER spy ON public.victim2;
DROP FUNCTION public.spy_trigger();
REVOKE USAGE ON SCHEMA public FROM regress_member;
DROP ROLE regress_member;
RESET schemashift.mode;
RESET client_min_messages;

-- clean up
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP OPERATOR public.= (int, int);
DROP OPERATOR public.> (int, int);
DROP OPERATOR public.<= (int, int);
DROP FUNCTION public.spy_eq(int, int), public.spy_gt(int, int), public.spy_le(int, int);
DROP TABLE public.op_log;
REVOKE ALL ON public.victim2 FROM regress_writer;
REVOKE USAGE ON SCHEMA public FROM regress_writer;
DROP ROLE regress_writer;
RESET schemashift.mode;
RESET client_min_messages;
