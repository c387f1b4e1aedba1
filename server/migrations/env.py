"""Alembic environment: the URL comes from `server.db.migrate`, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import URL

from server.db import create_db_engine
from server.models import Base

config = context.config
url: URL = config.attributes["database_url"]


def run_migrations_online() -> None:
    engine = create_db_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()
