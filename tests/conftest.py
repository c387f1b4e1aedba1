"""Fixtures shared by every test folder: real databases on both backends and the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.config import Settings
from server.db import Database
from server.main import create_app
from tests.databases import backends, migrated_database
from tests.factories import FirmAccess, create_firm


@pytest.fixture(scope="session", params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database on each backend (SQLite, PostgreSQL), shared by the session's tests."""
    folder = tmp_path_factory.mktemp(request.param)
    with migrated_database(request.param, folder) as url:
        yield url


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, outbox_dir=tmp_path / "outbox")


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database=database)


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    """The real app over HTTP semantics (ASGI), no token set."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def firm(database: Database) -> FirmAccess:
    """A fresh firm in mode `service`, with a user and a token: tests never see each other's rows."""
    return create_firm(database, mode="service")


@pytest.fixture
def office_firm(database: Database) -> FirmAccess:
    """A fresh firm in mode `firm` (the office manages its mandates)."""
    return create_firm(database, mode="firm")
