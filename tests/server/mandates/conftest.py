"""Fixtures for the mandate tests: a movable clock, a mandate maker, and a fake Twikey on loopback.

The fake Twikey is a real HTTP server (`http.server` on 127.0.0.1) that follows Twikey's public contract
(DOMAIN.md §6): `POST /creditor` logs in with the form field `apiToken` and answers the session token in the
`Authorization` header; `POST /creditor/invite` takes form fields and answers `{url, key, mndtId}`; errors
come with HTTP 200 and the `ApiErrorCode`/`ApiError` headers plus a JSON `{code, message}`; a call without a
valid session is a 401 without those headers. The server's real Twikey client talks to it over HTTP.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.config import Settings
from server.db import Database
from server.main import create_app
from tests.factories import FirmAccess, create_client, create_mandate

TWIKEY_API_KEY = "5845FD1A3D1A9915EA9C879BAF6D1DDE5B457143"
TWIKEY_TEMPLATE = "1234"
_numbers = itertools.count(3_000_000)


def enterprise_number() -> str:
    """A fresh valid Belgian enterprise number: (first 8 digits + last 2) % 97 == 0."""
    first = next(_numbers)
    return f"{first:08d}{97 - first % 97:02d}"


class MovableClock:
    """The app's clock in tests: it stands still until a test moves it.

    It starts at 09:00 UTC today, not on a fixed date: the rows a test leaves behind then look as recent as
    they are, so a reminder worker in another test does not find them overdue.
    """

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.combine(datetime.now(UTC).date(), time(9, 0), tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: FastAPI) -> MovableClock:
    """The clock of the default `app`: today 09:00 UTC until moved."""
    moving = MovableClock()
    app.state.clock = moving
    return moving


@dataclass(frozen=True)
class MandateAt:
    """A client with one mandate, both written straight to the database."""

    client_id: int
    mandate_id: int

    @property
    def path(self) -> str:
        return f"/api/v1/mandates/{self.mandate_id}"


def make_mandate(
    database: Database,
    firm: FirmAccess,
    *,
    status: str = "in_preparation",
    bic: str = "GEBABEBB",
    ibans: list[str] | None = None,
    **client_fields: Any,
) -> MandateAt:
    client_fields.setdefault("enterprise_number", enterprise_number())
    client_id = create_client(database, firm, **client_fields)
    mandate_id = create_mandate(database, firm, client_id, status=status, bic=bic, ibans=ibans)
    return MandateAt(client_id, mandate_id)


def act(
    http: TestClient,
    firm: FirmAccess,
    mandate: MandateAt,
    action: str,
    *,
    json_body: Any = None,
    key: str | None = None,
    language: str | None = None,
) -> Any:
    """POST an action (`archive`, `resend`, `sign-twikey`) as the firm's user."""
    headers = dict(firm.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    if language is not None:
        headers["Accept-Language"] = language
    return http.post(f"{mandate.path}/{action}", headers=headers, json=json_body)


# --- the fake Twikey ------------------------------------------------------------------------------------


@dataclass
class FakeTwikey:
    """What the fake saw and how it should answer; tests read and set these."""

    url: str = ""
    logins: int = 0
    invites: list[dict[str, str]] = field(default_factory=list)
    invite_error: tuple[str, str] | None = None
    """(`ApiErrorCode`, message) to answer every invite with, as Twikey does: HTTP 200 and error headers."""
    sessions: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def end_sessions(self) -> None:
        """Twikey forgets every session token (as after its 24 hours)."""
        with self.lock:
            self.sessions.clear()


def _handler(fake: FakeTwikey) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test output is not the place for an access log."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = dict(parse_qsl(raw, keep_blank_values=True))
            if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                self._answer(200, {"code": "err_invalid_params", "message": "Form body expected"}, error=True)
            elif self.path == "/creditor":
                self._login(form)
            elif self.path == "/creditor/invite":
                self._invite(form)
            else:
                self._answer(404, {"code": "err_not_found", "message": "No such endpoint"})

        def _login(self, form: dict[str, str]) -> None:
            if form.get("apiToken") != TWIKEY_API_KEY:
                self._answer(200, {"code": "err_invalid_apikey", "message": "Invalid apiToken"}, error=True)
                return
            with fake.lock:
                fake.logins += 1
                token = f"session-{fake.logins}"
                fake.sessions.add(token)
            self._answer(200, {"Authorization": token}, headers={"Authorization": token, "X-MERCHANT-ID": "1"})

        def _invite(self, form: dict[str, str]) -> None:
            with fake.lock:
                if self.headers.get("Authorization") not in fake.sessions:
                    self._answer(401, {"message": "Not authenticated"})
                    return
                if fake.invite_error is not None:
                    code, message = fake.invite_error
                    self._answer(200, {"code": code, "message": message}, error=True)
                    return
                if not form.get("ct"):
                    self._answer(200, {"code": "err_missing_params", "message": "ct is required"}, error=True)
                    return
                fake.invites.append(form)
                number = len(fake.invites)
            key = f"k{number:04d}"
            self._answer(200, {"url": f"{fake.url}/acme/{key}", "key": key, "mndtId": f"CDK{number:05d}"})

        def _answer(
            self, status: int, body: dict[str, Any], *, error: bool = False, headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if error:
                self.send_header("ApiErrorCode", str(body["code"]))
                self.send_header("ApiError", str(body["message"]))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def fake_twikey() -> Iterator[FakeTwikey]:
    fake = FakeTwikey()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def twikey_http(
    database_url: str, database: Database, fake_twikey: FakeTwikey, tmp_path: Path
) -> Iterator[tuple[TestClient, FastAPI]]:
    """The real app configured for Twikey (key, template, base URL of the fake), with a movable clock."""
    settings = Settings(
        database_url=database_url,
        outbox_dir=tmp_path / "outbox",
        twikey_api_key=TWIKEY_API_KEY,
        twikey_base_url=fake_twikey.url,
        twikey_template_id=TWIKEY_TEMPLATE,
    )
    app = create_app(settings, database=database)
    app.state.clock = MovableClock()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app
    twikey = getattr(app.state, "twikey", None)
    if twikey is not None:
        twikey.close()
