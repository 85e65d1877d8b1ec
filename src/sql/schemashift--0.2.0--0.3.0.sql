/* schemashift 0.2.0 -> 0.3.0 (ALTER EXTENSION schemashift UPDATE) */

\echo Use "ALTER EXTENSION schemashift UPDATE TO '0.3.0'" to load this file. \quit

-- Every row of 0.2.0 stays.  Columns new in 0.3.0 are added at the end of
-- their tables, where schemashift--0.3.0.sql also puts them, so that an
-- updated installation and a fresh one have the same objects; functions
-- whose signature changes are dropped and created again here.

-- schemashift.rules() gains its last column, family (the guard reports by
-- family, docs/guard.md).
DROP FUNCTION schemashift.rules();
CREATE FUNCTION schemashift.rules()
RETURNS TABLE (
    id text,
    level text,
    default_level text,
    lock text,
    rewrites boolean,
    summary text,
    message text,
    hint text,
    why text,
    bad_example text,
    good_example text,
    family text)
AS 'MODULE_PATHNAME', 'schemashift_rules_list'
LANGUAGE C STRICT STABLE;

COMMENT ON FUNCTION schemashift.rules() IS
'every schemashift rule with its current and default level and its family';
