--
-- The cast of the adversarial suite (test/security/README.md): an ordinary
-- role regress_app owning victim and victim2, an approver, enforce mode.
--
CREATE EXTENSION schemashift;
CREATE ROLE regress_app;
CREATE ROLE regress_approver;
GRANT schemashift_approver TO regress_approver;
GRANT CREATE ON SCHEMA public TO regress_app;
CREATE SCHEMA appschema AUTHORIZATION regress_app;

-- Put the victims back as they were: called between attacks, as a
-- superuser, with the guard off for this function only.
CREATE FUNCTION security_reset() RETURNS void
LANGUAGE plpgsql SET schemashift.mode = off SET search_path = public
    SET client_min_messages = warning AS $$
BEGIN
    DROP TABLE IF EXISTS public.victim, public.victim2 CASCADE;
    DROP SCHEMA appschema CASCADE;
    CREATE SCHEMA appschema AUTHORIZATION regress_app;
    CREATE TABLE public.victim (id int PRIMARY KEY, n int NOT NULL, secret text);
    INSERT INTO public.victim SELECT g, g, 'secret ' || g FROM generate_series(1, 1000) g;
    CREATE TABLE public.victim2 (id int PRIMARY KEY, n int);
    INSERT INTO public.victim2 SELECT g, g FROM generate_series(1, 1000) g;
    ALTER TABLE public.victim OWNER TO regress_app;
    ALTER TABLE public.victim2 OWNER TO regress_app;
    ANALYZE public.victim, public.victim2;
    ALTER ROLE regress_app NOSUPERUSER;
END $$;

-- What an attack must not change: each victim's rows (count and sum),
-- columns, constraints and owner, and whether regress_app became superuser.
CREATE FUNCTION security_victims()
RETURNS TABLE (tab text, nrows bigint, nsum bigint, cols text, cons text, owner name)
LANGUAGE sql AS $$
    SELECT c.relname::text,
           (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM public.%I', c.relname), false, true, '')))[1]::text::bigint,
           (xpath('/row/s/text()', query_to_xml(format('SELECT sum(n) AS s FROM public.%I', c.relname), false, true, '')))[1]::text::bigint,
           (SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod) ||
                              CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum)
              FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped),
           (SELECT string_agg(conname || CASE WHEN convalidated THEN '' ELSE ' (not valid)' END, ', ' ORDER BY conname)
              FROM pg_constraint WHERE conrelid = c.oid AND contype <> 'n'),
           pg_get_userbyid(c.relowner)
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relname IN ('victim', 'victim2')
    UNION ALL
    SELECT 'regress_app is superuser', NULL, NULL, rolsuper::text, NULL, NULL
      FROM pg_roles WHERE rolname = 'regress_app'
    ORDER BY 1
$$;

SELECT security_reset();
SELECT * FROM security_victims();

-- enforce, for every session from here on
ALTER DATABASE contrib_regression SET schemashift.mode = enforce;
\c
SHOW schemashift.mode;

-- enforce holds for the owner: a direct attack is refused
SET ROLE regress_app;
DROP TABLE victim;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM security_victims();
