"""Reading a mandate, the firm boundary, and the availability of each action through HTTP.

The exhaustive table of channel × mode × status × e-mail is `tests/server/test_rules.py`; here each refusal
is checked once through the real endpoint: 409 `action_unavailable`, the reason code and its words.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.db import Database
from tests.factories import FirmAccess
from tests.server.mandates.conftest import MandateAt, act, make_mandate


def test_a_mandate_reads_with_its_bank_and_actions(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm, status="sent_to_client", bic="NICABEBB", ibans=["BE31435411161155"])

    answer = http.get(mandate.path, headers=firm.headers)

    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == mandate.mandate_id
    assert body["client_id"] == mandate.client_id
    assert body["bank"] == {"bic": "NICABEBB", "name": "Crelan", "channels": ["twikey", "paper"]}
    assert body["ibans"] == ["BE31435411161155"]
    assert body["status"] == "sent_to_client"
    assert body["document_version"] == 1
    assert {a["action"]: (a["available"], a["reason"]) for a in body["actions"]} == {
        "download": (True, None),
        "sign_twikey": (False, "twikey_not_configured"),
        "archive": (True, None),
        "resend": (True, None),
    }


def test_reasons_follow_accept_language(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm, bic="GKCCBEBB")

    body = http.get(mandate.path, headers={**firm.headers, "Accept-Language": "fr-BE, en;q=0.5"}).json()

    download = next(a for a in body["actions"] if a["action"] == "download")
    assert download["message"] == "Cette banque n'accepte pas de mandat papier: la signature est uniquement numérique"


def test_another_firms_mandate_is_the_same_404_as_a_missing_one(
    http: TestClient, database: Database, firm: FirmAccess, office_firm: FirmAccess
) -> None:
    theirs = make_mandate(database, office_firm)
    missing = 2_000_000_000

    foreign = http.get(theirs.path, headers=firm.headers)
    absent = http.get(f"/api/v1/mandates/{missing}", headers=firm.headers)

    assert foreign.status_code == absent.status_code == 404
    assert foreign.json() == {"error": {"code": "not_found", "message": f"There is no mandate {theirs.mandate_id}"}}
    assert absent.json() == {"error": {"code": "not_found", "message": f"There is no mandate {missing}"}}
    for action, body in (("archive", {"confirm": True}), ("resend", None), ("sign-twikey", None)):
        answer = act(http, firm, theirs, action, json_body=body)
        assert answer.status_code == 404, action
        assert answer.json()["error"]["code"] == "not_found"
    assert http.get(f"{theirs.path}/document", headers=firm.headers).status_code == 404
    # and nothing happened to their mandate
    assert http.get(theirs.path, headers=office_firm.headers).json()["status"] == "in_preparation"


def test_an_id_beyond_any_row_is_404_not_a_crash(http: TestClient, firm: FirmAccess) -> None:
    assert http.get("/api/v1/mandates/99999999999999999999", headers=firm.headers).status_code == 404
    assert http.get("/api/v1/mandates/0", headers=firm.headers).status_code == 404


def test_no_token_is_401(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm)
    assert http.get(mandate.path).status_code == 401
    assert http.post(f"{mandate.path}/resend").status_code == 401


def _refusal(answer: object) -> tuple[int, str, str]:
    from httpx import Response

    assert isinstance(answer, Response)
    body = answer.json()["error"]
    assert body["details"]["reason"], body
    return answer.status_code, body["code"], body["details"]["reason"]


@pytest.mark.parametrize(
    ("mode", "bic", "status", "email", "action", "reason"),
    [
        ("firm", "GEBABEBB", "available_online", "a@b.example", "resend", "firm_manages_mandates"),
        ("service", "GEBABEBB", "in_preparation", None, "resend", "client_has_no_email"),
        ("service", "BBRUBEBB", "sent_to_client", "a@b.example", "sign-twikey", "bank_no_twikey"),
        ("service", "GEBABEBB", "sent_to_client", "a@b.example", "sign-twikey", "twikey_not_configured"),
        ("firm", "KREDBEBB", "available_online", "a@b.example", "sign-twikey", "bank_no_twikey"),
        ("service", "GEBABEBB", "active", "a@b.example", "resend", "mandate_not_unsigned"),
        ("service", "GEBABEBB", "signed", "a@b.example", "sign-twikey", "mandate_not_unsigned"),
        ("service", "GEBABEBB", "archived", "a@b.example", "archive", "mandate_archived"),
        ("service", "GEBABEBB", "archived", "a@b.example", "resend", "mandate_archived"),
    ],
)
def test_an_unavailable_action_is_409_with_its_reason(
    http: TestClient,
    database: Database,
    firm: FirmAccess,
    office_firm: FirmAccess,
    mode: str,
    bic: str,
    status: str,
    email: str | None,
    action: str,
    reason: str,
) -> None:
    owner = firm if mode == "service" else office_firm
    mandate = make_mandate(database, owner, status=status, bic=bic, email=email)
    body = {"confirm": True} if action == "archive" else None

    answer = act(http, owner, mandate, action, json_body=body)

    assert _refusal(answer) == (409, "action_unavailable", reason)
    listed = next(
        a
        for a in http.get(mandate.path, headers=owner.headers).json()["actions"]
        if a["action"] == action.replace("-", "_")
    )
    assert listed["reason"] == reason
    assert answer.json()["error"]["message"] == listed["message"]
    assert http.get(mandate.path, headers=owner.headers).json()["status"] == status


def test_a_refusal_says_why_in_the_callers_language(
    http: TestClient, database: Database, office_firm: FirmAccess
) -> None:
    mandate = make_mandate(database, office_firm, status="available_online")

    answer = act(http, office_firm, mandate, "resend", language="nl")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        "Uw kantoor beheert de mandaten van zijn klanten: de dienst stuurt niets naar de klant"
    )


def test_download_of_a_bank_without_paper_is_409(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate: MandateAt = make_mandate(database, firm, bic="GKCCBEBB")

    answer = http.get(f"{mandate.path}/document", headers=firm.headers)

    assert _refusal(answer) == (409, "action_unavailable", "bank_no_paper")
