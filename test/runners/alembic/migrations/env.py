"""Alembic's environment: the database libpq's environment names, each
migration in a transaction of its own (a migration whose apply() committed
is recorded in alembic_version even when a later one fails)."""
from alembic import context
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg2://")
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
