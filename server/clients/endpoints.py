"""HTTP handlers for one client (SPEC §6): parse, call the service, answer.

`GET /clients` (the search) lives in `list_endpoint.py`. Handlers are sync: SQLAlchemy is, and FastAPI runs
them in its thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from api_client import models as wire
from server.clients.service import ClientService, etag
from server.deps import DatabaseDep, LanguageDep, PrincipalDep, SettingsDep
from server.errors import error_responses

router = APIRouter(prefix="/clients", tags=["clients"])


def get_service(
    database: DatabaseDep, settings: SettingsDep, principal: PrincipalDep, language: LanguageDep
) -> ClientService:
    return ClientService(database, principal, language, twikey_configured=settings.twikey_configured)


ServiceDep = Annotated[ClientService, Depends(get_service)]

ETAG_HEADER: dict[str, Any] = {
    "ETag": {"description": 'The client\'s version, `"<version>"`', "required": True, "schema": {"type": "string"}}
}
IF_MATCH_PARAMETER: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": 'The version the user edited, as its ETag said: `"<version>"`; without it the save is 428',
    "schema": {"type": "string", "pattern": '^"[0-9]{1,18}"$'},
}
"""Declared by hand: read from the request so that a missing or malformed one is SPEC §6's 428, not a 422."""


def if_match_header(request: Request) -> str | None:
    return request.headers.get("if-match")


@router.get(
    "/{client_id}", response_model=wire.Client, responses={200: {"headers": ETAG_HEADER}, **error_responses(404)}
)
def read_client(client_id: int, service: ServiceDep, response: Response) -> wire.Client:
    client = service.get(client_id)
    response.headers["ETag"] = etag(client.version)
    return client


@router.post("/{client_id}/check", response_model=wire.CheckResult, responses=error_responses(400, 404))
def check_client(client_id: int, changes: wire.ClientChanges, service: ServiceDep) -> wire.CheckResult:
    return service.check(client_id, changes.as_body())


@router.patch(
    "/{client_id}",
    response_model=wire.SaveResult,
    responses={200: {"headers": ETAG_HEADER}, **error_responses(400, 404, 409, 412, 428)},
    openapi_extra={"parameters": [IF_MATCH_PARAMETER]},
)
def update_client(
    client_id: int,
    changes: wire.ClientChanges,
    service: ServiceDep,
    response: Response,
    if_match: Annotated[str | None, Depends(if_match_header)],
) -> wire.SaveResult:
    """Save a partial body; `If-Match: "<version>"` is required (428 when missing or not in that form)."""
    result = service.save(client_id, changes.as_body(), if_match)
    response.headers["ETag"] = etag(result.client.version)
    return result


@router.get("/{client_id}/history", response_model=list[wire.HistoryEntry], responses=error_responses(404))
def client_history(client_id: int, service: ServiceDep) -> list[wire.HistoryEntry]:
    return service.history(client_id)
