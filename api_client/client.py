"""`Client`: the async, typed way to speak codadesk's HTTP API v1 (SPEC §6).

    async with Client("https://codadesk.example", token=token, language="fr") as api:
        page = await api.search_clients("dupont", missing_email=True)
        client = await api.get_client(page.items[0].id)
        saved = await api.update_client(client.id, {"email": "info@dupont.be"}, version=client.version)

Every call answers with the wire models of `api_client.models` and raises only `api_client.errors.ApiError`
and its subclasses. Requests are tried again where repeating is safe (see `api_client._retry`).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio
import httpx
import pydantic

from api_client import models as wire
from api_client._retry import Repeat, RetryPolicy, may_repeat, parse_retry_after
from api_client.errors import (
    REDACTED,
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    InvalidResponseError,
    from_response,
    redact_request,
)

__all__ = ["API_PREFIX", "Client"]

API_PREFIX = "/api/v1"
USER_AGENT = "codadesk-api-client/0.1"

logger = logging.getLogger("api_client")

T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)
Changes = wire.ClientChanges | Mapping[str, str | None]
"""A partial client body: the model, or a plain mapping of field → new value (None clears)."""

_HISTORY: pydantic.TypeAdapter[list[wire.HistoryEntry]] = pydantic.TypeAdapter(list[wire.HistoryEntry])
_NO_ANSWER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
"""httpx errors raised before any byte of the request left: repeating is safe for every method."""


class Client:
    """An async client of one codadesk server, for one user (the token's).

    Args:
        base_url: The server, e.g. `https://codadesk.example` (`/api/v1` is added unless already there).
        token: The bearer token; never logged, shown in a repr or put in an error.
        transport: An httpx transport: `httpx.ASGITransport(app)` for a server in-process,
            `httpx.MockTransport(handler)` in tests; None for the network.
        timeout: Seconds to wait for each attempt (connect, read, write, pool).
        max_retries: How many times a failed request is tried again where that is safe (0: never).
        language: `en`, `fr`, `nl` or `de`: the language of the server's messages (`Accept-Language`).
        retry_budget: No retry waits past this many seconds after the call began.
        sleep: How to wait between attempts (tests pass one that only moves a clock).
        clock: Monotonic seconds, to hold the retry budget (tests pass the clock their `sleep` moves).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        language: str | None = None,
        retry_budget: float = 20.0,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https"):
            raise ValueError(f"the server URL must start with http:// or https://, not {base_url!r}")
        path = url.path.rstrip("/")
        url = url.copy_with(path=path if path.endswith(API_PREFIX) else path + API_PREFIX)
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if language:
            headers["Accept-Language"] = language
        self._token = token
        self._language = language
        self.base_url = url
        self.timeout = timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries, total_seconds=retry_budget)
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.AsyncClient(
            base_url=url, headers=headers, transport=transport, timeout=httpx.Timeout(timeout)
        )

    @property
    def language(self) -> str | None:
        """The language the server's messages come in (`Accept-Language`), None for the server's default."""
        return self._language

    def __repr__(self) -> str:
        token = REDACTED if self._token else None
        return f"Client(base_url={str(self.base_url)!r}, token={token!r}, language={self.language!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections. The client cannot be used afterwards."""
        await self._http.aclose()

    # --- identity --------------------------------------------------------------------------------------

    async def me(self) -> wire.Me:
        """Who the token belongs to, and the firm's settings."""
        return await self._call(wire.Me, "GET", "/me")

    # --- clients ---------------------------------------------------------------------------------------

    async def search_clients(
        self,
        q: str = "",
        *,
        missing_email: bool = False,
        cursor: str | None = None,
        limit: int = 50,
        offset: int | None = None,
    ) -> wire.ClientPage:
        """A page of the firm's clients in table order (company name, then id).

        Args:
            q: A piece of the company name, client code, e-mail or enterprise number (any case, any accents).
            missing_email: Only clients without an e-mail address.
            cursor: `next_cursor` of the previous page; None for the first.
            limit: Rows per page, at most `models.MAX_PAGE_SIZE`.
            offset: Skip this many rows first (random access, for a table's End key or scrollbar); prefer
                `cursor` when walking pages in order, which stays fast at any depth.
        """
        params: dict[str, str | int] = {"limit": limit}
        if q:
            params["q"] = q
        if missing_email:
            params["missing_email"] = "true"
        if cursor is not None:
            params["cursor"] = cursor
        if offset:
            params["offset"] = offset
        return await self._call(wire.ClientPage, "GET", "/clients", params=params)

    async def get_client(self, client_id: int) -> wire.Client:
        """The whole client record, with its locks and mandates."""
        return await self._call(wire.Client, "GET", f"/clients/{client_id}")

    async def check_client(self, client_id: int, changes: Changes) -> wire.CheckResult:
        """What saving `changes` would say (errors, warnings, impacted mandates), without saving.

        Safe to repeat, so it is retried like a read.
        """
        return await self._call(
            wire.CheckResult, "POST", f"/clients/{client_id}/check", json=_body(changes), repeat=Repeat.SAFE
        )

    async def update_client(self, client_id: int, changes: Changes, *, version: int) -> wire.SaveResult:
        """Save `changes` to the client as read at `version`.

        Raises:
            StaleVersionError: Someone saved since; `.current` is the client now.
            ValidationError: A value is refused; `FieldLockedError` when a locked field was sent.
            DuplicateError: Another client has this client code or enterprise number.
            ApiConnectionError: With `.sent` true the save may have been applied: reload to know.
        """
        return await self._call(
            wire.SaveResult,
            "PATCH",
            f"/clients/{client_id}",
            json=_body(changes),
            headers={"If-Match": f'"{version}"'},
            repeat=Repeat.NEVER,
        )

    async def client_history(self, client_id: int) -> list[wire.HistoryEntry]:
        """Who changed what on the client, newest first."""
        response = await self._request("GET", f"/clients/{client_id}/history", repeat=Repeat.SAFE, consume=_read)
        return _decode(_HISTORY.validate_json, response)

    # --- mandates --------------------------------------------------------------------------------------

    async def mandate(self, mandate_id: int) -> wire.Mandate:
        """One mandate, with the actions available on it and why others are not."""
        return await self._call(wire.Mandate, "GET", f"/mandates/{mandate_id}")

    async def mandate_document(self, mandate_id: int) -> bytes:
        """The mandate's PDF, built from the client's current data."""
        response = await self._request(
            "GET",
            f"/mandates/{mandate_id}/document",
            repeat=Repeat.SAFE,
            headers={"Accept": "application/pdf"},
            consume=_read,
        )
        _expect_pdf(response)
        return response.content

    async def download_mandate(self, mandate_id: int, path: str | os.PathLike[str]) -> Path:
        """Save the mandate's PDF at `path`, or in the folder `path` under the server's file name.

        The file appears whole or not at all: the PDF is written beside it first, then renamed into place.
        Returns the path of the saved file.
        """
        target = Path(path)
        into_folder = await anyio.Path(target).is_dir()

        async def save(response: httpx.Response) -> Path:
            _expect_pdf(response)
            final = target / _download_name(response, mandate_id) if into_folder else target
            return await _write_atomically(response, final)

        return await self._request(
            "GET",
            f"/mandates/{mandate_id}/document",
            repeat=Repeat.SAFE,
            headers={"Accept": "application/pdf"},
            consume=save,
        )

    async def archive_mandate(self, mandate_id: int) -> wire.Mandate:
        """Archive the mandate. The caller has asked the user first: this sends the confirmation."""
        body = wire.ArchiveRequest(confirm=True).model_dump()
        result = await self._act(wire.MandateResult, f"/mandates/{mandate_id}/archive", json=body)
        return result.mandate

    async def resend_mandate(self, mandate_id: int) -> wire.ResendResult:
        """E-mail the current mandate document to the client again (mode `service`)."""
        return await self._act(wire.ResendResult, f"/mandates/{mandate_id}/resend")

    async def sign_twikey(self, mandate_id: int) -> wire.SignTwikeyResult:
        """The Twikey link where the client signs this mandate."""
        return await self._act(wire.SignTwikeyResult, f"/mandates/{mandate_id}/sign-twikey")

    # --- the one road every request takes ------------------------------------------------------------------

    async def _act(self, model: type[M], path: str, *, json: Any = None) -> M:
        # One key per call, sent on every attempt: the server acts once and replays its answer to repeats.
        key = str(uuid.uuid4())
        return await self._call(
            model, "POST", path, json=json, headers={"Idempotency-Key": key}, repeat=Repeat.WITH_KEY
        )

    async def _call(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        repeat: Repeat = Repeat.SAFE,
    ) -> M:
        response = await self._request(
            method, path, params=params, json=json, headers=headers, repeat=repeat, consume=_read
        )
        return _decode(model.model_validate_json, response)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        repeat: Repeat,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        consume: Callable[[httpx.Response], Awaitable[T]],
    ) -> T:
        """Send until an answer is final, then `consume` the successful one (`_read`: keep its body)."""
        started = self._clock()
        retry = 0
        while True:
            request = self._http.build_request(method, path.lstrip("/"), params=params, json=json, headers=headers)
            try:
                return await self._attempt(request, consume)
            except ApiError as error:
                failure = error
            retry += 1
            wait = self._wait_before_retry(failure, repeat, retry, elapsed=self._clock() - started)
            if wait is None:
                raise failure
            logger.info(
                "%s %s: %s; trying again in %.1f s (%d of %d)",
                method,
                request.url.path,
                failure.code,
                wait,
                retry,
                self.retry_policy.max_retries,
            )
            await self._sleep(wait)

    def _wait_before_retry(self, failure: ApiError, repeat: Repeat, retry: int, *, elapsed: float) -> float | None:
        retry_after = None
        if isinstance(failure, ApiConnectionError):
            if not may_repeat(repeat, status=None, sent=failure.sent):
                return None
        elif failure.response is None or not may_repeat(
            repeat, status=failure.response.status_code, from_server=failure.body is not None
        ):
            return None
        else:
            retry_after = parse_retry_after(failure.response.headers.get("Retry-After"))
        return self.retry_policy.wait_before(retry, elapsed=elapsed, retry_after=retry_after)

    async def _attempt(self, request: httpx.Request, consume: Callable[[httpx.Response], Awaitable[T]]) -> T:
        """One exchange. httpx's own exceptions become `ApiConnectionError`s here and nowhere else."""
        safe_request = redact_request(request)
        no_answer: ApiError | None = None
        try:
            response = await self._http.send(request, stream=True)
            # Whatever keeps the response (an error, a caller) must not find the token through it.
            response.request = safe_request
            try:
                if response.is_success:
                    return await consume(response)
                await response.aread()
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            no_answer = self._translate(exc, safe_request)
        # Raised outside the `except`: the httpx exception, which holds the unredacted request, is not kept
        # as the error's context.
        if no_answer is not None:
            raise no_answer
        raise from_response(response, scrub=self._token)

    def _translate(self, exc: httpx.HTTPError, request: httpx.Request) -> ApiError:
        """httpx's exception as ours: no answer (`ApiConnectionError`), or an answer that could not be read."""
        host = request.url.host or str(self.base_url)
        detail = str(exc).replace(self._token, REDACTED) if self._token else str(exc)
        suffix = f" ({detail})" if detail else ""
        if isinstance(exc, httpx.DecodingError):
            message = f"The answer from {host} could not be decoded{suffix}"
            return InvalidResponseError(message, code="invalid_response", request=request)
        sent = not isinstance(exc, _NO_ANSWER_SENT)
        if isinstance(exc, httpx.TimeoutException):
            return ApiTimeoutError(
                f"The server at {host} did not answer within {self.timeout:g} s{suffix}", sent=sent, request=request
            )
        if not sent:
            return ApiConnectionError(f"Could not reach the server at {host}{suffix}", sent=False, request=request)
        return ApiConnectionError(
            f"The connection to {host} broke before the answer arrived{suffix}", sent=True, request=request
        )


def _body(changes: Changes) -> dict[str, Any]:
    """The JSON body of a check or save. A mapping goes as it is: the server names unknown fields (422)."""
    if isinstance(changes, wire.ClientChanges):
        return changes.as_body()
    return dict(changes)


async def _read(response: httpx.Response) -> httpx.Response:
    await response.aread()
    return response


def _decode(parse: Callable[[bytes], T], response: httpx.Response) -> T:
    try:
        return parse(response.content)
    except pydantic.ValidationError as exc:
        raise InvalidResponseError(
            f"The answer to {response.request.method} {response.request.url.path} is not what API v1 promises: "
            f"{exc.error_count()} problem(s), first at {'.'.join(map(str, exc.errors()[0]['loc'])) or 'top'}",
            code="invalid_response",
            request=response.request,
            response=response,
        ) from None


def _expect_pdf(response: httpx.Response) -> None:
    if not response.headers.get("Content-Type", "").startswith("application/pdf"):
        raise InvalidResponseError(
            f"Expected a PDF, got {response.headers.get('Content-Type', 'no content type')}",
            code="invalid_response",
            request=response.request,
            response=response,
        )


def _download_name(response: httpx.Response, mandate_id: int) -> str:
    """The server's file name (`Content-Disposition`), reduced to a plain name that cannot leave the folder."""
    fallback = f"mandate-{mandate_id}.pdf"
    header = response.headers.get("Content-Disposition")
    if not header:
        return fallback
    parsed = Message()
    parsed["Content-Disposition"] = header
    name = parsed.get_filename() or ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    if not name:
        return fallback
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


async def _write_atomically(response: httpx.Response, final: Path) -> Path:
    """Stream the body into a new file beside `final`, then rename it into place."""
    partial = anyio.Path(final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.part"))
    try:
        # "x": never write through a file or link someone else put there; the umask decides the mode.
        async with await anyio.open_file(partial, "xb") as file:
            async for chunk in response.aiter_bytes():
                await file.write(chunk)
            await file.flush()
            await anyio.to_thread.run_sync(os.fsync, file.wrapped.fileno())
        await partial.replace(final)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await partial.unlink(missing_ok=True)
        raise
    return final
