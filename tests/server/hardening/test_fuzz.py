"""Schemathesis against the real app in-process: every operation with its default checks, then the stateful phase.

The OpenAPI document is the server's own (`/openapi.json`); requests carry the real token of a seeded firm
(bearer auth as the document declares it). Added here, not in the server: links from the client list to a
client and from a client to its save (its `ETag` as `If-Match`), so chains reach real rows; and, per
operation, the refusals a JSON schema cannot state (`RULES_BEYOND_THE_SCHEMA`). Anything else a check finds
is fixed in the server or in the responses it declares.

Deterministic (a fixed seed, Hypothesis derandomised). On SQLite only: the document and the checks do not
depend on the database, and what does (an id past a 32-bit column on PostgreSQL) is tried on both backends by
`test_tenant_isolation.py` and `test_bounds.py`. Figures: docs/hardening.md.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import settings
from schemathesis.core.result import Ok
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.specs.openapi.schemas import OpenApiSchema

from server.config import Settings
from server.db import Database
from server.main import create_app
from tests.databases import migrated_database
from tests.server.hardening.conftest import seed_firm

EXAMPLES_PER_OPERATION = 100
SCENARIOS = 50
"""Stateful scenarios, each a chain of up to `STEPS` calls along the links."""
STEPS = 6
SEED = 20260105

LIST = "/api/v1/clients"
CLIENT = "/api/v1/clients/{client_id}"
SAVE = f"PATCH {CLIENT}"

RULES_BEYOND_THE_SCHEMA: dict[str, list[str]] = {
    # A schema-valid save may still break a field rule (check digits, a Belgian postal code), a lock (L1/L2),
    # or name a version that is no longer current: SPEC §6 answers 422 and 412.
    SAVE: ["2xx", "401", "404", "409", "412", "422", "429"],
    # `offset` together with `cursor`, more than 8 words, a cursor this server did not write: 422.
    f"GET {LIST}": ["2xx", "401", "404", "409", "422", "429"],
}
"""Per operation, the statuses a schema-valid request may get (`positive_data_acceptance`)."""

MISSING_IF_MATCH = ["400", "401", "403", "406", "415", "422", "428"]
"""RFC 6585 §3 and SPEC §6: a save without `If-Match` is 428 Precondition Required."""

fuzzed: Counter[str] = Counter()
"""Requests per operation in the examples, coverage and fuzzing phases of this run."""


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """The server's document plus links from the list to a client and from a client to its save."""
    document = copy.deepcopy(document)
    paths = document["paths"]
    read_client = paths[CLIENT]["get"]["operationId"]
    save_client = paths[CLIENT]["patch"]["operationId"]
    paths[LIST]["get"]["responses"]["200"].setdefault("links", {})["FirstClient"] = {
        "operationId": read_client,
        "parameters": {"client_id": "$response.body#/items/0/id"},
    }
    paths[CLIENT]["get"]["responses"]["200"].setdefault("links", {})["SaveThisVersion"] = {
        "operationId": save_client,
        "parameters": {"client_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"},
    }
    return document


def fuzz_config(token: str) -> schemathesis.Config:
    operations: list[dict[str, Any]] = [
        {"include-name": name, "checks": {"positive_data_acceptance": {"expected-statuses": statuses}}}
        for name, statuses in RULES_BEYOND_THE_SCHEMA.items()
    ]
    operations[0]["checks"]["missing_required_header"] = {"expected-statuses": MISSING_IF_MATCH}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "auth": {"openapi": {"HTTPBearer": {"bearer": token}}},
            "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True},
            "operations": operations,
        }
    )


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The app on its own SQLite database."""
    folder = tmp_path_factory.mktemp("fuzz")
    with migrated_database("sqlite", folder) as url:
        database = Database(url)
        yield create_app(Settings(database_url=url, outbox_dir=folder / "outbox"), database=database)
        database.dispose()


@pytest.fixture
def api_schema(fuzz_app: FastAPI) -> OpenApiSchema:
    """The app's document, authenticated as the user of a freshly seeded firm (each test starts from its rows)."""
    token = seed_firm(fuzz_app.state.database, clients=12).access.token
    schema = schemathesis.openapi.from_dict(with_links(fuzz_app.openapi()), config=fuzz_config(token))
    schema.app = fuzz_app
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_holds_its_schema(case: schemathesis.Case[Any]) -> None:
    """Examples, coverage and fuzzing: no 5xx, and every answer (status, body, headers) is one the document declares."""
    case.call_and_validate()
    fuzzed[case.operation.label] += 1


def test_every_operation_got_its_examples(api_schema: OpenApiSchema) -> None:
    """Runs after the test above (same module, file order): each operation was tried often enough."""
    labels = {result.ok().label for result in api_schema.get_all_operations() if isinstance(result, Ok)}
    assert labels, "the document lists operations"
    assert {label: fuzzed[label] for label in labels if fuzzed[label] < EXAMPLES_PER_OPERATION} == {}
    fewest = min(fuzzed[label] for label in labels)
    print(f"\nfuzz: {len(labels)} operations, {sum(fuzzed.values())} requests, at least {fewest} each")


def test_chains_of_calls_hold_their_schema(api_schema: OpenApiSchema) -> None:
    """The stateful phase: list → client → save, client → mandate → action, along the links."""
    answered: Counter[tuple[str, int]] = Counter()

    class Chains(api_schema.as_state_machine()):  # type: ignore[misc]
        def after_call(self, response: Any, case: schemathesis.Case[Any]) -> None:
            answered[case.operation.label, response.status_code // 100] += 1

    machine: type[APIStateMachine] = Chains
    machine.run(
        settings=settings(
            machine.TestCase.settings, max_examples=SCENARIOS, stateful_step_count=STEPS, derandomize=True
        )
    )
    assert answered[f"GET {CLIENT}", 2] > 0, "a chain reached a real client"
    successes = sum(count for (_, kind), count in answered.items() if kind == 2)
    print(f"\nstateful: {SCENARIOS} scenarios, {sum(answered.values())} calls, {successes} answered 2xx")


def test_the_document_names_the_errors_each_route_answers(fuzz_app: FastAPI) -> None:
    """The statuses the checks rely on are declared with the error body, not FastAPI's default 422 shape."""
    app = fuzz_app
    paths = app.openapi()["paths"]
    save = paths[CLIENT]["patch"]
    assert {"400", "401", "404", "409", "412", "413", "422", "428"} <= set(save["responses"])
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    assert save["responses"]["412"]["content"]["application/json"]["schema"] == error_body
    assert next(p for p in save["parameters"] if p["name"] == "If-Match")["required"] is True
    resend = paths["/api/v1/mandates/{mandate_id}/resend"]["post"]
    assert resend["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    assert "Idempotency-Key" in [p["name"] for p in resend["parameters"]]
    assert "HTTPValidationError" not in app.openapi()["components"]["schemas"]
