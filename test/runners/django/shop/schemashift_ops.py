"""schemashift from Django migrations: apply() and the procedures commit
between their steps, so a migration that uses them says atomic = False
(Django then runs each statement in autocommit mode)."""
from django.db import migrations


def apply(migration_id, script, revert):
    """An operation that runs the script through schemashift.apply() under
    this id; migrating backwards runs the revert statements, then records
    the revert in the ledger so that the next migrate runs it again."""
    return migrations.RunSQL(
        [("CALL schemashift.apply(%s, %s)", [script, migration_id])],
        reverse_sql=revert + [
            ("SELECT schemashift.mark_reverted(%s, 'django migrate backwards')",
             [migration_id])])
