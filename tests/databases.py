"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database dropped afterwards.

PostgreSQL is the one at `CODADESK_TEST_DATABASE_URL` (default: the local server CI uses). Each test
session creates its own database there, so test runs side by side never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from server.db import migrate

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("CODADESK_TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL


def backends() -> list[str]:
    """The backends the server tests run on: both, unless `CODADESK_TEST_BACKENDS` narrows them."""
    wanted = os.environ.get("CODADESK_TEST_BACKENDS", "sqlite,postgresql")
    return [b.strip() for b in wanted.split(",") if b.strip()]


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    admin = make_url(postgres_admin_url())
    name = f"codadesk_test_{secrets.token_hex(4)}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_database(backend: str, folder: Path) -> Iterator[str]:
    """A migrated, empty database of `backend`, as a URL."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'codadesk-test.db'}"
        migrate(url)
        yield url
    elif backend == "postgresql":
        with fresh_postgres_database() as url:
            migrate(url)
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")
