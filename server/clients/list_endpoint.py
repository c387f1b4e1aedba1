"""`GET /api/v1/clients`: the client table's pages, searched (SPEC §6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api_client import models as wire
from server.clients.search import search_clients
from server.deps import DatabaseDep, PrincipalDep, SettingsDep

router = APIRouter(tags=["clients"])


@router.get("/clients", response_model=wire.ClientPage)
def list_clients(
    principal: PrincipalDep,
    database: DatabaseDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=200)] = "",
    missing_email: bool = False,
    limit: Annotated[int, Query(ge=1, le=wire.MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> wire.ClientPage:
    """The caller's firm's clients matching `q`, in name order, one keyset page at a time."""
    with database.read() as session:
        return search_clients(
            session,
            firm_id=principal.firm_id,
            q=q,
            missing_email=missing_email,
            cursor=cursor,
            limit=limit,
            total_cap=settings.search_total_cap,
            offset=offset,
        )
