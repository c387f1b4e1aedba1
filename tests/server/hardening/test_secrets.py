"""A token never leaks on the server side: not in its logs (at DEBUG), not in an answer, not in the database.

The canary is a real token of a firm, used for requests that succeed, that are refused, and that crash the
server (a 500 with uvicorn's traceback in the log); unknown tokens shaped like real ones are sent too. Every
log record of the process (uvicorn's error and access logs, SQLAlchemy's statements and parameters, the
app's own), everything written to stdout/stderr, every answer and every text column of every table is then
searched for the tokens.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from server.auth import hash_token, new_token
from server.clients.service import ClientService
from server.db import Database
from server.models import ApiToken, Base
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.hardening.conftest import serve


def requests_of_every_kind(http: httpx.Client, client_id: int, mandate_id: int) -> list[httpx.Response]:
    """Reads, a check, saves (200, 412, 422, 428), actions (202, 409, 422), a 404, a 405, broken bodies."""
    client = f"/api/v1/clients/{client_id}"
    mandate = f"/api/v1/mandates/{mandate_id}"
    return [
        http.get("/api/v1/me"),
        http.get("/api/v1/clients", params={"q": "acme"}),
        http.get(client),
        http.get(f"{client}/history"),
        http.post(f"{client}/check", json={"city": "Brugge", "email": "not an address"}),
        http.patch(client, json={"city": "Brugge"}, headers={"If-Match": '"1"'}),
        http.patch(client, json={"city": "Lier"}, headers={"If-Match": '"1"'}),
        http.patch(client, json={"postal_code": "12"}, headers={"If-Match": '"2"'}),
        http.patch(client, json={"city": "Lier"}),
        http.post(f"{mandate}/resend", headers={"Idempotency-Key": "secret-test-1"}),
        http.post(f"{mandate}/resend", headers={"Idempotency-Key": "secret-test-1"}),
        http.post(f"{mandate}/sign-twikey"),
        http.post(f"{mandate}/archive", json={"confirm": False}),
        http.get(f"{mandate}/document"),
        http.get("/api/v1/mandates/2000000000"),
        http.delete(client),
        http.post(f"{client}/check", content=b"{not json", headers={"Content-Type": "application/json"}),
        http.post(f"{client}/check", content=b'{"city": "\xff"}', headers={"Content-Type": "application/json"}),
    ]


def test_a_canary_token_appears_in_no_log_answer_or_row(
    app: FastAPI,
    database: Database,
    firm: FirmAccess,
    server_logs: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    canary = firm.token
    unknown = new_token()
    client_id = create_client(database, firm, email="compta@acme.example")
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client")
    answers: list[httpx.Response] = []

    with serve(app, access_log=True) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        http.headers["Authorization"] = f"Bearer {canary}"
        answers += requests_of_every_kind(http, client_id, mandate_id)
        wrong = (f"Bearer {unknown}", f"Basic {canary}", canary, f"Bearer {canary} x", f"bearer  {unknown}")
        for authorization in wrong:
            answers.append(http.get("/api/v1/me", headers={"Authorization": authorization}))

        def crash(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("the database went away")

        monkeypatch.setattr(ClientService, "get", crash)
        crashed = http.get(f"/api/v1/clients/{client_id}")
        answers.append(crashed)

    statuses = sorted({answer.status_code for answer in answers})
    assert statuses == [200, 202, 400, 401, 404, 405, 409, 412, 422, 428, 500], "every kind of answer was tried"
    assert crashed.json()["error"]["code"] == "internal_error"
    logged = "\n".join(server_logs.text.splitlines() + [record.getMessage() for record in server_logs.records])
    assert "Exception in ASGI application" in logged, "the crash was logged, traceback and all"
    assert "GET /api/v1/me" in logged, "the access log was on"
    assert "SELECT" in logged, "SQLAlchemy logged its statements"
    written = capfd.readouterr()
    for token in (canary, unknown):
        assert token not in logged
        assert token not in written.out + written.err
        assert not [answer for answer in answers if token in answer.text or token in str(answer.headers)]
        assert token not in database_text(database)
        assert token.removeprefix("cdk_") not in logged + database_text(database), "not even without its prefix"
    with database.read() as session:
        stored = session.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == firm.user_id)).one()
    assert stored == hash_token(canary), "the token is kept as its SHA-256 only"
    print(f"\nsecrets: {len(answers)} answers, {len(server_logs.records)} log records at DEBUG, 0 canaries")


def database_text(database: Database) -> str:
    """Every row of every table, as text."""
    parts: list[str] = []
    with database.read() as session:
        for table in Base.metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in session.execute(select(table)))
    return "\n".join(parts)
