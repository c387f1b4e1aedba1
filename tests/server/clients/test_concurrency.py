"""Two people saving one client at once: exactly one wins, the other is told (412 or 409), nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server.clients import repository
from server.db import Database
from server.models import ClientHistory
from tests.factories import FirmAccess, add_user, create_client


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results in order."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        start.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_saves_of_one_version_one_wins_one_gets_412(
    http: TestClient, database: Database, firm: FirmAccess, round_: int
) -> None:
    client_id = create_client(database, firm, city="Gent")
    colleague = add_user(database, firm)

    def save(access: FirmAccess, city: str) -> Any:
        headers = {**access.headers, "If-Match": '"1"'}
        return http.patch(f"/api/v1/clients/{client_id}", json={"city": city}, headers=headers)

    first, second = run_together(lambda: save(firm, "Brugge"), lambda: save(colleague, "Oostende"))

    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    loser = second if winner is first else first
    current = http.get(f"/api/v1/clients/{client_id}", headers=firm.headers).json()
    assert current["version"] == 2
    assert current["city"] == winner.json()["client"]["city"]
    assert loser.json()["error"]["details"]["client"]["city"] == current["city"]
    with database.read() as session:
        saves = session.scalar(select(func.count()).where(ClientHistory.client_id == client_id))
    assert saves == 1


def test_two_clients_taking_one_code_at_once_one_gets_409(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    one = create_client(database, firm, enterprise_number=None)
    two = create_client(database, firm, enterprise_number=None)

    def save(client_id: int) -> Any:
        headers = {**firm.headers, "If-Match": '"1"'}
        return http.patch(f"/api/v1/clients/{client_id}", json={"client_code": "SAME"}, headers=headers)

    answers = run_together(lambda: save(one), lambda: save(two))

    assert sorted(a.status_code for a in answers) == [200, 409]


def test_a_duplicate_that_slips_past_the_check_is_still_409(
    http: TestClient, database: Database, firm: FirmAccess, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_client(database, firm, client_code="TAKEN", company_name="First NV")
    client_id = create_client(database, firm, enterprise_number=None)
    real = repository.client_with_code_key
    calls: list[int] = []

    def blind_first_time(*args: Any, **kwargs: Any) -> Any:
        # The other save commits between this save's duplicate check and its UPDATE.
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(repository, "client_with_code_key", blind_first_time)

    answer = http.patch(
        f"/api/v1/clients/{client_id}", json={"client_code": "taken"}, headers={**firm.headers, "If-Match": '"1"'}
    )

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "duplicate"
    assert error["fields"]["client_code"] == [
        "Client code is already used by another client of your office (TAKEN, First NV)"
    ]
    assert http.get(f"/api/v1/clients/{client_id}", headers=firm.headers).json()["version"] == 1


def test_a_duplicate_number_found_only_by_the_index_names_the_field(
    http: TestClient, database: Database, firm: FirmAccess, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_client(database, firm, enterprise_number="0428759497")
    client_id = create_client(database, firm, enterprise_number=None)
    monkeypatch.setattr(repository, "client_with_enterprise_number", lambda *_a, **_k: None)

    answer = http.patch(
        f"/api/v1/clients/{client_id}",
        json={"enterprise_number": "0428759497"},
        headers={**firm.headers, "If-Match": '"1"'},
    )

    assert answer.status_code == 409
    assert list(answer.json()["error"]["fields"]) == ["enterprise_number"]


def test_the_version_guard_refuses_a_stale_update(database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)
    with database.write() as session:
        assert repository.update_client(session, firm.firm_id, client_id, version=1, values={"city": "Brugge"})
        assert not repository.update_client(session, firm.firm_id, client_id, version=1, values={"city": "Lier"})
        assert not repository.update_client(session, firm.firm_id + 1, client_id, version=2, values={"city": "Lier"})
