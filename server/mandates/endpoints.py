"""HTTP handlers for mandates and their actions (SPEC §6): parse, call the service, answer.

Handlers are sync (SQLAlchemy and the Twikey client are); FastAPI runs them in its thread pool. The acting
POSTs answer the exact JSON text the service produced, so a replay under `Idempotency-Key` is byte-for-byte
the first answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api_client import models as wire
from server.clock import Clock, utcnow
from server.deps import DatabaseDep, LanguageDep, PrincipalDep, SettingsDep
from server.errors import error_responses
from server.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotencyKeyDep
from server.mandates.service import MandateService
from server.mandates.twikey import TwikeyClient

router = APIRouter(prefix="/mandates", tags=["mandates"])
"""Mandates: reading them, their actions, their documents, Twikey."""


def get_clock(request: Request) -> Clock:
    """`app.state.clock` when a test set one, else the real UTC clock."""
    clock: Clock = getattr(request.app.state, "clock", utcnow)
    return clock


def get_twikey(
    request: Request, settings: SettingsDep, clock: Annotated[Clock, Depends(get_clock)]
) -> TwikeyClient | None:
    """`app.state.twikey` when one was injected, else a client built from the settings (None without a key).

    The client is kept on the app so its session token is reused across requests.
    """
    twikey: TwikeyClient | None = getattr(request.app.state, "twikey", None)
    if twikey is None and settings.twikey_configured:
        twikey = TwikeyClient.from_settings(settings, clock=clock)
        request.app.state.twikey = twikey
    return twikey


def get_service(
    database: DatabaseDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    language: LanguageDep,
    clock: Annotated[Clock, Depends(get_clock)],
    twikey: Annotated[TwikeyClient | None, Depends(get_twikey)],
) -> MandateService:
    return MandateService(database, principal, language, settings, twikey=twikey, clock=clock)


ServiceDep = Annotated[MandateService, Depends(get_service)]


async def raw_body(request: Request) -> bytes:
    return await request.body()


ARCHIVE_SCHEMA = wire.ArchiveRequest.model_json_schema()
ARCHIVE_SCHEMA["properties"]["confirm"] = {"const": True, "title": "Confirm", "description": "Must be true"}
ACTING = {"parameters": [IDEMPOTENCY_KEY_PARAMETER]}
"""What the OpenAPI document says of the acting POSTs' `Idempotency-Key` (read from the request by its dependency)."""
ARCHIVE_BODY = {
    **ACTING,
    "requestBody": {"required": True, "content": {"application/json": {"schema": ARCHIVE_SCHEMA}}},
}


@router.get("/{mandate_id}", response_model=wire.Mandate, responses=error_responses(404))
def read_mandate(mandate_id: int, service: ServiceDep) -> wire.Mandate:
    return service.get(mandate_id)


@router.get(
    "/{mandate_id}/document",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The mandate document to sign"},
        **error_responses(404, 409),
    },
)
def mandate_document(mandate_id: int, service: ServiceDep) -> Response:
    """The PDF built from the client's current data, named `mandate-<id>-v<version>.pdf`."""
    filename, pdf = service.document(mandate_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.post(
    "/{mandate_id}/archive",
    response_model=wire.MandateResult,
    responses=error_responses(404, 409),
    openapi_extra=ARCHIVE_BODY,
)
def archive_mandate(
    mandate_id: int,
    service: ServiceDep,
    key: IdempotencyKeyDep,
    body: Annotated[bytes, Depends(raw_body)],
) -> Response:
    """Archive the mandate; the body must be `{"confirm": true}`."""
    return service.archive(mandate_id, key, body).response()


@router.post(
    "/{mandate_id}/resend",
    status_code=202,
    response_model=wire.ResendResult,
    responses=error_responses(404, 409, 429),
    openapi_extra=ACTING,
)
def resend_mandate(mandate_id: int, service: ServiceDep, key: IdempotencyKeyDep) -> Response:
    """E-mail the current document to the client; 429 with `Retry-After` past the hourly limit."""
    return service.resend(mandate_id, key).response()


@router.post(
    "/{mandate_id}/sign-twikey",
    response_model=wire.SignTwikeyResult,
    responses=error_responses(404, 409, 502),
    openapi_extra=ACTING,
)
def sign_twikey(mandate_id: int, service: ServiceDep, key: IdempotencyKeyDep) -> Response:
    """The Twikey signing link for the mandate's current document version."""
    return service.sign_twikey(mandate_id, key).response()
