"""HTTP handlers for one client (SPEC §6): parse, call the service, answer.

`GET /clients` (the search) lives in `list_endpoint.py`. Handlers are sync: SQLAlchemy is, and FastAPI runs
them in its thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from api_client import models as wire
from server.clients.service import ClientService, etag
from server.deps import DatabaseDep, LanguageDep, PrincipalDep, SettingsDep

router = APIRouter(prefix="/clients", tags=["clients"])


def get_service(
    database: DatabaseDep, settings: SettingsDep, principal: PrincipalDep, language: LanguageDep
) -> ClientService:
    return ClientService(database, principal, language, twikey_configured=settings.twikey_configured)


ServiceDep = Annotated[ClientService, Depends(get_service)]


@router.get("/{client_id}", response_model=wire.Client)
def read_client(client_id: int, service: ServiceDep, response: Response) -> wire.Client:
    client = service.get(client_id)
    response.headers["ETag"] = etag(client.version)
    return client


@router.post("/{client_id}/check", response_model=wire.CheckResult)
def check_client(client_id: int, changes: wire.ClientChanges, service: ServiceDep) -> wire.CheckResult:
    return service.check(client_id, changes.as_body())


@router.patch("/{client_id}", response_model=wire.SaveResult)
def update_client(
    client_id: int,
    changes: wire.ClientChanges,
    service: ServiceDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> wire.SaveResult:
    """Save a partial body; `If-Match: "<version>"` is required (428 when missing or not in that form)."""
    result = service.save(client_id, changes.as_body(), if_match)
    response.headers["ETag"] = etag(result.client.version)
    return result


@router.get("/{client_id}/history", response_model=list[wire.HistoryEntry])
def client_history(client_id: int, service: ServiceDep) -> list[wire.HistoryEntry]:
    return service.history(client_id)
