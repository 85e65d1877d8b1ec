"""schemashift from Alembic migrations: apply() and the procedures commit
between their steps, so they run in an autocommit block, outside the
migration's transaction."""
from alembic import op
from sqlalchemy import text


def apply(script, migration_id):
    """Run a migration script through schemashift.apply() under this id."""
    with op.get_context().autocommit_block():
        op.execute(text("CALL schemashift.apply(:script, :id)")
                   .bindparams(script=script, id=migration_id))


def revert(migration_id, *calls):
    """Undo a migration: the CALLs outside the transaction, then record the
    revert in the ledger in the transaction that removes the revision from
    alembic_version, so that the next upgrade runs the migration again."""
    with op.get_context().autocommit_block():
        for call in calls:
            op.execute(call)
    op.execute(text("SELECT schemashift.mark_reverted(:id, 'alembic downgrade')")
               .bindparams(id=migration_id))
