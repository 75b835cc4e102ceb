"""Alembic environment. Omnidesk runs migrations in-process (``omnidesk migrate`` or at ``serve``),
handing the connection over in ``config.attributes``; batch mode keeps one history valid on SQLite."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
