-- Renders docs/rules.md from schemashift.rules(); see scripts/gen-rules-doc.
SELECT E'# schemashift rules\n\n'
    || E'Generated from the rule registry by `make docs` (scripts/gen-rules-doc); do not edit by hand.\n'
    || E'The same registry drives `schemashift.lint()` and `schemashift.rules()`.\n\n'
    || E'Levels: `error` findings are what the guard blocks in enforce mode; `warning` and `info` are reported only; `off` rules are not checked.\n'
    || E'Change a level per call with `lint(..., rules => ''rule-id=level'')`, or for everyone with the superuser setting `schemashift.rules`.\n'
    || E'Silence a rule for one statement with a comment `-- schemashift:ignore rule-id` on the line before it, or for the whole script with `-- schemashift:ignore-file rule-id` (squawk''s `-- squawk-ignore` forms work too).\n\n'
    || E'Each rule has a family: `lock`, `rewrite`, `data loss`, `compatibility` (breaks the running application) and `correctness` (the statement fails, or does not do what it says) are what the live guard reports; `script` (rules about a whole migration file) and `style` (design preferences) are for lint in CI, and the guard reports them only when `schemashift.rules` names them (docs/guard.md).\n\n'
    || E'| rule | family | default level | lock | rewrites | what it flags |\n|---|---|---|---|---|---|\n'
    || string_agg(format('| [`%s`](#%s) | %s | %s | %s | %s | %s |', id, id, family, default_level,
                         coalesce(lock, '—'), CASE WHEN rewrites THEN 'yes' ELSE 'no' END, summary),
                  E'\n' ORDER BY ord)
FROM schemashift.rules() WITH ORDINALITY AS r(id, level, default_level, lock, rewrites, summary, message, hint, why, bad_example, good_example, family, ord);

SELECT string_agg(
    format(E'\n## %s\n\n%s.\n\n- Family: %s\n- Default level: `%s`\n- Lock: %s\n- Rewrites the table: %s\n\n**Why it is dangerous.** %s\n\n**Safe recipe.** %s\n\nFlagged:\n\n```sql\n%s\n```\n%s',
           id, upper(left(summary, 1)) || substr(summary, 2), family, default_level,
           coalesce('`' || lock || '`', 'none of its own'),
           CASE WHEN rewrites THEN 'yes' ELSE 'no' END,
           why, hint, bad_example,
           CASE WHEN good_example IS NULL THEN ''
                ELSE format(E'\nInstead:\n\n```sql\n%s\n```\n', good_example) END),
    '' ORDER BY ord)
FROM schemashift.rules() WITH ORDINALITY AS r(id, level, default_level, lock, rewrites, summary, message, hint, why, bad_example, good_example, family, ord);
