--
-- Class: statement forms, through the statements only the ProcessUtility
-- hook sees (VACUUM, CLUSTER, REINDEX, TRUNCATE).  A statement naming
-- several relations, or none, is judged by every relation it reaches, not
-- by the first one it names.
--
SELECT security_reset();
SET ROLE regress_app;
CREATE TEMP TABLE formsh_tmp (id bigint);
SELECT pg_relation_filenode('public.victim') AS victim_file \gset

-- Attack: VACUUM FULL of a temporary table (always private) and victim in
-- one statement.  Must hold: refused, victim not rewritten.
VACUUM FULL formsh_tmp, victim;
VACUUM (FULL, ANALYZE) formsh_tmp, victim (n);
VACUUM (FULL 1) formsh_tmp, victim;
SELECT pg_relation_filenode('public.victim') = :victim_file AS victim_not_rewritten;

-- Attack: the same forms naming no relation reach every table of the role.
-- Must hold: refused.
VACUUM FULL;
CLUSTER;
REINDEX SCHEMA public;
SELECT pg_relation_filenode('public.victim') = :victim_file AS victim_not_rewritten;

-- Attack: TRUNCATE of the temporary table and victim.  Must hold: refused.
TRUNCATE formsh_tmp, victim;
SELECT * FROM security_victims();

-- Legitimate: the temporary table alone.
VACUUM FULL formsh_tmp;
TRUNCATE formsh_tmp;
RESET ROLE;
