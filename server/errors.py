"""Domain errors: services raise them, one handler turns them into SPEC §6's error body."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from api_client.models import READ_ONLY_FIELDS, ErrorBody


class DomainError(Exception):
    """An error with an HTTP status, a stable code and a message a user can read."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.details = details
        self.headers = headers
        if code is not None:
            self.code = code  # type: ignore[misc]

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields is not None:
            error["fields"] = self.fields
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"


class FieldLocked(DomainError):
    status_code = 422
    code = "field_locked"


class Duplicate(DomainError):
    status_code = 409
    code = "duplicate"


class ActionUnavailable(DomainError):
    status_code = 409
    code = "action_unavailable"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class VersionRequired(DomainError):
    status_code = 428
    code = "precondition_required"


class StaleVersion(DomainError):
    status_code = 412
    code = "version_conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(DomainError):
    status_code = 429
    code = "rate_limited"


class UpstreamFailed(DomainError):
    status_code = 502
    code = "upstream_error"


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The body is not JSON (`bad_request`)",
    401: "No valid bearer token (`unauthorized`)",
    404: "No such object in the caller's firm: a missing id and another firm's id answer alike (`not_found`)",
    409: "Refused by the object's state: a duplicate, an unavailable action (`duplicate`, `action_unavailable`, ...)",
    412: "The version in If-Match is no longer the stored one; `details.client` is the current client",
    413: "The body is over the server's limit (1 MiB by default)",
    422: "A field, parameter or header is not valid; `fields` names each one",
    428: 'If-Match is missing or not `"<version>"`',
    429: "Too many of this action; wait `Retry-After` seconds",
    502: "A service behind the server (Twikey) failed",
}
"""What each error status means in this API, as the OpenAPI document says it."""

_HEADER_NOTES: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    412: {"ETag": {"description": 'The current version, `"<version>"`', "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "Seconds until the action may be tried again",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route for the errors it answers, each with SPEC §6's error body."""
    return {
        status: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]}
        | ({"headers": _HEADER_NOTES[status]} if status in _HEADER_NOTES else {})
        for status in statuses
    }


def error_response(status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=headers)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return parts[0] if parts else "body"


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path: Starlette's own 405 names only the first route's."""
    methods: set[str] = set()
    for route in _every_route(request.app.routes):
        if route.matches(request.scope)[0] is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def _every_route(routes: Sequence[BaseRoute]) -> Iterable[Any]:
    """The app's routes with the included routers' routes among them (FastAPI 0.137 stopped copying those)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI: `app.routes` lists every route
        return routes
    return iter_route_contexts(routes)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves the server in the one shape of SPEC §6."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status_code, exc.body(), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            name = _field_of(tuple(error.get("loc", ())))
            if error.get("type") == "extra_forbidden":
                message = f"{name} is read-only" if name in READ_ONLY_FIELDS else f"{name} is not a known field"
            else:
                message = str(error.get("msg", "is not valid"))
            fields.setdefault(name, []).append(message)
        names = ", ".join(sorted(fields))
        failed = ValidationFailed(f"Invalid request: {names}", fields=fields)
        return error_response(failed.status_code, failed.body())

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "bad_request",
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
        }
        body = {"error": {"code": codes.get(exc.status_code, "http_error"), "message": str(exc.detail)}}
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        return error_response(exc.status_code, body, headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        body = {"error": {"code": "internal_error", "message": "The server failed; the change was not saved"}}
        return error_response(500, body)
