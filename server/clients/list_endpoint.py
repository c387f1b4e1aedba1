"""`GET /api/v1/clients`: the client table's pages, searched (SPEC §6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from api_client import models as wire
from server.clients.search import search_clients
from server.deps import BEARER, DatabaseDep, SettingsDep, authenticate

router = APIRouter(tags=["clients"])


@router.get("/clients", response_model=wire.ClientPage)
async def list_clients(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    database: DatabaseDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=200)] = "",
    missing_email: bool = False,
    limit: Annotated[int, Query(ge=1, le=wire.MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """The caller's firm's clients matching `q`, in name order, one keyset page at a time.

    The token check and the search share one trip to the thread pool and one database session
    (`authenticate` is called, not depended on): this answers every keystroke, and each hop and each
    connection checkout costs. The page is written as JSON by its model directly (`response_model` still
    documents it).
    """

    def page() -> bytes:
        with database.read() as session:
            principal = authenticate(session, credentials)
            return (
                search_clients(
                    session,
                    firm_id=principal.firm_id,
                    q=q,
                    missing_email=missing_email,
                    cursor=cursor,
                    limit=limit,
                    total_cap=settings.search_total_cap,
                    offset=offset,
                )
                .model_dump_json()
                .encode()
            )

    return Response(await run_in_threadpool(page), media_type="application/json")
