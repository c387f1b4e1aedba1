"""Archiving a mandate: only with an explicit confirmation; the mandate and its document stay readable."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.db import Database
from tests.factories import FirmAccess
from tests.server.mandates.conftest import MovableClock, act, make_mandate


def test_archive_with_confirmation_stops_the_mandate(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm, status="sent_to_client")

    answer = act(http, firm, mandate, "archive", json_body={"confirm": True})

    assert answer.status_code == 200
    archived = answer.json()["mandate"]
    assert archived["status"] == "archived"
    assert archived["status_changed_at"] == f"{clock.now:%Y-%m-%dT%H:%M:%SZ}"
    assert all(not a["available"] and a["reason"] == "mandate_archived" for a in archived["actions"])
    # Still there to read, with its document.
    assert http.get(mandate.path, headers=firm.headers).json() == archived
    document = http.get(f"{mandate.path}/document", headers=firm.headers)
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(
    "body",
    [None, {}, {"confirm": False}, {"confirm": "true"}, {"confirm": 1}, [True], "confirm"],
    ids=["no body", "empty", "false", "string", "number", "list", "text"],
)
def test_archive_without_explicit_confirmation_is_422_naming_confirm(
    http: TestClient, database: Database, firm: FirmAccess, body: Any
) -> None:
    mandate = make_mandate(database, firm)

    answer = act(http, firm, mandate, "archive", json_body=body)

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["confirm"]
    assert http.get(mandate.path, headers=firm.headers).json()["status"] == "in_preparation"


def test_archive_confirmation_is_worded_in_the_callers_language(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    mandate = make_mandate(database, firm)

    answer = act(http, firm, mandate, "archive", json_body={"confirm": False}, language="fr")

    assert answer.json()["error"]["fields"]["confirm"] == [
        'L\'archivage arrête le mandat: confirmez-le en envoyant {"confirm": true}'
    ]


def test_archive_refuses_unknown_fields(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm)

    answer = act(http, firm, mandate, "archive", json_body={"confirm": True, "reason": "client left"})

    assert answer.status_code == 422
    assert list(answer.json()["error"]["fields"]) == ["reason"]
    assert http.get(mandate.path, headers=firm.headers).json()["status"] == "in_preparation"


def test_a_signed_mandate_can_be_archived_but_not_twice(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm, status="active")

    first = act(http, firm, mandate, "archive", json_body={"confirm": True})
    second = act(http, firm, mandate, "archive", json_body={"confirm": True})

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"]["details"]["reason"] == "mandate_archived"
    assert second.json()["error"]["message"] == "The mandate is archived"


def test_an_archived_mandate_cannot_be_resent(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm, status="sent_to_client")
    act(http, firm, mandate, "archive", json_body={"confirm": True})

    answer = act(http, firm, mandate, "resend")

    assert answer.status_code == 409
    assert answer.json()["error"]["details"]["reason"] == "mandate_archived"
