"""Fixtures of the search tests: a demo firm of a few hundred clients, fresh for each test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.clients import search
from server.db import Database
from server.demo import seed_demo


@dataclass(frozen=True)
class Searcher:
    """GET /clients as one firm's user."""

    http: TestClient
    token: str
    firm_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, **params: Any) -> Any:
        return self.http.get("/api/v1/clients", params=params, headers=self.headers)

    def page(self, **params: Any) -> dict[str, Any]:
        answer = self.get(**params)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def all_rows(self, **params: Any) -> list[dict[str, Any]]:
        """Every page in turn, following `next_cursor`."""
        rows: list[dict[str, Any]] = []
        cursor = None
        while True:
            body = self.page(**params, **({"cursor": cursor} if cursor else {}))
            rows.extend(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                return rows


@pytest.fixture
def demo_firm(database: Database, http: TestClient) -> Searcher:
    """A fresh demo firm of 300 clients (mode `service`), searched through HTTP."""
    (account,) = seed_demo(database, clients_per_firm=300, firms=1, seed=7)
    return Searcher(http, account.token, account.firm_id)


WINDOWS = {"scan": search.WINDOW, "mixed": 20, "index": 0}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "one_path: the test does not depend on how rows are found; run it once")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every search test three ways (see `search_path`), except those marked `one_path`."""
    if "search_path" in metafunc.fixturenames:
        paths = ["scan"] if metafunc.definition.get_closest_marker("one_path") else list(WINDOWS)
        metafunc.parametrize("search_path", paths, indirect=True)


@pytest.fixture(autouse=True)
def search_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the search finds rows: as the small firms of tests are searched (the name-ordered scan
    reaches their last row); as a large firm is (a window of 20 rows: a frequent term fills a page in it,
    a rare one goes to the trigram index); and with the trigram index answering every page."""
    monkeypatch.setattr(search, "WINDOW", WINDOWS[request.param])
    return str(request.param)
