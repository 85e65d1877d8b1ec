/* schemashift 0.1.0 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION schemashift" to load this file. \quit

/*
 * Every object is created in the schema the control file names, and every
 * reference is schema-qualified, so nothing here can be captured by
 * objects a hostile role created beforehand.
 */

CREATE FUNCTION schemashift.lint(
    script text,
    in_transaction boolean DEFAULT false,
    rules text DEFAULT NULL)
RETURNS TABLE (
    statement integer,
    line integer,
    col integer,
    rule text,
    level text,
    object text,
    lock text,
    rewrites boolean,
    message text,
    hint text)
AS 'MODULE_PATHNAME', 'schemashift_lint'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;

COMMENT ON FUNCTION schemashift.lint(text, boolean, text) IS
'lint a migration script with the server''s parser and the live catalog, without running it';

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
    good_example text)
AS 'MODULE_PATHNAME', 'schemashift_rules_list'
LANGUAGE C STRICT STABLE;

COMMENT ON FUNCTION schemashift.rules() IS
'every schemashift rule with its current and default level';

GRANT USAGE ON SCHEMA schemashift TO PUBLIC;
