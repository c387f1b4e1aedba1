"""Checking and saving a client through HTTP (SPEC §3-§6), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server.db import Database
from server.models import Client, ClientHistory, Mandate
from tests.factories import FirmAccess, add_user, create_client, create_mandate


def patch(
    http: TestClient, firm: FirmAccess, client_id: int, body: dict[str, Any], *, version: int | None = 1, **headers: str
) -> Any:
    sent = {**firm.headers, **headers}
    if version is not None:
        sent["If-Match"] = f'"{version}"'
    return http.patch(f"/api/v1/clients/{client_id}", json=body, headers=sent)


def history_rows(database: Database, client_id: int) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).where(ClientHistory.client_id == client_id)) or 0


def mandate_row(database: Database, mandate_id: int) -> tuple[int, bool]:
    with database.read() as session:
        mandate = session.get_one(Mandate, mandate_id)
        return mandate.document_version, mandate.needs_representation


# --- check ---------------------------------------------------------------------------------------------


def test_check_gives_warnings_and_impact_and_writes_nothing(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, client_code="OLD")
    unsigned = create_mandate(database, firm, client_id, status="sent_to_client")

    answer = http.post(
        f"/api/v1/clients/{client_id}/check",
        json={"client_code": "NEW", "street": "Veldstraat 2"},
        headers=firm.headers,
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["errors"] == {}
    codes = {w["code"]: w for w in body["warnings"]}
    assert set(codes) == {"client_code_changed", "mandates_to_represent"}
    assert codes["client_code_changed"]["details"] == {
        "old_path": "/data/coda/OLD/CODA",
        "new_path": "/data/coda/NEW/CODA",
    }
    assert codes["mandates_to_represent"]["message"] == "1 unsigned mandate(s) must be presented to the client again"
    assert [m["id"] for m in body["impacted_mandates"]] == [unsigned]
    after = http.get(f"/api/v1/clients/{client_id}", headers=firm.headers).json()
    assert (after["version"], after["client_code"], after["street"]) == (1, "OLD", "Kerkstraat 1")
    assert mandate_row(database, unsigned) == (1, False)


def test_check_lists_errors_locks_and_duplicates_by_field(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    create_client(database, firm, client_code="TAKEN", enterprise_number="0428759497")
    client_id = create_client(database, firm, enterprise_number="0403019261")

    body = http.post(
        f"/api/v1/clients/{client_id}/check",
        json={"client_code": "taken", "enterprise_number": "0314595348", "email": "not an address"},
        headers=firm.headers,
    ).json()

    assert body["errors"]["enterprise_number"] == ["The enterprise number cannot be changed"]
    assert body["errors"]["email"] == ["E-mail is not a valid e-mail address"]
    assert body["errors"]["client_code"][0].startswith("Client code is already used by another client")
    assert body["warnings"] == []


# --- PATCH: preconditions --------------------------------------------------------------------------------


def test_patch_without_if_match_is_428(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)

    answer = patch(http, firm, client_id, {"city": "Brugge"}, version=None)

    assert answer.status_code == 428
    assert answer.json()["error"]["code"] == "precondition_required"


def test_a_malformed_if_match_is_428_too(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)
    for value in ("1", "*", 'W/"1"', '"one"', '"1", "2"'):
        answer = http.patch(
            f"/api/v1/clients/{client_id}", json={"city": "Brugge"}, headers={**firm.headers, "If-Match": value}
        )
        assert answer.status_code == 428, value


def test_a_stale_version_is_412_with_the_current_client(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)
    assert patch(http, firm, client_id, {"city": "Brugge"}).status_code == 200

    answer = patch(http, firm, client_id, {"city": "Oostende"}, version=1)

    assert answer.status_code == 412
    error = answer.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"]["client"]["version"] == 2
    assert error["details"]["client"]["city"] == "Brugge"
    assert answer.headers["ETag"] == '"2"'
    assert history_rows(database, client_id) == 1


def test_another_firms_client_cannot_be_checked_or_saved(
    http: TestClient, database: Database, firm: FirmAccess, office_firm: FirmAccess
) -> None:
    theirs = create_client(database, office_firm)

    assert http.post(f"/api/v1/clients/{theirs}/check", json={}, headers=firm.headers).status_code == 404
    assert patch(http, firm, theirs, {"city": "Brugge"}).status_code == 404
    assert http.get(f"/api/v1/clients/{theirs}/history", headers=firm.headers).status_code == 404


# --- PATCH: refusals -----------------------------------------------------------------------------------


def test_invalid_fields_are_422_naming_each_field(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)

    answer = patch(http, firm, client_id, {"client_code": "..", "postal_code": "123", "company_name": "  "})

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "Some fields are not valid: Client code, Company name, Postal code"
    assert set(error["fields"]) == {"client_code", "postal_code", "company_name"}
    assert error["fields"]["company_name"] == ["Company name is required"]
    assert history_rows(database, client_id) == 0


def test_changing_a_stored_enterprise_number_is_field_locked(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, enterprise_number="0403019261")

    answer = patch(http, firm, client_id, {"enterprise_number": "0428759497"})

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "field_locked"
    assert error["fields"] == {"enterprise_number": ["The enterprise number cannot be changed"]}


def test_the_name_is_locked_until_the_number_is_saved(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, enterprise_number=None, company_name="Old name")

    alone = patch(http, firm, client_id, {"company_name": "New name"})
    together = patch(http, firm, client_id, {"company_name": "New name", "enterprise_number": "0403019261"})
    number = patch(http, firm, client_id, {"enterprise_number": "BE 0403.019.261"})
    name = patch(http, firm, client_id, {"company_name": "New name"}, version=2)

    assert (alone.status_code, alone.json()["error"]["code"]) == (422, "field_locked")
    assert alone.json()["error"]["fields"] == {"company_name": ["Enter the enterprise number first"]}
    assert (together.status_code, together.json()["error"]["code"]) == (422, "field_locked")
    assert number.status_code == 200
    assert number.json()["client"]["enterprise_number"] == "0403019261"
    assert [w["code"] for w in number.json()["warnings"]] == ["enterprise_number_set"]
    assert name.status_code == 200
    assert name.json()["client"]["company_name"] == "New name"


def test_duplicate_code_or_number_in_the_firm_is_409(http: TestClient, database: Database, firm: FirmAccess) -> None:
    create_client(database, firm, client_code="Dupont-01", enterprise_number="0428759497")
    client_id = create_client(database, firm, enterprise_number=None)

    code = patch(http, firm, client_id, {"client_code": "DUPONT-01"})
    number = patch(http, firm, client_id, {"enterprise_number": "0428.759.497"})

    assert code.status_code == number.status_code == 409
    assert code.json()["error"]["code"] == "duplicate"
    assert list(code.json()["error"]["fields"]) == ["client_code"]
    assert list(number.json()["error"]["fields"]) == ["enterprise_number"]


def test_the_same_code_in_another_firm_is_fine(
    http: TestClient, database: Database, firm: FirmAccess, office_firm: FirmAccess
) -> None:
    create_client(database, office_firm, client_code="SHARED", enterprise_number="0428759497")
    client_id = create_client(database, firm, enterprise_number=None)

    answer = patch(http, firm, client_id, {"client_code": "SHARED", "enterprise_number": "0428759497"})

    assert answer.status_code == 200


def test_read_only_and_unknown_fields_are_422_naming_the_field(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm)

    answer = patch(http, firm, client_id, {"version": 7, "nickname": "x", "city": "Brugge"})

    assert answer.status_code == 422
    fields = answer.json()["error"]["fields"]
    assert fields == {"version": ["version is read-only"], "nickname": ["nickname is not a known field"]}
    assert http.get(f"/api/v1/clients/{client_id}", headers=firm.headers).json()["city"] == "Gent"


# --- PATCH: success ------------------------------------------------------------------------------------


def test_a_save_bumps_version_writes_history_and_touches_only_unsigned_mandates(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, city="Gent")
    unsigned = {s: create_mandate(database, firm, client_id, status=s) for s in ("available_online", "problem")}
    signed = {s: create_mandate(database, firm, client_id, status=s) for s in ("signed", "active", "archived")}

    answer = patch(http, firm, client_id, {"city": " Brugge ", "postal_code": "8000"})

    assert answer.status_code == 200
    assert answer.headers["ETag"] == '"2"'
    body = answer.json()
    assert body["client"]["version"] == 2
    assert body["client"]["city"] == "Brugge"
    assert sorted(m["id"] for m in body["impacted_mandates"]) == sorted(unsigned.values())
    assert all(m["document_version"] == 2 and m["needs_representation"] for m in body["impacted_mandates"])
    for mandate_id in unsigned.values():
        assert mandate_row(database, mandate_id) == (2, True)
    for mandate_id in signed.values():
        assert mandate_row(database, mandate_id) == (1, False)
    with database.read() as session:
        row = session.get_one(Client, client_id)
        assert "brugge" not in row.search_text  # the city is not searched
    history = http.get(f"/api/v1/clients/{client_id}/history", headers=firm.headers).json()
    assert history == [
        {
            "at": history[0]["at"],
            "user": {"id": firm.user_id, "name": history[0]["user"]["name"]},
            "changes": {"city": ["Gent", "Brugge"], "postal_code": ["9000", "8000"]},
        }
    ]


def test_a_save_that_changes_nothing_keeps_the_version(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, enterprise_number="0403019261")

    answer = patch(http, firm, client_id, {"city": "Gent", "enterprise_number": "BE0403.019.261"})

    assert answer.status_code == 200
    assert answer.headers["ETag"] == '"1"'
    assert answer.json()["client"]["version"] == 1
    assert answer.json()["warnings"] == []
    assert history_rows(database, client_id) == 0


def test_a_new_code_updates_the_search_keys(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, client_code="OLD", company_name="Acme NV")

    assert patch(http, firm, client_id, {"client_code": "Liège-7", "email": "Info@Liège.example"}).status_code == 200

    with database.read() as session:
        row = session.get_one(Client, client_id)
        assert row.client_code_key == "liege-7"
        assert row.email is not None
        assert row.email.endswith("@liège.example")
        assert "liege-7" in row.search_text


def test_warnings_follow_accept_language(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, language="nl", email="a@b.example")

    answer = patch(http, firm, client_id, {"language": "fr", "email": None}, **{"Accept-Language": "fr-BE, nl;q=0.5"})

    assert answer.status_code == 200
    messages = {w["code"]: w["message"] for w in answer.json()["warnings"]}
    assert messages["language_changed"] == (
        "Les documents et e-mails au client seront en français au lieu de néerlandais"
    )
    assert messages["email_changed"].startswith("Sans adresse e-mail")


def test_an_email_added_in_service_mode_impacts_mandates_in_preparation(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, email=None)
    waiting = create_mandate(database, firm, client_id, status="in_preparation")
    sent = create_mandate(database, firm, client_id, status="sent_to_client")

    answer = patch(http, firm, client_id, {"email": "Jan@Example.BE"})

    assert answer.status_code == 200
    body = answer.json()
    assert body["client"]["email"] == "Jan@example.be"
    assert [m["id"] for m in body["impacted_mandates"]] == [waiting]
    resend = {a["action"]: a for a in body["impacted_mandates"][0]["actions"]}["resend"]
    assert resend["available"] is True
    assert mandate_row(database, waiting) == (1, True)  # sendable now, same document
    assert mandate_row(database, sent) == (1, False)
    assert [w["code"] for w in body["warnings"]] == ["email_changed", "mandates_to_represent"]


def test_an_email_added_in_firm_mode_impacts_nothing(
    http: TestClient, database: Database, office_firm: FirmAccess
) -> None:
    client_id = create_client(database, office_firm, email=None)
    waiting = create_mandate(database, office_firm, client_id, status="in_preparation")

    answer = patch(http, office_firm, client_id, {"email": "jan@example.be"})

    assert answer.json()["impacted_mandates"] == []
    assert mandate_row(database, waiting) == (1, False)


def test_check_speaks_the_requests_language(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, enterprise_number=None)

    body = http.post(
        f"/api/v1/clients/{client_id}/check",
        json={"enterprise_number": "0431150351", "company_name": "Nouveau"},
        headers={**firm.headers, "Accept-Language": "fr"},
    ).json()

    assert body["errors"] == {
        "enterprise_number": [
            "Numéro d'entreprise : n'est pas valide, les chiffres de contrôle ne correspondent pas (faute de frappe ?)"
        ],
        "company_name": ["Introduisez d'abord le numéro d'entreprise"],
    }


def test_history_is_newest_first_with_who_changed_what(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, city="Gent", phone=None)
    colleague = add_user(database, firm, name="Els Janssens")
    assert patch(http, firm, client_id, {"city": "Brugge"}).status_code == 200
    assert patch(http, colleague, client_id, {"phone": "+32 9 123 45 67"}, version=2).status_code == 200

    history = http.get(f"/api/v1/clients/{client_id}/history", headers=firm.headers).json()

    assert [(h["user"]["name"], h["changes"]) for h in history] == [
        ("Els Janssens", {"phone": [None, "+32 9 123 45 67"]}),
        (history[1]["user"]["name"], {"city": ["Gent", "Brugge"]}),
    ]
    assert history[0]["at"] >= history[1]["at"]


def test_an_id_beyond_any_integer_is_404(http: TestClient, firm: FirmAccess) -> None:
    answer = http.get("/api/v1/clients/99999999999999999999", headers=firm.headers)
    assert answer.status_code == 404


def test_the_openapi_schema_declares_the_client_changes_body(http: TestClient) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path, method in (("/api/v1/clients/{client_id}", "patch"), ("/api/v1/clients/{client_id}/check", "post")):
        body = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/ClientChanges"}
    assert "if-match" in {p["name"].lower() for p in paths["/api/v1/clients/{client_id}"]["patch"]["parameters"]}


def test_a_lock_and_an_invalid_field_together_are_field_locked_naming_both(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, enterprise_number="0403019261")

    answer = patch(http, firm, client_id, {"enterprise_number": "0428759497", "email": "jan@"})

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "field_locked"
    assert set(error["fields"]) == {"enterprise_number", "email"}


def test_check_refuses_read_only_fields_too(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)

    answer = http.post(f"/api/v1/clients/{client_id}/check", json={"locks": {}}, headers=firm.headers)

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == {"locks": ["locks is read-only"]}
