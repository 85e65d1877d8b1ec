--
-- Fresh eyes on DO-block linting (0.3.0): lint() compiles a DO block, and a
-- function the script creates and calls, with PL/pgSQL's compiler, and
-- lints the statements inside.  Compiling runs none of the block's code,
-- and what is inside is judged as lint judges any statement: it runs
-- nobody's code either.  Uses the owner's traps security_round3 made
-- (r3_log, r3_escalate, r3_imm, appschema.r3_checked, r3_enum and its
-- cast, r3_dom, r3_view) and removes them at the end.  The 15 answer: on
-- 16 and later the blocks are compiled another way, and must give it too.
--
\set SHOW_CONTEXT never

-- B3. security_round3's B1 (SET NOT NULL, the owner's CHECK folded) and
-- B2 (a type change, the owner's SQL cast inlined) hidden in a DO block, as
-- a statement and as an EXECUTE of a constant string.  Before their fix
-- both ran the owner's function as superuser from here too.  Must hold:
-- r3_log stays empty.
SELECT statement, rule FROM schemashift.lint($s$
DO $$
BEGIN
    ALTER TABLE appschema.r3_checked ALTER COLUMN n SET NOT NULL;
    EXECUTE 'ALTER TABLE appschema.r3_checked ALTER COLUMN id TYPE appschema.r3_enum';
END $$;
$s$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT who, what FROM public.r3_log ORDER BY 1, 2;

-- B4. Compiling a DO block, or a function the script creates and calls,
-- runs none of its code: DECLARE defaults calling the owner's functions,
-- a variable of the owner's domain with a CHECK, %TYPE and %ROWTYPE of the
-- owner's table and view (whose column calls a function), a cursor, a
-- constant, PERFORM.  Must hold: r3_log stays empty, nothing escalates.
SELECT statement, rule FROM schemashift.lint($s$
DO $$
DECLARE
    a boolean := public.r3_imm('declare default');
    b CONSTANT boolean := public.r3_escalate('constant');
    d appschema.r3_dom := 1;
    n appschema.r3_checked.n%TYPE := (public.r3_imm('type default'))::int;
    v appschema.r3_view%ROWTYPE;
    c CURSOR FOR SELECT public.r3_escalate('cursor');
BEGIN
    PERFORM public.r3_escalate('perform');
    ALTER TABLE public.victim ADD COLUMN r3_x int;
END $$;
CREATE FUNCTION public.r3_called() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
    a boolean := public.r3_imm('function default');
    d appschema.r3_dom := 2;
BEGIN
    ALTER TABLE public.victim ADD COLUMN r3_y int;
END $f$;
SELECT public.r3_called();
$s$, rules => 'require-timeout-settings=off, prefer-robust-stmts=off');
SELECT who, what FROM public.r3_log ORDER BY 1, 2;
-- B6. plan() lints the same way.  Must hold: r3_log stays empty.
SELECT step, recipe FROM schemashift.plan($s$
DO $$
DECLARE
    a boolean := public.r3_imm('plan declare default');
BEGIN
    ALTER TABLE appschema.r3_checked ALTER COLUMN n SET NOT NULL;
END $$;
$s$);
SELECT who, what FROM public.r3_log ORDER BY 1, 2;
SELECT * FROM security_victims();

-- clean up: nothing of security_round3 is left for the next
SET client_min_messages = warning;
SET schemashift.mode = off;
DROP CAST (int AS appschema.r3_enum);
DROP TABLE public.r3_log;
DROP FUNCTION public.r3_imm(text), public.r3_escalate(text) CASCADE;
RESET schemashift.mode;
REVOKE USAGE ON SCHEMA appschema FROM regress_r3_other;
DROP ROLE regress_r3_other;
RESET client_min_messages;
SELECT * FROM security_victims();
