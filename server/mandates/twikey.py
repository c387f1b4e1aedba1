"""A small synchronous client of Twikey's creditor API: log in, invite a client to sign a mandate.

Twikey's contract (DOMAIN.md §6, Twikey's swagger and its official Python client):
- `POST /creditor` with the form field `apiToken` logs in; the session token comes back in the
  `Authorization` response header and stays valid 24 hours (we log in again after 23).
- Every other call sends that token in `Authorization`, form-encoded bodies, `Accept: application/json`.
- Errors mostly arrive with HTTP 200: the `ApiErrorCode` and `ApiError` headers say it failed, and the JSON
  body holds `code` and `message`. Authentication errors may come without those headers, as 401/403.
- `POST /creditor/invite` prepares a mandate and answers `{url, key, mndtId}`.

The session token is kept in this process only: each server process logs in for itself.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from server.clock import Clock, utcnow
from server.config import Settings

SESSION_LIFETIME = timedelta(hours=23)
"""Twikey's session token lasts 24 hours; renew an hour early so a call never carries a dying token."""
USER_AGENT = "codadesk/0.1 (+twikey creditor API)"


class TwikeyError(Exception):
    """Twikey refused a call or could not be reached; `message` is Twikey's own words where it gave any."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class InviteRequest:
    """The fields of `POST /creditor/invite` that a CODA mandate fills in (names as Twikey spells them)."""

    ct: str
    """The contract template id (Twikey dashboard: Settings / Templates)."""
    language: str
    """`fr`, `nl`, `de` or `en`: the language Twikey shows the signing page in (form field `l`)."""
    email: str | None
    company_name: str
    enterprise_number: str | None
    """Ten digits; sent as `coc` (enterprise number) and, in VAT form `BE0XXXXXXXXX`, as `vatno`."""
    address: str
    city: str
    zip: str
    country: str
    iban: str
    bic: str
    customer_number: str

    def form(self) -> dict[str, str]:
        """The form body; empty values are left out, as Twikey's client does."""
        fields = {
            "ct": self.ct,
            "l": self.language,
            "email": self.email or "",
            "companyName": self.company_name,
            "coc": self.enterprise_number or "",
            "vatno": f"BE{self.enterprise_number}" if self.enterprise_number else "",
            "address": self.address,
            "city": self.city,
            "zip": self.zip,
            "country": self.country,
            "iban": self.iban,
            "bic": self.bic,
            "customerNumber": self.customer_number,
        }
        return {name: value for name, value in fields.items() if value}


@dataclass(frozen=True)
class Invite:
    """Twikey's answer to an invite: the link the client signs at, and the mandate's id at Twikey."""

    url: str
    key: str | None
    mndt_id: str


def _base(url: str) -> str:
    """The API root, whether the setting names `https://api.twikey.com` or `.../creditor`."""
    url = url.rstrip("/")
    return url.removesuffix("/creditor")


class TwikeyClient:
    """Twikey's creditor API for one API key; thread-safe (FastAPI calls it from its thread pool)."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "https://api.twikey.com",
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        clock: Clock = utcnow,
    ) -> None:
        self._api_key = api_key
        self._clock = clock
        self._http = httpx.Client(
            base_url=_base(base_url),
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._lock = threading.Lock()
        self._token: str | None = None
        self._logged_in_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utcnow) -> TwikeyClient:
        if not settings.twikey_api_key:
            raise ValueError("Twikey has no API key configured")
        return cls(settings.twikey_api_key, base_url=settings.twikey_base_url, clock=clock)

    def close(self) -> None:
        self._http.close()

    def invite(self, request: InviteRequest) -> Invite:
        """Prepare a mandate at Twikey and get its signing link (`POST /creditor/invite`)."""
        response = self._post_with_session("/creditor/invite", request.form())
        body = _json(response)
        url, mndt_id = body.get("url"), body.get("mndtId")
        if not isinstance(url, str) or not url or not isinstance(mndt_id, str) or not mndt_id:
            raise TwikeyError("Twikey's answer to the invite has no signing link")
        key = body.get("key")
        return Invite(url=url, key=key if isinstance(key, str) else None, mndt_id=mndt_id)

    # --- session -------------------------------------------------------------------------------------

    def _post_with_session(self, path: str, form: Mapping[str, str]) -> httpx.Response:
        token = self._session_token()
        response = self._send(path, form, token)
        if response.status_code in (401, 403):
            # The session ended early (Twikey restarted it, or another login replaced it): log in once more.
            token = self._session_token(renew=True, stale=token)
            response = self._send(path, form, token)
        _raise_for_error(response)
        return response

    def _send(self, path: str, form: Mapping[str, str], token: str) -> httpx.Response:
        try:
            return self._http.post(path, data=dict(form), headers={"Authorization": token})
        except httpx.HTTPError as exc:
            raise TwikeyError(f"Twikey could not be reached ({type(exc).__name__})") from exc

    def _session_token(self, *, renew: bool = False, stale: str | None = None) -> str:
        with self._lock:
            now = self._clock()
            fresh = self._logged_in_at is not None and now - self._logged_in_at < SESSION_LIFETIME
            if self._token is not None and fresh and not (renew and self._token == stale):
                return self._token
            self._token = self._login()
            self._logged_in_at = now
            return self._token

    def _login(self) -> str:
        try:
            response = self._http.post("/creditor", data={"apiToken": self._api_key})
        except httpx.HTTPError as exc:
            raise TwikeyError(f"Twikey could not be reached ({type(exc).__name__})") from exc
        retry_after = response.headers.get("X-Rate-Limit-Retry-After-Seconds")
        if retry_after is not None:
            raise TwikeyError(f"Too many logins to Twikey; retry after {retry_after} s", code="rate_limited")
        _raise_for_error(response)
        token: str | None = response.headers.get("Authorization")
        if not token:
            raise TwikeyError("Twikey's login answer carries no session token")
        return token


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _raise_for_error(response: httpx.Response) -> None:
    """Twikey's errors: the `ApiErrorCode`/`ApiError` headers (with HTTP 200), or an HTTP error status."""
    code = response.headers.get("ApiErrorCode")
    if code is None and response.is_success:
        return
    body = _json(response)
    message = body.get("message")
    if not isinstance(message, str) or not message:
        message = response.headers.get("ApiError") or code or f"HTTP {response.status_code}"
    body_code = body.get("code")
    raise TwikeyError(message, code=code or (body_code if isinstance(body_code, str) else None))
