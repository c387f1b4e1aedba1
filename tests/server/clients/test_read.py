"""Reading a client through HTTP: locks, mandates with their actions, and the firm boundary."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.db import Database
from server.models import OutboxMessage
from tests.factories import FirmAccess, create_client, create_mandate


def test_a_client_comes_with_its_locks_mandates_and_etag(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, client_code="ACME", enterprise_number="0403019261")
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client", bic="GKCCBEBB")

    answer = http.get(f"/api/v1/clients/{client_id}", headers=firm.headers)

    assert answer.status_code == 200
    assert answer.headers["ETag"] == '"1"'
    body = answer.json()
    assert body["client_code"] == "ACME"
    assert body["delivery_folder"] == "/data/coda/ACME/CODA"
    assert body["locks"] == {
        "enterprise_number": {
            "code": "enterprise_number_locked",
            "message": "The enterprise number cannot be changed",
        }
    }
    [mandate] = body["mandates"]
    assert mandate["id"] == mandate_id
    assert mandate["bank"]["name"] == "Belfius"
    actions = {a["action"]: (a["available"], a["reason"]) for a in mandate["actions"]}
    assert actions == {
        "download": (False, "bank_no_paper"),
        "sign_twikey": (False, "twikey_not_configured"),
        "archive": (True, None),
        "resend": (True, None),
    }


def test_a_client_without_number_has_its_name_locked(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, enterprise_number=None)

    body = http.get(f"/api/v1/clients/{client_id}", headers={**firm.headers, "Accept-Language": "nl"}).json()

    assert body["locks"] == {
        "company_name": {"code": "enterprise_number_missing", "message": "Vul eerst het ondernemingsnummer in"}
    }


def test_another_firms_client_is_404_like_a_missing_one(
    http: TestClient, database: Database, firm: FirmAccess, office_firm: FirmAccess
) -> None:
    theirs = create_client(database, office_firm)

    other = http.get(f"/api/v1/clients/{theirs}", headers=firm.headers)
    missing = http.get("/api/v1/clients/999999999", headers=firm.headers)

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert other.json()["error"]["code"] == "not_found"


def test_each_mandate_shows_its_newest_email(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client")
    quiet_id = create_mandate(database, firm, client_id, status="available_online")
    with database.write() as session:
        for n, (kind, status) in enumerate([("mandate", "sent"), ("reminder", "failed")]):
            session.add(
                OutboxMessage(
                    firm_id=firm.firm_id,
                    client_id=client_id,
                    mandate_id=mandate_id,
                    kind=kind,
                    message_id=f"<m{n}-{mandate_id}@codadesk.test>",
                    to_addr="boekhouding@acme.example",
                    subject="Mandate",
                    raw=b"...",
                    status=status,
                    last_error="550 mailbox unavailable" if status == "failed" else None,
                )
            )

    body = http.get(f"/api/v1/clients/{client_id}", headers=firm.headers).json()

    delivery = {m["id"]: m["delivery"] for m in body["mandates"]}
    assert delivery[quiet_id] is None
    assert delivery[mandate_id]["kind"] == "reminder"
    assert delivery[mandate_id]["status"] == "failed"
    assert delivery[mandate_id]["error"] == "550 mailbox unavailable"
