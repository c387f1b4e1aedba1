"""Twenty users saving one client at once, ten rounds, through the real server on a loopback port.

Each user has a connection of their own (`httpx.Client`) to uvicorn serving the real app; a barrier
releases all twenty PATCHes of a round together, each with the version that user last saw. Every answer is
compared with a model built from the winners' requests alone: if the server ever let two saves of one
version through, or applied a save on top of a stale read, the model and the server would part.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api_client.models import EDITABLE_FIELDS
from server.db import Database
from tests.factories import FirmAccess, add_user, create_client, create_mandate
from tests.server.hardening.conftest import LiveServer

USERS = 20
ROUNDS = 10
FIELDS = ("street", "city", "representative_name", "representative_function")
"""What the users change, one field each (by user number): four users share each field."""


@dataclass(frozen=True)
class Attempt:
    """One PATCH as sent and as answered."""

    user: int
    round: int
    version: int
    """The version sent in If-Match: the one this user last saw."""
    changes: dict[str, str]
    status: int
    body: dict[str, Any]


def editable(client: dict[str, Any]) -> dict[str, Any]:
    return {name: client[name] for name in EDITABLE_FIELDS}


def run_users(server: LiveServer, users: list[FirmAccess], client_id: int) -> list[Attempt]:
    """Every user's rounds, each round released for all users at once; the attempts in no particular order."""
    start_round = threading.Barrier(len(users), timeout=60)

    def one_user(index: int) -> list[Attempt]:
        attempts: list[Attempt] = []
        version = 1
        with httpx.Client(base_url=server.url, headers=users[index].headers, timeout=60) as http:
            for round_ in range(ROUNDS):
                changes = {FIELDS[index % len(FIELDS)]: f"user {index:02d} round {round_:02d}"}
                start_round.wait()
                answer = http.patch(f"/api/v1/clients/{client_id}", json=changes, headers={"If-Match": f'"{version}"'})
                body = answer.json()
                attempts.append(Attempt(index, round_, version, changes, answer.status_code, body))
                if answer.status_code == 200:
                    version = body["client"]["version"]
                elif answer.status_code == 412:
                    version = body["error"]["details"]["client"]["version"]  # the user reloads, as the TUI does
        return attempts

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        per_user = list(pool.map(one_user, range(len(users))))
    return [attempt for attempts in per_user for attempt in attempts]


def test_no_save_is_lost_among_twenty_concurrent_users(
    live_server: LiveServer, database: Database, firm: FirmAccess, server_logs: pytest.LogCaptureFixture
) -> None:
    client_id = create_client(database, firm)
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client")
    users = [firm, *(add_user(database, firm, name=f"Agent {n:02d}") for n in range(1, USERS))]
    with httpx.Client(base_url=live_server.url, headers=firm.headers) as http:
        before = http.get(f"/api/v1/clients/{client_id}").json()

    began = time.perf_counter()
    attempts = run_users(live_server, users, client_id)
    elapsed = time.perf_counter() - began

    statuses = Counter(a.status for a in attempts)
    assert set(statuses) == {200, 412}, f"only wins and 412s, never a 5xx or 'database is locked': {statuses}"
    assert not [r for r in server_logs.records if r.levelno >= logging.WARNING or "locked" in r.getMessage()]
    wins = sorted((a for a in attempts if a.status == 200), key=lambda a: a.version)
    assert [Counter(a.round for a in wins)[r] for r in range(ROUNDS)] == [1] * ROUNDS, "one winner per round"
    assert [a.version for a in wins] == list(range(1, ROUNDS + 1)), "exactly one winner per version"

    # The model: the client as it was, with each winner's change applied in version order, nothing else.
    model = {1: editable(before)}
    for win in wins:
        model[win.version + 1] = {**model[win.version], **win.changes}
        assert win.body["client"]["version"] == win.version + 1
        assert editable(win.body["client"]) == model[win.version + 1], "a winner saw every earlier winner's change"
    for loser in (a for a in attempts if a.status == 412):
        current = loser.body["error"]["details"]["client"]
        assert current["version"] > loser.version
        assert editable(current) == model[current["version"]], "a loser is shown exactly what is stored"

    with httpx.Client(base_url=live_server.url, headers=firm.headers) as http:
        after = http.get(f"/api/v1/clients/{client_id}").json()
        history = http.get(f"/api/v1/clients/{client_id}/history").json()
        mandate = http.get(f"/api/v1/mandates/{mandate_id}").json()
    assert after["version"] == 1 + len(wins) == 1 + ROUNDS
    assert editable(after) == model[after["version"]]
    assert [(entry["user"]["id"], entry["changes"]) for entry in reversed(history)] == [
        (users[w.user].user_id, {name: [model[w.version][name], new] for name, new in w.changes.items()}) for w in wins
    ], "one history row per win, in order, naming its user and its change"
    assert mandate["document_version"] == 1 + len(wins), "every save that changed printed data renewed the document"
    print(  # the figures in docs/hardening.md
        f"\nlost update: {len(attempts)} PATCHes by {USERS} users in {ROUNDS} rounds, {len(wins)} won, "
        f"{statuses[412]} got 412, {elapsed:.1f} s"
    )
