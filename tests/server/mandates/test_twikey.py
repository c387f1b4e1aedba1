"""Signing with Twikey against a fake Twikey on loopback that follows Twikey's public contract.

The server's real Twikey client logs in (`POST /creditor`), invites (`POST /creditor/invite`) and reads
Twikey's error headers; nothing here reaches the internet.
"""

from __future__ import annotations

import email
from collections.abc import Callable
from email.policy import default

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.config import Settings
from server.db import Database
from server.main import create_app
from server.mandates.twikey import InviteRequest, TwikeyClient, TwikeyError
from server.models import Mandate, OutboxMessage
from tests.factories import FirmAccess
from tests.server.mandates.conftest import (
    TWIKEY_API_KEY,
    TWIKEY_TEMPLATE,
    FakeTwikey,
    MovableClock,
    act,
    make_mandate,
)

App = tuple[TestClient, FastAPI]


def test_sign_creates_an_invite_with_the_clients_data_and_stores_the_link(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, _ = twikey_http
    mandate = make_mandate(
        database,
        firm,
        status="sent_to_client",
        bic="NICABEBB",
        ibans=["BE31435411161155"],
        client_code="DUP-01",
        company_name="Dupont & Fils SRL",
        enterprise_number="0403019261",
        email="compta@dupont.example",
        language="fr",
        street="Rue de l'Église 12",
        postal_code="4000",
        city="Liège",
    )

    answer = act(http, firm, mandate, "sign-twikey")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["url"] == f"{fake_twikey.url}/acme/k0001"
    assert body["mandate"]["twikey_url"] == body["url"]
    assert fake_twikey.logins == 1
    assert fake_twikey.invites == [
        {
            "ct": TWIKEY_TEMPLATE,
            "l": "fr",
            "email": "compta@dupont.example",
            "companyName": "Dupont & Fils SRL",
            "coc": "0403019261",
            "vatno": "BE0403019261",
            "address": "Rue de l'Église 12",
            "city": "Liège",
            "zip": "4000",
            "country": "BE",
            "iban": "BE31435411161155",
            "bic": "NICABEBB",
            "customerNumber": "DUP-01",
        }
    ]
    with database.read() as session:
        stored = session.scalars(select(Mandate).where(Mandate.id == mandate.mandate_id)).one()
    assert (stored.twikey_mndt_id, stored.twikey_url, stored.twikey_document_version) == ("CDK00001", body["url"], 1)
    assert stored.status == "sent_to_client"
    assert http.get(mandate.path, headers=firm.headers).json()["twikey_url"] == body["url"]


def test_a_second_call_for_the_same_version_returns_the_stored_link_without_a_new_invite(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, _ = twikey_http
    mandate = make_mandate(database, firm, bic="GKCCBEBB")

    first = act(http, firm, mandate, "sign-twikey")
    second = act(http, firm, mandate, "sign-twikey")

    assert first.status_code == second.status_code == 200
    assert second.json()["url"] == first.json()["url"]
    assert len(fake_twikey.invites) == 1


def test_a_new_document_version_gets_a_new_invite_with_the_new_data(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, _ = twikey_http
    mandate = make_mandate(database, firm, status="sent_to_client", bic="GKCCBEBB", city="Gent", postal_code="9000")
    first = act(http, firm, mandate, "sign-twikey").json()["url"]

    saved = http.patch(
        f"/api/v1/clients/{mandate.client_id}",
        headers={**firm.headers, "If-Match": '"1"'},
        json={"city": "Antwerpen", "postal_code": "2000"},
    )
    assert saved.status_code == 200, saved.text
    assert http.get(mandate.path, headers=firm.headers).json()["twikey_url"] is None, "the old link is stale"
    second = act(http, firm, mandate, "sign-twikey").json()

    assert second["url"] != first
    assert second["mandate"]["document_version"] == 2
    assert [(i["city"], i["zip"]) for i in fake_twikey.invites] == [("Gent", "9000"), ("Antwerpen", "2000")]


def test_the_session_is_reused_for_23_hours_then_renewed(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, app = twikey_http
    clock: MovableClock = app.state.clock
    mandates = [make_mandate(database, firm, bic="GKCCBEBB") for _ in range(3)]

    act(http, firm, mandates[0], "sign-twikey")
    clock.advance(hours=22, minutes=59)
    act(http, firm, mandates[1], "sign-twikey")
    assert fake_twikey.logins == 1
    clock.advance(minutes=2)
    act(http, firm, mandates[2], "sign-twikey")

    assert fake_twikey.logins == 2
    assert len(fake_twikey.invites) == 3


def test_a_session_twikey_ended_early_is_renewed_once(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, _ = twikey_http
    first, second = (make_mandate(database, firm, bic="GKCCBEBB") for _ in range(2))
    act(http, firm, first, "sign-twikey")
    fake_twikey.end_sessions()

    answer = act(http, firm, second, "sign-twikey")

    assert answer.status_code == 200
    assert fake_twikey.logins == 2


def test_a_twikey_error_is_a_502_with_twikeys_message(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, _ = twikey_http
    mandate = make_mandate(database, firm, bic="GKCCBEBB")
    fake_twikey.invite_error = ("err_invalid_iban", "The IBAN is not valid for this bank")

    answer = act(http, firm, mandate, "sign-twikey", language="nl")

    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error["code"] == "twikey_error"
    assert error["message"] == "Twikey weigerde de ondertekeningslink: The IBAN is not valid for this bank"
    assert error["details"] == {
        "twikey_code": "err_invalid_iban",
        "twikey_message": "The IBAN is not valid for this bank",
    }
    assert http.get(mandate.path, headers=firm.headers).json()["twikey_url"] is None


def test_a_wrong_api_key_is_a_502_with_twikeys_login_message(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, app = twikey_http
    app.state.twikey = TwikeyClient("not-the-key", base_url=fake_twikey.url)
    mandate = make_mandate(database, firm, bic="GKCCBEBB")

    answer = act(http, firm, mandate, "sign-twikey")

    assert answer.status_code == 502
    assert answer.json()["error"]["details"]["twikey_message"] == "Invalid apiToken"
    assert fake_twikey.invites == []


def test_an_unreachable_twikey_is_a_502(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, app = twikey_http
    app.state.twikey = TwikeyClient(TWIKEY_API_KEY, base_url="http://127.0.0.1:9")  # discard port: refused
    mandate = make_mandate(database, firm, bic="GKCCBEBB")

    answer = act(http, firm, mandate, "sign-twikey")

    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "twikey_error"
    assert "could not be reached" in answer.json()["error"]["message"]


def test_without_an_api_key_sign_is_409_twikey_not_configured(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    mandate = make_mandate(database, firm, bic="GKCCBEBB")

    answer = act(http, firm, mandate, "sign-twikey")

    assert answer.status_code == 409
    assert answer.json()["error"]["details"]["reason"] == "twikey_not_configured"
    assert answer.json()["error"]["message"] == "Twikey is not configured on this server"


def test_without_a_contract_template_sign_says_what_to_configure(
    database: Database, firm: FirmAccess, settings: Settings, fake_twikey: FakeTwikey
) -> None:
    keyed = Settings(database_url=settings.database_url, twikey_api_key=TWIKEY_API_KEY, twikey_base_url=fake_twikey.url)
    mandate = make_mandate(database, firm, bic="GKCCBEBB")
    with TestClient(create_app(keyed, database=database), raise_server_exceptions=False) as http:
        answer = act(http, firm, mandate, "sign-twikey")

    assert answer.status_code == 409
    assert answer.json()["error"]["details"]["reason"] == "twikey_not_configured"
    assert "CODADESK_TWIKEY_TEMPLATE_ID" in answer.json()["error"]["message"]
    assert fake_twikey.logins == 0


def test_with_twikey_configured_the_action_is_listed_available(
    twikey_http: App, database: Database, firm: FirmAccess
) -> None:
    http, _ = twikey_http
    mandate = make_mandate(database, firm, bic="GKCCBEBB")

    actions = http.get(mandate.path, headers=firm.headers).json()["actions"]

    assert {"action": "sign_twikey", "available": True, "reason": None, "message": None} in actions


def test_a_mandate_with_a_problem_cannot_be_signed(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, _ = twikey_http
    mandate = make_mandate(database, firm, status="problem", bic="GKCCBEBB")

    answer = act(http, firm, mandate, "sign-twikey")

    assert answer.status_code == 409
    assert answer.json()["error"]["details"]["reason"] == "status_not_signable"
    assert fake_twikey.logins == 0


def test_a_repeated_sign_with_one_key_replays_without_calling_twikey(
    twikey_http: App, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey
) -> None:
    http, _ = twikey_http
    mandate = make_mandate(database, firm, bic="GKCCBEBB")

    first = act(http, firm, mandate, "sign-twikey", key="sign-once")
    again = act(http, firm, mandate, "sign-twikey", key="sign-once")

    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(fake_twikey.invites) == 1


def test_a_resend_after_signing_mails_the_twikey_link(twikey_http: App, database: Database, firm: FirmAccess) -> None:
    http, _ = twikey_http
    mandate = make_mandate(database, firm, bic="GKCCBEBB")
    url = act(http, firm, mandate, "sign-twikey").json()["url"]

    assert act(http, firm, mandate, "resend").status_code == 202

    with database.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.mandate_id == mandate.mandate_id)).one()
    body = email.message_from_bytes(row.raw, policy=default).get_body(preferencelist=("plain",))
    assert body is not None
    assert url in body.get_content()


# --- the client alone, on Twikey's rarer answers (httpx.MockTransport) ----------------------------------


def _invite_request() -> InviteRequest:
    return InviteRequest(
        ct="1",
        language="nl",
        email=None,
        company_name="Acme NV",
        enterprise_number=None,
        address="Kerkstraat 1",
        city="Gent",
        zip="9000",
        country="BE",
        iban="BE31435411161155",
        bic="GEBABEBB",
        customer_number="C1",
    )


def _client(handler: Callable[[httpx.Request], httpx.Response], base_url: str = "https://twikey.test") -> TwikeyClient:
    return TwikeyClient(TWIKEY_API_KEY, base_url=base_url, transport=httpx.MockTransport(handler))


def test_a_base_url_given_with_creditor_is_not_doubled() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/creditor":
            return httpx.Response(200, headers={"Authorization": "s"}, json={})
        return httpx.Response(200, json={"url": "https://twikey.to/x", "key": "x", "mndtId": "M1"})

    invite = _client(handler, "https://api.beta.twikey.com/creditor/").invite(_invite_request())

    assert seen == ["/creditor", "/creditor/invite"]
    assert invite.mndt_id == "M1"


def test_empty_fields_are_not_sent() -> None:
    form = _invite_request().form()

    assert "email" not in form
    assert "coc" not in form
    assert "vatno" not in form


def test_too_many_logins_is_an_error_that_says_when_to_retry() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"X-Rate-Limit-Retry-After-Seconds": "30"}, json={})

    with pytest.raises(TwikeyError, match="retry after 30 s"):
        _client(handler).invite(_invite_request())


def test_an_http_error_without_twikeys_headers_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/creditor":
            return httpx.Response(200, headers={"Authorization": "s"}, json={})
        return httpx.Response(500, text="<html>oops</html>")

    with pytest.raises(TwikeyError, match="HTTP 500"):
        _client(handler).invite(_invite_request())


def test_an_answer_without_a_link_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/creditor":
            return httpx.Response(200, headers={"Authorization": "s"}, json={})
        return httpx.Response(200, json={"mndtId": "M1"})  # what Twikey answers with `check` and an existing one

    with pytest.raises(TwikeyError, match="no signing link"):
        _client(handler).invite(_invite_request())


def test_a_login_without_a_token_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})

    with pytest.raises(TwikeyError, match="no session token"):
        _client(handler).invite(_invite_request())
