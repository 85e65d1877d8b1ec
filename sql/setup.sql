-- The extension, and a compact view of lint() for the other tests.
CREATE EXTENSION schemashift;
SELECT extname, extversion, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'schemashift';

-- The guard is on (warn) as soon as the extension exists; the lint tests
-- run with it off so their own set-up DDL prints nothing.  The guard tests
-- turn it on themselves.
ALTER DATABASE contrib_regression SET schemashift.mode = off;

-- lint() without the script-wide rules that fire on almost every script
-- (timeouts, re-runnability), so each test shows the rules it is about.
CREATE FUNCTION lr(script text, in_transaction boolean DEFAULT false, extra text DEFAULT '')
RETURNS TABLE (stmt int, line int, col int, rule text, level text, object text, lock text, rewrites boolean)
LANGUAGE sql AS $$
  SELECT statement, line, col, rule, level, object, lock, rewrites
    FROM schemashift.lint(script, in_transaction,
                          'require-timeout-settings=off, prefer-robust-stmts=off'
                          || CASE WHEN extra <> '' THEN ', ' || extra ELSE '' END)
$$;
