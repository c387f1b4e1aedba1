"""Mandates: reading one, its document, and the actions of SPEC §5 (archive, resend, sign with Twikey).

Every action asks `server.rules.actions` whether it is available and answers 409 `action_unavailable` with
the reason when it is not. Slow work (building the PDF, calling Twikey) happens before the write
transaction, which then checks that the data it was built from is still current and retries otherwise:
a SQLite writer never holds the database while fpdf2 or Twikey work, and a PostgreSQL row lock is never held
across the internet.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from api_client import models as wire
from server import idempotency, rules
from server.auth import Principal
from server.clock import Clock
from server.config import Settings
from server.db import Database
from server.errors import ActionUnavailable, Conflict, NotFound, TooManyRequests, UpstreamFailed, ValidationFailed
from server.i18n import translate
from server.idempotency import Answer, IdempotencyKey
from server.mail.compose import UndeliverableAddress
from server.mail.outbox import queue_mandate_email
from server.mandates import repository
from server.mandates.documents import document_filename, render_mandate_pdf
from server.mandates.present import present_mandate
from server.mandates.twikey import InviteRequest, TwikeyClient, TwikeyError
from server.models import Client, Mandate

RESEND_WINDOW = timedelta(hours=1)
ATTEMPTS = 3
"""How often an action rebuilds its document or link when the client changed under it, before giving up."""
MAX_ID = 2**31 - 1
RECORD_REASONS = frozenset({"mandate_archived", "mandate_not_unsigned"})
"""Why `download` is off for a mandate past signing; its document stays readable as a record all the same."""


def _firm_timezone() -> ZoneInfo | None:
    try:
        return ZoneInfo("Europe/Brussels")
    except ZoneInfoNotFoundError:  # a machine without tz data: the UTC date is off by one hour at most
        return None


FIRM_TIMEZONE = _firm_timezone()


def local_date(moment: datetime) -> date:
    """The date in Belgium: the date printed on a document issued at `moment`."""
    return (moment.astimezone(FIRM_TIMEZONE) if FIRM_TIMEZONE else moment).date()


class _DataChanged(Exception):
    """The client or mandate changed between preparing an action and its transaction: prepare again."""


class MandateService:
    """The mandates of the caller's firm, in the caller's language."""

    def __init__(
        self,
        database: Database,
        principal: Principal,
        language: str,
        settings: Settings,
        *,
        twikey: TwikeyClient | None,
        clock: Clock,
    ) -> None:
        self.database = database
        self.principal = principal
        self.language = language
        self.settings = settings
        self.twikey = twikey
        self.clock = clock

    # --- reads ----------------------------------------------------------------------------------------

    def get(self, mandate_id: int) -> wire.Mandate:
        with self.database.read() as session:
            mandate, client = self._load(session, mandate_id)
            return self._present(session, mandate, client)

    def document(self, mandate_id: int) -> tuple[str, bytes]:
        """The mandate's PDF built from the client's current data, and its file name.

        Refused (409) when the bank takes no paper mandate. A mandate past signing, or archived, keeps its
        document readable as a record, though it can no longer be presented for signature.
        """
        with self.database.read() as session:
            mandate, client = self._load(session, mandate_id)
        rule = self._rule(mandate, client, "download")
        if not rule.available:
            if rule.reason not in RECORD_REASONS:
                raise self._unavailable("download", rule.reason)
            if "paper" not in mandate.bank.channel_list:
                raise self._unavailable("download", "bank_no_paper")
        pdf = render_mandate_pdf(client, mandate, issued_on=local_date(self.clock()))
        return document_filename(mandate), pdf

    # --- actions --------------------------------------------------------------------------------------

    def archive(self, mandate_id: int, key: IdempotencyKey | None, body: bytes) -> Answer:
        """Stop the mandate: status `archived`; it stays readable, and reminders stop with the status.

        `body` must be `{"confirm": true}`: archiving cannot be undone, so the caller confirms explicitly.
        """
        now = self.clock()
        done = idempotency.replay_if_done(self.database, key, now=now)
        if done is not None:
            return done
        self._require_confirmation(body)

        def act(session: Session) -> Answer:
            mandate, client = self._load(session, mandate_id, lock=True)
            self._require(mandate, client, "archive")
            mandate.status = "archived"
            mandate.status_changed_at = now
            mandate.needs_representation = False
            session.flush()
            result = wire.MandateResult(mandate=self._present(session, mandate, client))
            return Answer(200, result.model_dump_json())

        return idempotency.run(self.database, key, act, now=now)

    def resend(self, mandate_id: int, key: IdempotencyKey | None) -> Answer:
        """E-mail the current document to the client (202): the outbox row and `sent_to_client` commit together."""
        now = self.clock()
        done = idempotency.replay_if_done(self.database, key, now=now)
        if done is not None:
            return done
        for _ in range(ATTEMPTS):
            with self.database.read() as session:
                mandate, client = self._load(session, mandate_id)
                self._require(mandate, client, "resend")
                self._check_resend_limit(session, mandate, now)
            pdf = render_mandate_pdf(client, mandate, issued_on=local_date(now))
            seen = (client.version, mandate.document_version)
            try:
                return idempotency.run(self.database, key, partial(self._resend, mandate_id, pdf, seen, now), now=now)
            except _DataChanged:
                continue
        raise Conflict(translate("error.mandate_changed", self.language))

    def _resend(self, mandate_id: int, pdf: bytes, seen: tuple[int, int], now: datetime, session: Session) -> Answer:
        mandate, client = self._load(session, mandate_id, lock=True)
        self._require(mandate, client, "resend")
        self._check_resend_limit(session, mandate, now)
        if (client.version, mandate.document_version) != seen:
            raise _DataChanged
        try:
            message = queue_mandate_email(
                session,
                self.settings,
                client=client,
                mandate=mandate,
                pdf=pdf,
                twikey_url=_current_link(mandate),
                kind="mandate",
                now=now,
            )
        except UndeliverableAddress as error:
            message_text = translate("error.email_undeliverable", self.language)
            raise ValidationFailed(message_text, fields={"email": [message_text]}) from error
        if mandate.status != "sent_to_client":
            mandate.status = "sent_to_client"
            mandate.status_changed_at = now
        mandate.sent_to_client_at = now
        mandate.reminders_sent = 0
        mandate.last_reminder_at = None
        mandate.needs_representation = False
        session.flush()
        result = wire.ResendResult(mandate=self._present(session, mandate, client), message_id=message.message_id)
        return Answer(202, result.model_dump_json())

    def sign_twikey(self, mandate_id: int, key: IdempotencyKey | None) -> Answer:
        """The Twikey signing link of the mandate's current document version, created at Twikey once."""
        now = self.clock()
        done = idempotency.replay_if_done(self.database, key, now=now)
        if done is not None:
            return done
        for _ in range(ATTEMPTS):
            with self.database.read() as session:
                mandate, client = self._load(session, mandate_id)
                self._require(mandate, client, "sign_twikey")
            seen = (client.version, mandate.document_version)
            # Twikey is called with no transaction open; the transaction below checks nothing moved meanwhile.
            invite = None if _current_link(mandate) else self._invite(self._invite_request(mandate, client))
            try:
                act: Callable[[Session], Answer] = partial(self._store_link, mandate_id, invite, seen)
                return idempotency.run(self.database, key, act, now=now)
            except _DataChanged:
                continue
        raise Conflict(translate("error.mandate_changed", self.language))

    def _store_link(
        self, mandate_id: int, invite_link: tuple[str, str] | None, seen: tuple[int, int], session: Session
    ) -> Answer:
        mandate, client = self._load(session, mandate_id, lock=True)
        self._require(mandate, client, "sign_twikey")
        url = _current_link(mandate)
        if url is None:
            # No link for this version yet (or it went stale since): store ours if it was made from this data.
            if invite_link is None or (client.version, mandate.document_version) != seen:
                raise _DataChanged
            url, mndt_id = invite_link
            mandate.twikey_url = url
            mandate.twikey_mndt_id = mndt_id
            mandate.twikey_document_version = mandate.document_version
            session.flush()
        result = wire.SignTwikeyResult(url=url, mandate=self._present(session, mandate, client))
        return Answer(200, result.model_dump_json())

    # --- Twikey ---------------------------------------------------------------------------------------

    def _invite_request(self, mandate: Mandate, client: Client) -> InviteRequest:
        template = self.settings.twikey_template_id
        if not template:
            raise self._unavailable(
                "sign_twikey",
                "twikey_not_configured",
                translate("error.twikey_template_missing", self.language),
            )
        return InviteRequest(
            ct=template,
            language=client.language,
            email=client.email,
            company_name=client.company_name,
            enterprise_number=client.enterprise_number,
            address=client.street,
            city=client.city,
            zip=client.postal_code,
            country=client.country,
            iban=mandate.ibans[0] if mandate.ibans else "",
            bic=mandate.bank.bic,
            customer_number=client.client_code,
        )

    def _invite(self, request: InviteRequest) -> tuple[str, str]:
        if self.twikey is None:
            raise self._unavailable("sign_twikey", "twikey_not_configured")
        try:
            invite = self.twikey.invite(request)
        except TwikeyError as exc:
            raise UpstreamFailed(
                translate("error.twikey_failed", self.language, message=exc.message),
                code="twikey_error",
                details={"twikey_code": exc.code, "twikey_message": exc.message},
            ) from exc
        return invite.url, invite.mndt_id

    # --- helpers --------------------------------------------------------------------------------------

    def _require_confirmation(self, body: bytes) -> None:
        """`{"confirm": true}` exactly; anything else is 422 naming `confirm` (or the unknown field)."""
        try:
            data: Any = json.loads(body) if body.strip() else {}
        except ValueError:
            data = None
        message = translate("error.archive_confirm_required", self.language)
        if not isinstance(data, dict) or data.get("confirm") is not True:
            raise ValidationFailed(message, fields={"confirm": [message]})
        unknown = sorted(set(data) - {"confirm"})
        if unknown:
            # Worded as the app-wide handler words unknown fields (`server.errors`).
            fields = {name: [f"{name} is not a known field"] for name in unknown}
            raise ValidationFailed(f"Invalid request: {', '.join(unknown)}", fields=fields)

    def _load(self, session: Session, mandate_id: int, *, lock: bool = False) -> tuple[Mandate, Client]:
        """The mandate and its client; 404 alike for a missing id and another firm's mandate.

        With `lock`, the client is share-locked before the mandate is locked for update: the order in which
        a client save takes them, so the two never wait on each other in a circle.
        """
        firm_id = self.principal.firm_id
        mandate = repository.get_mandate(session, firm_id, mandate_id) if 0 < mandate_id <= MAX_ID else None
        if mandate is None:
            raise NotFound(translate("error.mandate_not_found", self.language, id=mandate_id))
        client = repository.get_client(session, firm_id, mandate.client_id, for_share=lock)
        if lock:
            locked = repository.get_mandate(session, firm_id, mandate_id, for_update=True)
            if locked is None:
                raise NotFound(translate("error.mandate_not_found", self.language, id=mandate_id))
            mandate = locked
        return mandate, client

    def _rule(self, mandate: Mandate, client: Client, action: str) -> rules.ActionRule:
        found = rules.actions(
            mandate.status,
            frozenset(mandate.bank.channel_list),
            mode=self.principal.mandate_management,
            client_has_email=bool(client.email),
            twikey_configured=self.settings.twikey_configured,
        )
        return next(rule for rule in found if rule.action == action)

    def _require(self, mandate: Mandate, client: Client, action: str) -> None:
        rule = self._rule(mandate, client, action)
        if not rule.available:
            raise self._unavailable(action, rule.reason)

    def _unavailable(self, action: str, reason: str | None, message: str | None = None) -> ActionUnavailable:
        reason = reason or "mandate_not_unsigned"
        return ActionUnavailable(
            message or translate(f"reason.{reason}", self.language),
            details={"action": action, "reason": reason},
        )

    def _check_resend_limit(self, session: Session, mandate: Mandate, now: datetime) -> None:
        """At most `resend_limit_per_hour` mandate e-mails per mandate in any hour, counted in the outbox."""
        limit = self.settings.resend_limit_per_hour
        count, oldest = repository.mandate_emails_since(session, mandate.id, now - RESEND_WINDOW)
        if count < limit:
            return
        wait = max(1, math.ceil(((oldest or now) + RESEND_WINDOW - now).total_seconds()))
        raise TooManyRequests(
            translate("error.resend_rate_limited", self.language, limit=limit, minutes=math.ceil(wait / 60)),
            details={"retry_after": wait, "limit": limit},
            headers={"Retry-After": str(wait)},
        )

    def _present(self, session: Session, mandate: Mandate, client: Client) -> wire.Mandate:
        return present_mandate(
            mandate,
            mode=self.principal.mandate_management,
            client_has_email=bool(client.email),
            twikey_configured=self.settings.twikey_configured,
            language=self.language,
            last_message=repository.last_message(session, mandate.id),
        )


def _current_link(mandate: Mandate) -> str | None:
    """The Twikey link made for the mandate's current document version, if there is one."""
    if mandate.twikey_url and mandate.twikey_document_version == mandate.document_version:
        return mandate.twikey_url
    return None
