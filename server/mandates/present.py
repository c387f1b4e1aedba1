"""Mandate rows to wire `Mandate`s, with their actions worked out by `server.rules`."""

from __future__ import annotations

from collections.abc import Iterable

from api_client import models as wire
from server import rules
from server.i18n import translate
from server.models import Mandate, OutboxMessage


def present_actions(
    mandate: Mandate,
    *,
    mode: str,
    client_has_email: bool,
    twikey_configured: bool,
    language: str,
) -> list[wire.MandateAction]:
    found = rules.actions(
        mandate.status,
        frozenset(mandate.bank.channel_list),
        mode=mode,
        client_has_email=client_has_email,
        twikey_configured=twikey_configured,
    )
    return [
        wire.MandateAction(
            action=a.action,
            available=a.available,
            reason=a.reason,
            message=None if a.reason is None else translate(f"reason.{a.reason}", language),
        )
        for a in found
    ]


def present_delivery(message: OutboxMessage | None) -> wire.Delivery | None:
    if message is None:
        return None
    return wire.Delivery(
        message_id=message.message_id,
        kind=message.kind,
        status=message.status,
        to=message.to_addr,
        queued_at=message.created_at,
        sent_at=message.sent_at,
        error=message.last_error if message.status == "failed" else None,
        outbox_path=message.outbox_path,
    )


def present_mandate(
    mandate: Mandate,
    *,
    mode: str,
    client_has_email: bool,
    twikey_configured: bool,
    language: str,
    last_message: OutboxMessage | None = None,
) -> wire.Mandate:
    """The wire form of a mandate; `mandate.bank` must be loaded (it is, eagerly)."""
    bank = mandate.bank
    return wire.Mandate(
        id=mandate.id,
        client_id=mandate.client_id,
        kind="coda",
        bank=wire.Bank(bic=bank.bic, name=bank.name, channels=bank.channel_list),
        ibans=list(mandate.ibans),
        status=mandate.status,
        needs_representation=mandate.needs_representation,
        document_version=mandate.document_version,
        status_changed_at=mandate.status_changed_at,
        actions=present_actions(
            mandate,
            mode=mode,
            client_has_email=client_has_email,
            twikey_configured=twikey_configured,
            language=language,
        ),
        twikey_url=mandate.twikey_url if mandate.twikey_document_version == mandate.document_version else None,
        reminders_sent=mandate.reminders_sent,
        delivery=present_delivery(last_message),
    )


def last_messages(messages: Iterable[OutboxMessage]) -> dict[int, OutboxMessage]:
    """The newest outbox message of each mandate among `messages`."""
    newest: dict[int, OutboxMessage] = {}
    for message in messages:
        if message.mandate_id is None:
            continue
        current = newest.get(message.mandate_id)
        if current is None or message.id > current.id:
            newest[message.mandate_id] = message
    return newest
