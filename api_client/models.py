"""The wire models of codadesk's HTTP API v1: the one contract between server, client and TUI.

The server builds its answers from these classes and validates its request bodies with them; the client
parses every answer into them. Field names and meanings are those of SPEC §2, §5 and §6.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["fr", "nl", "de", "en"]
"""Language of the documents and e-mails a client receives."""

MandateManagement = Literal["firm", "service"]
"""`firm`: the office manages its clients' mandates; `service`: the service e-mails them and reminds."""

MandateStatus = Literal[
    "registered",
    "in_preparation",
    "available_online",
    "sent_to_client",
    "problem",
    "signed",
    "bank_procedure",
    "active",
    "archived",
]
UNSIGNED_STATUSES: frozenset[str] = frozenset({"available_online", "in_preparation", "sent_to_client", "problem"})
"""Statuses whose mandate must be presented to the client again when its printed data changes."""

Channel = Literal["twikey", "paper", "bank_app"]
"""How a bank lets a mandate be signed: e-signature through Twikey, paper, or the bank's own app."""

ActionName = Literal["download", "sign_twikey", "archive", "resend"]
ActionReason = Literal[
    "bank_no_paper",
    "bank_no_twikey",
    "status_not_signable",
    "twikey_not_configured",
    "firm_manages_mandates",
    "client_has_no_email",
    "mandate_not_unsigned",
    "mandate_archived",
]
"""Why an action is not available (SPEC §5; the last two cover mandates that are not unsigned)."""

DeliveryStatus = Literal["queued", "sending", "sent", "failed"]

WarningCode = Literal[
    "client_code_changed",
    "enterprise_number_set",
    "email_changed",
    "mandates_to_represent",
    "language_changed",
]

EDITABLE_FIELDS: tuple[str, ...] = (
    "client_code",
    "company_name",
    "enterprise_number",
    "email",
    "language",
    "street",
    "postal_code",
    "city",
    "country",
    "representative_name",
    "representative_function",
    "phone",
)
"""The fields of a client that a check or a save may carry, in the order the edit screen shows them."""

READ_ONLY_FIELDS: tuple[str, ...] = (
    "id",
    "version",
    "delivery_folder",
    "locks",
    "mandates",
    "created_at",
    "updated_at",
)
"""Fields the server owns: a write that sends one is refused with 422."""

PRINTED_FIELDS: frozenset[str] = frozenset(
    {
        "company_name",
        "enterprise_number",
        "street",
        "postal_code",
        "city",
        "country",
        "representative_name",
        "representative_function",
        "language",
    }
)
"""Fields printed on a mandate document: changing one re-presents the unsigned mandates."""

MAX_PAGE_SIZE = 200


class WireModel(BaseModel):
    """Base of every answer: unknown fields from a newer server are ignored, values are immutable."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# --- identity ---------------------------------------------------------------------------------------


class User(WireModel):
    id: int
    name: str
    email: str


class Firm(WireModel):
    id: int
    name: str
    mandate_management: MandateManagement
    delivery_root: str


class Me(WireModel):
    user: User
    firm: Firm


# --- mandates -----------------------------------------------------------------------------------------


class Bank(WireModel):
    bic: str
    name: str
    channels: list[Channel]


class MandateAction(WireModel):
    action: ActionName
    available: bool
    reason: ActionReason | None = None
    message: str | None = None
    """The reason in words, in the language the request asked for; None when available."""


class Delivery(WireModel):
    """The last e-mail queued for this mandate and what became of it."""

    message_id: str
    kind: Literal["mandate", "reminder"]
    status: DeliveryStatus
    to: str
    queued_at: datetime
    sent_at: datetime | None = None
    error: str | None = None
    outbox_path: str | None = None
    """Where the `.eml` file was written when the server has no SMTP server configured."""


class Mandate(WireModel):
    id: int
    client_id: int
    kind: Literal["coda"]
    bank: Bank
    ibans: list[str]
    status: MandateStatus
    needs_representation: bool
    document_version: int
    status_changed_at: datetime
    actions: list[MandateAction]
    twikey_url: str | None = None
    reminders_sent: int = 0
    delivery: Delivery | None = None

    @property
    def unsigned(self) -> bool:
        return self.status in UNSIGNED_STATUSES

    def action(self, name: ActionName) -> MandateAction:
        """The entry for `name`; every mandate lists all four actions."""
        for entry in self.actions:
            if entry.action == name:
                return entry
        return MandateAction(action=name, available=False, reason="mandate_not_unsigned")


# --- clients ------------------------------------------------------------------------------------------


class Lock(WireModel):
    code: Literal["enterprise_number_locked", "enterprise_number_missing"]
    message: str


class ClientSummary(WireModel):
    """A row of the client table."""

    id: int
    version: int
    client_code: str
    company_name: str
    enterprise_number: str | None
    email: str | None
    language: Language
    city: str
    unsigned_mandates: int


class ClientPage(WireModel):
    items: list[ClientSummary]
    next_cursor: str | None
    total: int
    total_capped: bool
    """True when `total` stopped counting at the server's cap: show it as "1000+"."""


class Client(WireModel):
    id: int
    version: int
    client_code: str
    company_name: str
    enterprise_number: str | None
    """Ten digits (`0403019261`), or None while unknown; shown as `0403.019.261`."""
    email: str | None
    language: Language
    street: str
    postal_code: str
    city: str
    country: str
    representative_name: str
    representative_function: str
    phone: str | None
    delivery_folder: str
    locks: dict[str, Lock]
    mandates: list[Mandate]
    created_at: datetime
    updated_at: datetime

    def value(self, field: str) -> str | None:
        """The editable field's current value as the edit screen compares it."""
        result = getattr(self, field)
        return None if result is None else str(result)


class ClientChanges(BaseModel):
    """A partial body for `check` and `PATCH`: only the fields to change; None clears an optional one.

    Unknown and read-only fields are refused by the server with 422 naming the field.
    """

    model_config = ConfigDict(extra="forbid")

    client_code: str | None = None
    company_name: str | None = None
    enterprise_number: str | None = None
    email: str | None = None
    language: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    representative_name: str | None = None
    representative_function: str | None = None
    phone: str | None = None

    def as_body(self) -> dict[str, Any]:
        """Only the fields that were set, explicit None included."""
        return self.model_dump(exclude_unset=True)


class ClientWarning(WireModel):
    code: WarningCode
    field: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class CheckResult(WireModel):
    errors: dict[str, list[str]]
    warnings: list[ClientWarning]
    impacted_mandates: list[Mandate]


class SaveResult(WireModel):
    client: Client
    warnings: list[ClientWarning]
    impacted_mandates: list[Mandate]


class HistoryUser(WireModel):
    id: int
    name: str


class HistoryEntry(WireModel):
    at: datetime
    user: HistoryUser
    changes: dict[str, tuple[str | None, str | None]]
    """Field → (old, new), values as stored."""


# --- mandate actions -----------------------------------------------------------------------------------


class ArchiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: bool


class MandateResult(WireModel):
    mandate: Mandate


class SignTwikeyResult(WireModel):
    url: str
    mandate: Mandate


class ResendResult(WireModel):
    mandate: Mandate
    message_id: str


# --- errors --------------------------------------------------------------------------------------------


class ErrorDetail(WireModel):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None
    details: dict[str, Any] | None = None


class ErrorBody(WireModel):
    error: ErrorDetail
