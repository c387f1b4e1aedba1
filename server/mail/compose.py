"""The e-mail a client receives about a mandate: the request to sign it, or a reminder.

One plain-text part in the client's language and the mandate PDF attached. The message is built once, when
it is queued, with its `Message-ID` and `Date`: the outbox keeps its bytes so a retry sends exactly them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal

from server.mail.texts import DATE_FORMATS, FALLBACK_LANGUAGE, MAIL_LANGUAGES, mail_text
from server.models import Client, Mandate

MailKind = Literal["mandate", "reminder"]
MAX_REMINDERS = 3
"""Reminders a mandate gets at most (SPEC §5); subjects say "Reminder 2/3"."""


class UndeliverableAddress(ValueError):
    """The client's stored e-mail cannot be written as a recipient (data not written through the API)."""


_LINE_BREAKERS = dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029], " ")


def one_line(text: str) -> str:
    """`text` fit for a header: a stored name or bank name with CR/LF or other controls becomes one line
    (a header must never be split by data: that is how headers are injected)."""
    return " ".join(text.translate(_LINE_BREAKERS).split())


def recipient(client: Client) -> Address:
    """The `To` of an e-mail to `client`, or `UndeliverableAddress`."""
    try:
        return Address(display_name=one_line(client.company_name), addr_spec=client.email or "")
    except (ValueError, IndexError, HeaderParseError) as error:
        raise UndeliverableAddress(f"client {client.id}: the e-mail address cannot receive mail") from error


def deliverable(client: Client) -> bool:
    """Whether an e-mail to `client` can be written at all (no address is not one)."""
    try:
        recipient(client)
    except UndeliverableAddress:
        return False
    return True


@dataclass(frozen=True)
class ComposedEmail:
    """A message ready for the outbox: its bytes and the headers the outbox row repeats."""

    message_id: str
    to_addr: str
    subject: str
    raw: bytes


def attachment_name(mandate: Mandate) -> str:
    """`mandate-<id>-v<version>.pdf`: says which mandate and which version of its document."""
    return f"mandate-{mandate.id}-v{mandate.document_version}.pdf"


def new_message_id(mail_from: str) -> str:
    """A globally unique `Message-ID` in the sender's domain (RFC 5322 §3.6.4)."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "codadesk.invalid"
    return f"<{secrets.token_hex(16)}@{domain}>"


def group_iban(iban: str) -> str:
    """`BE31435411161155` → `BE31 4354 1116 1155`, as IBANs are printed."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def compose_mandate_email(
    *,
    mail_from: str,
    client: Client,
    mandate: Mandate,
    firm_name: str,
    pdf: bytes,
    twikey_url: str | None,
    kind: MailKind,
    now: datetime,
    reminder_number: int = 1,
    message_id: str | None = None,
) -> ComposedEmail:
    """The e-mail asking `client` to sign `mandate` (kind `mandate`) or reminding it to (kind `reminder`).

    Args:
        mail_from: the `From` header (the service's address).
        client: the recipient; `client.email` must be set.
        mandate: the mandate, with `mandate.bank` loaded.
        firm_name: the accounting office on whose behalf the service writes.
        pdf: the mandate document, attached as `mandate-<id>-v<version>.pdf`.
        twikey_url: the signing link, when the bank signs through Twikey and a link exists.
        kind: `mandate` (first sending or resend) or `reminder`.
        now: the `Date` of the message.
        reminder_number: which reminder (1-3) when `kind` is `reminder`.
        message_id: a fixed `Message-ID`; a new one by default.
    """
    if not client.email:
        raise UndeliverableAddress(f"client {client.id} has no e-mail address")
    to = recipient(client)
    language = client.language if client.language in MAIL_LANGUAGES else FALLBACK_LANGUAGE
    bank = mandate.bank
    filename = attachment_name(mandate)
    if kind == "reminder":
        subject = mail_text(
            "subject.reminder", language, number=reminder_number, total=MAX_REMINDERS, bank=one_line(bank.name)
        )
    else:
        subject = mail_text("subject.mandate", language, bank=one_line(bank.name))
    body = _body(
        language,
        client=client,
        mandate=mandate,
        firm_name=firm_name,
        twikey_url=twikey_url,
        kind=kind,
        filename=filename,
    )

    # Headers must be ASCII unless the server speaks SMTPUTF8; only an internationalised address needs that.
    message = EmailMessage(policy=policy.SMTP if client.email.isascii() else policy.SMTPUTF8)
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or new_message_id(mail_from)
    if kind == "reminder":
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office robots must not answer it
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = language  # set after the content: it describes the text part
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return ComposedEmail(
        message_id=str(message["Message-ID"]),
        to_addr=client.email,
        subject=subject,
        raw=message.as_bytes(),
    )


def _body(
    language: str,
    *,
    client: Client,
    mandate: Mandate,
    firm_name: str,
    twikey_url: str | None,
    kind: MailKind,
    filename: str,
) -> str:
    bank = mandate.bank
    channels = set(bank.channel_list)
    names = {"firm": firm_name, "company": client.company_name, "bank": bank.name, "bic": bank.bic}
    if client.representative_name:
        greeting = mail_text("greeting.named", language, name=client.representative_name)
    else:
        greeting = mail_text("greeting.anonymous", language)
    if kind == "reminder":
        sent_at = mandate.sent_to_client_at or mandate.status_changed_at
        intro = mail_text("intro.reminder", language, sent_on=sent_at.strftime(DATE_FORMATS[language]), **names)
    else:
        intro = mail_text("intro.mandate", language, **names)

    paragraphs = [greeting, intro]
    accounts = "\n".join(f"  {group_iban(iban)}" for iban in mandate.ibans)
    paragraphs.append(f"{mail_text('accounts', language)}\n{accounts}")
    if twikey_url:
        paragraphs.append(f"{mail_text('sign.twikey', language)}\n{twikey_url}")
        if "paper" in channels:
            paragraphs.append(mail_text("sign.paper_alternative", language, filename=filename))
    elif "paper" in channels:
        paragraphs.append(mail_text("sign.paper", language, filename=filename))
    else:
        paragraphs.append(mail_text("sign.digital_only", language, filename=filename, bank=bank.name))
    if "bank_app" in channels:
        paragraphs.append(mail_text("sign.bank_app", language, bank=bank.name))
    paragraphs.append(mail_text("reference", language, mandate_id=mandate.id, version=mandate.document_version))
    paragraphs.append(mail_text("questions", language, firm=firm_name))
    paragraphs.append(f"{mail_text('closing', language)}\n{mail_text('signature', language, firm=firm_name)}")
    return "\n\n".join(paragraphs) + "\n"
