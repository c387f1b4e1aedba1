"""One exception class per meaning, all under `ApiError`; the client raises nothing else.

A caller catches what it can act on: `StaleVersionError` (reload, the server's current record is in
`.current`), `ValidationError` (show `.fields` under the inputs), `ActionUnavailableError` (say `.reason`),
`ApiConnectionError` (the server could not be reached, or its answer was lost). Every error keeps the
request (with `Authorization` redacted), the response when there was one, and the parsed error body.

`from_response` is the one place that turns an HTTP answer into an error.
"""

from __future__ import annotations

from typing import Any

import httpx
import pydantic

from api_client._retry import parse_retry_after
from api_client.models import Client, ErrorBody

REDACTED = "[redacted]"


class ApiError(Exception):
    """Anything that went wrong talking to the codadesk API.

    Attributes:
        code: The server's error code (`not_found`, `validation_error`, ...), or one of the client's own
            (`connection_error`, `timeout`, `http_<status>` for an answer without the error shape).
        message: A sentence a user can read, in the language the request asked for when the server wrote it.
        body: The parsed error body, when the server sent one in the shape of SPEC §6.
        request: The request, with `Authorization` redacted.
        response: The response, or None when no answer arrived.
        status_code: The HTTP status, or None when no answer arrived.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
        body: ErrorBody | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request = request
        self.response = response
        self.body = body

    @property
    def status_code(self) -> int | None:
        return None if self.response is None else self.response.status_code

    @property
    def details(self) -> dict[str, Any]:
        """The error body's `details`, empty when there are none."""
        if self.body is None or self.body.error.details is None:
            return {}
        return self.body.error.details

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, message={self.message!r})"


class UnauthorizedError(ApiError):
    """401: no token, or a token the server does not know (revoked, mistyped)."""


class NotFoundError(ApiError):
    """404: no such object, or one of another firm (the server does not tell them apart)."""


class ConflictError(ApiError):
    """409: the request clashes with the current state."""


class DuplicateError(ConflictError):
    """409 `duplicate`: another client of the firm already has this client code or enterprise number."""

    @property
    def fields(self) -> dict[str, list[str]]:
        """Field → messages naming what is taken."""
        return _fields_of(self.body)


class ActionUnavailableError(ConflictError):
    """409 `action_unavailable`: the mandate action cannot be done now; `.reason` says why (SPEC §5)."""

    @property
    def reason(self) -> str | None:
        value = self.details.get("reason")
        return value if isinstance(value, str) else None


class StaleVersionError(ApiError):
    """412: someone saved the client since it was read; `.current` is the client as it is now."""

    def __init__(self, message: str, *, current: Client, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current = current


class PreconditionRequiredError(ApiError):
    """428: a save was sent without the version it was based on (`If-Match`)."""


class ValidationError(ApiError):
    """422: the request was refused; `.fields` maps each field to its messages."""

    @property
    def fields(self) -> dict[str, list[str]]:
        return _fields_of(self.body)


class FieldLockedError(ValidationError):
    """422 `field_locked`: the save changes a field the edit rules lock (SPEC §3)."""


class RateLimitedError(ApiError):
    """429: too many requests; `.retry_after` is how many seconds the server asked to wait, when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the server (or a gateway in front of it) failed."""


class UpstreamError(ServerError):
    """502 from the server itself (in the API's error shape): a service it depends on (Twikey) failed.

    `.details` carries what that service said, when the server passed it on (`twikey_code`, `twikey_message`).
    A 502 without the error shape comes from a gateway in front of the server and is a plain `ServerError`.
    """


class InvalidResponseError(ApiError):
    """A successful answer that does not have the shape of API v1 (a proxy's page, a newer incompatible server)."""


class ApiConnectionError(ApiError):
    """No answer: the server could not be reached, or the connection broke before the answer arrived.

    Attributes:
        sent: False when the request provably never left (connecting failed); True when the server may
            have received it and acted, so a save should be checked by reloading.
    """

    def __init__(self, message: str, *, sent: bool, code: str = "connection_error", **kwargs: Any) -> None:
        super().__init__(message, code=code, **kwargs)
        self.sent = sent


class ApiTimeoutError(ApiConnectionError):
    """No answer in time."""

    def __init__(self, message: str, *, sent: bool, **kwargs: Any) -> None:
        super().__init__(message, sent=sent, code="timeout", **kwargs)


def _fields_of(body: ErrorBody | None) -> dict[str, list[str]]:
    if body is None or body.error.fields is None:
        return {}
    return body.error.fields


def redact_request(request: httpx.Request) -> httpx.Request:
    """A copy of `request` without the secret: safe to keep on an error, log or show."""
    headers = httpx.Headers(request.headers)
    for name in ("authorization", "proxy-authorization"):
        if name in headers:
            headers[name] = REDACTED
    return httpx.Request(request.method, request.url, headers=headers, extensions={})


def parse_error_body(response: httpx.Response, *, scrub: str | None = None) -> ErrorBody | None:
    """The error body of SPEC §6, or None when the answer has another shape (a proxy's page, no body).

    `scrub` is replaced by `[redacted]` wherever the body repeats it.
    """
    content = response.content
    if scrub:
        content = content.replace(scrub.encode(), REDACTED.encode())
    try:
        return ErrorBody.model_validate_json(content)
    except (pydantic.ValidationError, ValueError):
        return None


def from_response(response: httpx.Response, *, scrub: str | None = None) -> ApiError:
    """The error for a non-2xx answer: by status, then by the error body's `code`.

    Args:
        response: The answer; its `request` must already be redacted.
        scrub: A secret that must not appear in the message even if the server echoed it (the token).
    """
    body = parse_error_body(response, scrub=scrub)
    status = response.status_code
    if body is not None:
        code, message = body.error.code, body.error.message
    else:
        code, message = f"http_{status}", f"The server answered {status} {response.reason_phrase}".rstrip()
    common: dict[str, Any] = {"code": code, "request": response.request, "response": response, "body": body}

    if status == 401:
        return UnauthorizedError(message, **common)
    if status == 404:
        return NotFoundError(message, **common)
    if status == 409:
        if code == "action_unavailable":
            return ActionUnavailableError(message, **common)
        if code == "duplicate":
            return DuplicateError(message, **common)
        return ConflictError(message, **common)
    if status == 412:
        current = _current_client(body)
        if current is None:
            # SPEC §6 promises the current client with every 412; without it the caller could not recover.
            return InvalidResponseError(f"{message} (the answer did not carry the current client)", **common)
        return StaleVersionError(message, current=current, **common)
    if status == 422:
        if code == "field_locked":
            return FieldLockedError(message, **common)
        return ValidationError(message, **common)
    if status == 428:
        return PreconditionRequiredError(message, **common)
    if status == 429:
        return RateLimitedError(message, retry_after=parse_retry_after(response.headers.get("Retry-After")), **common)
    if status == 502 and body is not None:
        return UpstreamError(message, **common)
    if status >= 500:
        return ServerError(message, **common)
    return ApiError(message, **common)


def _current_client(body: ErrorBody | None) -> Client | None:
    if body is None or body.error.details is None or "client" not in body.error.details:
        return None
    try:
        return Client.model_validate(body.error.details["client"])
    except pydantic.ValidationError:
        return None
