"""No firm reaches another firm's rows: every route with an id, generated from `app.routes`, with every id of theirs.

For each route whose path names an id, and each method, the test sends what a real client would send (a
valid body, `If-Match`, an `Idempotency-Key`) with each client id and each mandate id of another firm, and
with ids no row has. Every answer must be the answer to a missing id: 404, same code, same message (the id
in it aside). A route added later is tried automatically; the test fails if it cannot try one (an id
parameter of an unknown kind, or a body it has no example of) rather than pass it by.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from server.db import Database
from tests.server.hardening.conftest import SeededFirm, seed_firm

ID_KINDS = {"client_id": "client", "mandate_id": "mandate"}
"""Path parameter → the kind of row it names."""
EXAMPLE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/clients/{client_id}/check"): {"city": "Brugge"},
    ("PATCH", "/api/v1/clients/{client_id}"): {"city": "Brugge"},
    ("POST", "/api/v1/mandates/{mandate_id}/archive"): {"confirm": True},
}
"""A valid body for each route that takes one: the refusal must come from the id, not from the body."""
NOBODYS_IDS = (0, -1, 2**31 - 2, 2**31, 2**63, 10**30)
"""Ids no row has, some past what an id column holds (PostgreSQL's INTEGER, SQLite's 64 bits)."""
ID_LIKE_FIELDS = ("id", "client_id", "mandate_id", "firm_id", "user_id")


def id_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path template, id parameter) of every route with an id in its path.

    FastAPI 0.137+ keeps an included router as one entry of `app.routes`: `iter_route_contexts` opens them.
    The result is checked against the OpenAPI paths, so a change in how routes are kept cannot empty it.
    """
    found: list[tuple[str, str, str]] = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        for name in re.findall(r"{(\w+)}", path):
            found.extend((method, path, name) for method in sorted(route.methods or ()))
    documented = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops if "{" in path}
    assert {(method, path) for method, path, _ in found} == documented, "every documented route with an id, no other"
    return found


def request_body(app: FastAPI, method: str, path: str) -> dict[str, Any] | None:
    operation = app.openapi()["paths"][path][method.lower()]
    if "requestBody" not in operation:
        return None
    return EXAMPLE_BODIES[method, path]


def body_fields(app: FastAPI, method: str, path: str) -> set[str]:
    """The fields a route's JSON body declares."""
    document = app.openapi()
    schema = document["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def error_of(answer: httpx.Response) -> Any:
    """The error object of an answer; None for anything else (a leaked client, a list, a PDF)."""
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


class Caller:
    """Sends a route's request as a real client would, with fresh idempotency keys."""

    def __init__(self, http: TestClient, app: FastAPI, headers: dict[str, str]) -> None:
        self.http, self.app, self.headers = http, app, headers
        self.sent = 0

    def send(self, method: str, path: str, param: str, id_: int, body: dict[str, Any] | None = None) -> Any:
        self.sent += 1
        headers = {**self.headers, "Idempotency-Key": f"isolation-{self.sent}", "If-Match": '"1"'}
        url = path.replace(f"{{{param}}}", str(id_))
        json_body = body if body is not None else request_body(self.app, method, path)
        return self.http.request(method, url, headers=headers, json=json_body)


def their_state(http: TestClient, theirs: SeededFirm) -> list[Any]:
    """Everything the other firm can read of its own rows."""
    headers = theirs.access.headers
    state = [http.get(f"/api/v1/clients/{i}", headers=headers).json() for i in theirs.client_ids]
    state += [http.get(f"/api/v1/clients/{i}/history", headers=headers).json() for i in theirs.client_ids]
    return state


def test_every_route_answers_another_firms_ids_as_missing(http: TestClient, app: FastAPI, database: Database) -> None:
    mine = seed_firm(database, clients=3)
    theirs = seed_firm(database, clients=8)
    their_ids = {"client": theirs.client_ids, "mandate": theirs.mandate_ids}
    my_ids = {"client": set(mine.client_ids), "mandate": set(mine.mandate_ids)}
    routes = id_routes(app)
    unknown = sorted({param for _, _, param in routes if param not in ID_KINDS})
    assert not unknown, f"add these id parameters to ID_KINDS so their routes are tried: {unknown}"
    paths = app.openapi()["paths"]
    with_body = [(m, p) for m, p, _ in routes if "requestBody" in paths[p][m.lower()]]
    without_body = [route for route in with_body if route not in EXAMPLE_BODIES]
    assert not without_body, f"add a valid body to EXAMPLE_BODIES for: {without_body}"
    before = their_state(http, theirs)
    caller = Caller(http, app, mine.access.headers)
    leaks: list[str] = []
    tried: set[tuple[str, str]] = set()

    for method, path, param in routes:
        missing = caller.send(method, path, param, NOBODYS_IDS[2])
        assert missing.status_code == 404, f"{method} {path}: a missing id is 404, got {missing.status_code}"
        expected = missing.json()["error"]
        others = [i for ids in their_ids.values() for i in ids if i not in my_ids[ID_KINDS[param]]]
        for id_ in (*others, *NOBODYS_IDS):
            answer = caller.send(method, path, param, id_)
            error = error_of(answer)
            same = {**expected, "message": expected["message"].replace(str(NOBODYS_IDS[2]), str(id_))}
            if answer.status_code != 404 or error != same:
                leaks.append(f"{method} {path} with {id_}: {answer.status_code} {answer.text[:200]}")
            tried.add((method, path))

    assert leaks == []
    assert tried == {(m, p) for m, p, _ in routes}, "every route with an id was tried"
    assert their_state(http, theirs) == before, "nothing of theirs changed"
    print(f"\ntenant isolation: {len(tried)} routes, {caller.sent} requests, 0 leaks")  # figures: docs/hardening.md


def test_ids_of_another_firm_in_a_body_are_refused_and_change_nothing(
    http: TestClient, app: FastAPI, database: Database
) -> None:
    mine = seed_firm(database, clients=1)
    theirs = seed_firm(database, clients=2)
    caller = Caller(http, app, mine.access.headers)
    before = their_state(http, theirs)
    body_routes = [(m, p, param) for m, p, param in id_routes(app) if request_body(app, m, p) is not None]
    assert body_routes, "the API has routes with bodies"
    carried = {name for m, p, _ in body_routes for name in body_fields(app, m, p)}
    assert not carried & set(ID_LIKE_FIELDS), "a body carries an id now: try other firms' ids in it too"

    for method, path, param in body_routes:
        own = mine.client_ids[0] if ID_KINDS[param] == "client" else mine.mandate_ids[0]
        for field in ID_LIKE_FIELDS:
            for other in (theirs.client_ids[0], theirs.mandate_ids[0], theirs.access.firm_id):
                body = {**(request_body(app, method, path) or {}), field: other}
                answer = caller.send(method, path, param, own, body)
                assert answer.status_code == 422, f"{method} {path} with {field}={other}: {answer.status_code}"
                assert field in answer.json()["error"]["fields"]

    assert their_state(http, theirs) == before
    assert http.get(f"/api/v1/clients/{mine.client_ids[0]}", headers=mine.access.headers).json()["version"] == 1


def test_a_search_never_returns_another_firms_rows(http: TestClient, database: Database) -> None:
    mine = seed_firm(database, clients=4)
    theirs = seed_firm(database, clients=4)
    mine_ids = set(mine.client_ids)
    their_rows = [http.get(f"/api/v1/clients/{i}", headers=theirs.access.headers).json() for i in theirs.client_ids]
    queries = [""]
    for row in their_rows:
        queries += [row["client_code"], row["company_name"], row["email"] or "", row["enterprise_number"] or ""]
        if row["enterprise_number"]:
            number = row["enterprise_number"]
            queries.append(f"{number[:4]}.{number[4:7]}.{number[7:]}")
    their_cursor = http.get("/api/v1/clients", params={"limit": 1}, headers=theirs.access.headers).json()["next_cursor"]
    assert their_cursor, "their first page has a next one"

    found: set[int] = set()
    searches = 0
    for q in queries:
        for params in ({"q": q}, {"q": q, "missing_email": "true"}, {"q": q, "cursor": their_cursor}):
            page = http.get("/api/v1/clients", params=params, headers=mine.access.headers).json()
            found |= {item["id"] for item in page["items"]}
            searches += 1
    assert found <= mine_ids, f"their clients found: {sorted(found - mine_ids)}"
    assert found == mine_ids, "the empty query lists all of mine"
    print(f"\ntenant isolation: {searches} searches for their exact values, 0 of their rows")
