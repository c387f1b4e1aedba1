"""Mass assignment and bounds: what a request may carry, how long, how big, how often.

Extends the clients, search and mandates tests (which cover the rules one by one) to every field, both write
routes, the real HTTP server for bodies (declared and chunked) and concurrent resends racing the hourly limit.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from api_client.models import EDITABLE_FIELDS, MAX_PAGE_SIZE, READ_ONLY_FIELDS
from server.clients.validation import MAX_LENGTHS
from server.config import Settings
from server.db import Database
from server.models import Client, OutboxMessage
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.hardening.conftest import LiveServer, enterprise_number

MIB = 1024 * 1024
UNKNOWN_FIELDS = ("nickname", "firm_id", "Client_Code", "client_code ", "__proto__", "")


def check(http: TestClient, firm: FirmAccess, client_id: int, body: Any) -> Any:
    return http.post(f"/api/v1/clients/{client_id}/check", json=body, headers=firm.headers)


def save(http: TestClient, firm: FirmAccess, client_id: int, body: Any, version: int = 1) -> Any:
    return http.patch(f"/api/v1/clients/{client_id}", json=body, headers={**firm.headers, "If-Match": f'"{version}"'})


# --- mass assignment --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*READ_ONLY_FIELDS, *UNKNOWN_FIELDS])
def test_read_only_and_unknown_fields_are_refused_naming_the_field(
    http: TestClient, database: Database, firm: FirmAccess, name: str
) -> None:
    client_id = create_client(database, firm)
    value: Any = {"version": 99, "locks": {}, "mandates": []}.get(name, "x")
    message = f"{name} is read-only" if name in READ_ONLY_FIELDS else f"{name} is not a known field"

    for answer in (
        check(http, firm, client_id, {name: value}),
        save(http, firm, client_id, {"city": "X", name: value}),
    ):
        assert answer.status_code == 422
        assert answer.json()["error"]["fields"] == {name: [message]}
    stored = http.get(f"/api/v1/clients/{client_id}", headers=firm.headers).json()
    assert (stored["version"], stored["city"]) == (1, "Gent"), "nothing was written"


def test_a_body_that_is_not_an_object_is_refused(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)
    for body in ([], "city", 1, None, [{"city": "X"}]):
        assert check(http, firm, client_id, body).status_code == 422
        assert save(http, firm, client_id, body).status_code == 422
    broken = http.post(
        f"/api/v1/clients/{client_id}/check",
        content=b'{"city": "Gent',
        headers={**firm.headers, "Content-Type": "application/json"},
    )
    assert broken.status_code in (400, 422)
    assert broken.json()["error"]["code"] in ("bad_request", "validation_error")


# --- maximum lengths --------------------------------------------------------------------------------------


def longest(name: str, length: int) -> tuple[dict[str, str], dict[str, str]]:
    """A valid body whose `name` is exactly `length` characters, and what the client then stores."""
    if name == "client_code":
        value = "C" * length
    elif name == "enterprise_number":  # typed with BE and spaces; stored as its 10 digits
        digits = enterprise_number()
        value = "BE" + " " * (length - 12) + digits
        return {name: value}, {name: digits}
    elif name == "email":
        domain = "d" * 63 + "." + "e" * 63 + "." + "f" * (length - 64 - 1 - 63 - 1 - 63 - 1 - 3) + ".be"
        value = "a" * 64 + "@" + domain
    elif name == "language":
        value = "de"
    elif name == "country":
        value = "NL"
    elif name == "postal_code":  # a Belgian one is 4 digits: a longer one needs another country
        return {name: "1" * length, "country": "NL"}, {name: "1" * length, "country": "NL"}
    elif name == "phone":
        value = "+" + "3" * (length - 1)
    else:
        value = "é" * length  # NFC, one character each
    return {name: value}, {name: value}


def one_too_many(name: str, body: dict[str, str]) -> dict[str, str]:
    value = body[name]
    longer = "3" + value if name == "phone" else "1" + value if name == "postal_code" else "a" + value
    return {**body, name: longer}


@pytest.mark.parametrize("name", EDITABLE_FIELDS)
def test_every_field_is_taken_at_its_maximum_and_refused_past_it(
    http: TestClient, database: Database, firm: FirmAccess, name: str
) -> None:
    length = MAX_LENGTHS[name]
    client_id = create_client(
        database, firm, enterprise_number=None if name == "enterprise_number" else enterprise_number()
    )
    body, stored = longest(name, length)
    assert len(body[name]) == length
    too_long = one_too_many(name, body)

    assert check(http, firm, client_id, body).json()["errors"] == {}
    assert name in check(http, firm, client_id, too_long).json()["errors"]
    refused = save(http, firm, client_id, too_long)
    assert refused.status_code == 422
    assert name in refused.json()["error"]["fields"]
    saved = save(http, firm, client_id, body)
    assert saved.status_code == 200, saved.text
    assert {key: saved.json()["client"][key] for key in stored} == stored, "stored whole, not cut"


def test_every_column_holds_its_fields_longest_value() -> None:
    """A maximum above the column would be cut (SQLite) or fail (PostgreSQL) instead of being refused."""
    columns = Client.__table__.columns
    for name in EDITABLE_FIELDS:
        stored_length = 10 if name == "enterprise_number" else MAX_LENGTHS[name]
        assert getattr(columns[name].type, "length", 0) >= stored_length, name


def test_a_ten_kilobyte_value_is_a_422_not_a_crash(http: TestClient, database: Database, firm: FirmAccess) -> None:
    client_id = create_client(database, firm)
    for name in EDITABLE_FIELDS:
        answer = save(http, firm, client_id, {name: "x" * 10_000})
        assert answer.status_code == 422, name
        assert name in answer.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [("If-Match", '"1234567890123456789"', 428), ("Idempotency-Key", "k" * 201, 422)],
)
def test_headers_have_a_maximum_too(
    http: TestClient, database: Database, firm: FirmAccess, header: str, value: str, status: int
) -> None:
    client_id = create_client(database, firm)
    mandate_id = create_mandate(database, firm, client_id)
    headers = {**firm.headers, header: value}
    if header == "If-Match":
        answer = http.patch(f"/api/v1/clients/{client_id}", json={"city": "X"}, headers=headers)
    else:
        answer = http.post(f"/api/v1/mandates/{mandate_id}/archive", json={"confirm": True}, headers=headers)
    assert answer.status_code == status


def encoded_cursor(name_key: str, client_id: int, total: int = 0) -> str:
    raw = json.dumps([name_key, client_id, total, False]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        encoded_cursor("a", 2**31),
        encoded_cursor("a", 2**63),
        encoded_cursor("a", -(2**70)),
        encoded_cursor("a\x00", 1),
        encoded_cursor("\uffff" * 400, 1),
        "A" * 1001,
    ],
    ids=["id past INTEGER", "id past 64 bits", "negative id", "NUL", "long key", "too long"],
)
def test_a_forged_cursor_is_refused_not_a_crash(http: TestClient, firm: FirmAccess, cursor: str) -> None:
    for q in ("", "acme"):
        answer = http.get("/api/v1/clients", params={"cursor": cursor, "q": q}, headers=firm.headers)
        assert answer.status_code in (200, 422), answer.text
        if answer.status_code == 422:
            assert list(answer.json()["error"]["fields"]) == ["cursor"]


# --- body size: 413 ---------------------------------------------------------------------------------------


@pytest.fixture
def target(database: Database, firm: FirmAccess) -> Iterator[tuple[int, int]]:
    """A client and a mandate that may be resent; the e-mails queued for it are removed afterwards."""
    client_id = create_client(database, firm)
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client")
    yield client_id, mandate_id
    with database.write() as session:  # no other test's mail worker should spend time on them
        session.execute(delete(OutboxMessage).where(OutboxMessage.mandate_id == mandate_id))


def big_body(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    head, tail = b'{"city": "', b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def routes_with_bodies(client_id: int, mandate_id: int) -> list[tuple[str, str]]:
    return [
        ("POST", f"/api/v1/clients/{client_id}/check"),
        ("PATCH", f"/api/v1/clients/{client_id}"),
        ("POST", f"/api/v1/mandates/{mandate_id}/archive"),
        ("POST", f"/api/v1/mandates/{mandate_id}/resend"),
        ("GET", "/api/v1/me"),
    ]


def test_a_body_over_a_mebibyte_is_413_declared_or_chunked(
    live_server: LiveServer, database: Database, firm: FirmAccess, target: tuple[int, int]
) -> None:
    headers = {**firm.headers, "Content-Type": "application/json", "If-Match": '"1"'}

    def chunks(size: int) -> Iterator[bytes]:
        body = big_body(size)
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as http:
        for method, path in routes_with_bodies(*target):
            for answer in (
                http.request(method, path, content=big_body(MIB + 1)),
                http.request(method, path, content=chunks(MIB + 1)),
            ):
                assert answer.status_code == 413, f"{method} {path}: {answer.status_code}"
                assert answer.json()["error"] == {
                    "code": "payload_too_large",
                    "message": f"The body is over {MIB} bytes",
                }
        assert outbox_of(database, target[1]) == [], "no route acted on a body over the limit"
        for method, path in routes_with_bodies(*target):
            for answer in (
                http.request(method, path, content=big_body(MIB)),
                http.request(method, path, content=chunks(MIB)),
            ):
                assert answer.status_code != 413, f"{method} {path}: exactly 1 MiB is within the limit"


# --- resend: per mandate per hour, under concurrency -----------------------------------------------------


def outbox_of(database: Database, mandate_id: int) -> list[int]:
    with database.read() as session:
        return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.mandate_id == mandate_id)))


def test_twenty_concurrent_resends_send_five_and_429_the_rest(
    live_server: LiveServer, database: Database, firm: FirmAccess, target: tuple[int, int]
) -> None:
    _, mandate_id = target
    path = f"/api/v1/mandates/{mandate_id}/resend"
    start = threading.Barrier(20, timeout=60)
    with httpx.Client(base_url=live_server.url, headers=firm.headers, timeout=60) as http:
        assert http.get(f"/api/v1/mandates/{mandate_id}/document").status_code == 200  # the PDF, built once

        def resend(_: int) -> httpx.Response:
            start.wait()
            return http.post(path)

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(resend, range(20)))
    assert Counter(a.status_code for a in answers) == {202: 5, 429: 15}
    for refused in (a for a in answers if a.status_code == 429):
        # Counted from when the request began: one that waited for the first e-mail's lock sees a second more.
        assert 0 < int(refused.headers["Retry-After"]) <= 3600 + 60
        assert refused.json()["error"]["code"] == "rate_limited"
    assert len(outbox_of(database, mandate_id)) == 5, "five e-mails, however many raced"


# --- what the protocol says -------------------------------------------------------------------------------


def test_a_wrong_method_is_405_naming_every_method_of_the_path(http: TestClient, firm: FirmAccess) -> None:
    expected = {
        "/api/v1/clients/1": "GET, PATCH",
        "/api/v1/clients": "GET",
        "/api/v1/mandates/1/resend": "POST",
    }
    for path, allow in expected.items():
        answer = http.request("DELETE", path, headers=firm.headers)
        assert (answer.status_code, answer.headers["Allow"]) == (405, allow)
        assert answer.json()["error"]["code"] == "method_not_allowed"


def test_the_default_limits_are_the_specs() -> None:
    settings = Settings()
    assert (settings.max_body_bytes, settings.resend_limit_per_hour, MAX_PAGE_SIZE) == (MIB, 5, 200)
