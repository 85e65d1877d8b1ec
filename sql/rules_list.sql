-- The registry as a table: every rule, its levels, lock and summary.
SELECT id, level, default_level, lock, rewrites FROM schemashift.rules();
SELECT count(*) AS rules, count(DISTINCT id) AS distinct_ids,
       bool_and(id ~ '^[a-z]+(-[a-z]+)*$') AS kebab_case,
       bool_and(summary <> '' AND message <> '' AND hint <> '' AND why <> '' AND bad_example <> '') AS documented
  FROM schemashift.rules();
-- current level follows the setting
SET schemashift.rules = 'require-table-schema=error';
SELECT id, level, default_level FROM schemashift.rules() WHERE id = 'require-table-schema';
RESET schemashift.rules;
