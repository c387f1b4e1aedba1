"""The sizes of a firm's list and of its missing-e-mail list: kept by triggers, exact after every kind of write.

Each check compares the answer's `total` with a `count(*)` of the table itself, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update

from server.db import Database
from server.demo import seed_demo
from server.models import Client, Mandate
from tests.factories import create_client, create_firm, new_client
from tests.server.search.conftest import Searcher

pytestmark = pytest.mark.one_path


def counted(database: Database, firm_id: int) -> tuple[int, int]:
    with database.read() as session:
        everyone = session.scalar(select(func.count()).where(Client.firm_id == firm_id))
        missing = session.scalar(select(func.count()).where(Client.firm_id == firm_id, Client.email.is_(None)))
    return int(everyone or 0), int(missing or 0)


def sizes(searcher: Searcher) -> tuple[int, int]:
    everyone, missing = searcher.page(limit=1), searcher.page(limit=1, missing_email="true")
    assert not everyone["total_capped"]
    assert not missing["total_capped"]
    return everyone["total"], missing["total"]


def test_a_seeded_firm_says_its_sizes(database: Database, demo_firm: Searcher) -> None:
    assert sizes(demo_firm) == counted(database, demo_firm.firm_id)
    assert sizes(demo_firm)[1] > 0


def test_saves_that_give_or_take_an_email_move_the_missing_count(
    database: Database, http: TestClient, demo_firm: Searcher
) -> None:
    before = sizes(demo_firm)
    without = demo_firm.page(limit=3, missing_email="true")["items"]
    with_email = next(row for row in demo_firm.page(limit=20)["items"] if row["email"])
    for row in without[:2]:
        _patch(http, demo_firm, row, {"email": f"new{row['id']}@example.com"})
    _patch(http, demo_firm, with_email, {"email": None})
    _patch(http, demo_firm, without[2], {"city": "Gent"})  # no e-mail change: no count change
    assert sizes(demo_firm) == (before[0], before[1] - 2 + 1) == counted(database, demo_firm.firm_id)


def test_inserts_deletes_and_bulk_writes_keep_the_sizes_exact(database: Database, http: TestClient) -> None:
    (account,) = seed_demo(database, clients_per_firm=50, firms=1, seed=3)
    firm = Searcher(http, account.token, account.firm_id)
    other = create_firm(database)
    create_client(database, other, email=None, enterprise_number=None)
    with database.write() as session:
        new_client(session, account.firm_id, email=None, enterprise_number=None)
    with database.write() as session:
        new_client(session, account.firm_id, email="one@example.com", enterprise_number=None)
    with database.write() as session:
        for n in range(30):
            email = None if n % 3 == 0 else f"bulk{n}@example.com"
            new_client(session, account.firm_id, email=email, enterprise_number=None)
    assert sizes(firm) == counted(database, account.firm_id) == (50 + 2 + 30, sizes(firm)[1])
    with database.write() as session:
        session.execute(
            update(Client).where(Client.firm_id == account.firm_id, Client.email.like("bulk%")).values(email=None)
        )
    assert sizes(firm) == counted(database, account.firm_id)
    before = sizes(firm)
    with database.write() as session:
        without_mandates = Client.id.not_in(select(Mandate.client_id))
        session.execute(delete(Client).where(Client.firm_id == account.firm_id, without_mandates))
    assert sizes(firm) == counted(database, account.firm_id)
    assert sizes(firm)[0] < before[0] - 30
    assert counted(database, other.firm_id) == (1, 1), "the other firm's clients were never counted here"


def _patch(http: TestClient, searcher: Searcher, row: dict[str, Any], changes: dict[str, Any]) -> None:
    answer = http.patch(
        f"/api/v1/clients/{row['id']}",
        json=changes,
        headers={**searcher.headers, "If-Match": f'"{row["version"]}"'},
    )
    assert answer.status_code == 200, answer.text
