"""The edit rules of SPEC §3-§5 as pure functions: locks, warnings, impact on mandates, action availability.

No SQL and no HTTP here: callers pass the stored values and the normalised changes, and get codes and
details back; `server.i18n` turns codes into words. Tests in `tests/server/test_rules.py` cover every case
as a table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api_client.models import PRINTED_FIELDS, UNSIGNED_STATUSES

Values = Mapping[str, str | None]
"""A client's editable fields by name; None or "" is empty."""

EMAIL_CAPABLE_MODE = "service"
SIGNABLE_STATUSES = frozenset({"in_preparation", "available_online", "sent_to_client"})
"""Twikey can sign an unsigned mandate unless it is in `problem` (SPEC §5)."""


def is_empty(value: str | None) -> bool:
    return value is None or value == ""


# --- locks (L1, L2) -----------------------------------------------------------------------------------

LOCK_ENTERPRISE_NUMBER = "enterprise_number_locked"
LOCK_NAME_NEEDS_NUMBER = "enterprise_number_missing"


def locks(stored: Values) -> dict[str, str]:
    """Field → lock code, from the stored values only.

    L1: the enterprise number cannot change once stored. L2: the company name is locked while no
    enterprise number is stored, which also covers the save that fills the number in.
    """
    if is_empty(stored.get("enterprise_number")):
        return {"company_name": LOCK_NAME_NEEDS_NUMBER}
    return {"enterprise_number": LOCK_ENTERPRISE_NUMBER}


def changed_fields(stored: Values, changes: Values) -> dict[str, tuple[str | None, str | None]]:
    """Field → (old, new) for the normalised changes that differ from the stored values.

    Empty strings and None are the same "empty" so that clearing an empty field is not a change.
    """
    result: dict[str, tuple[str | None, str | None]] = {}
    for name, new in changes.items():
        old = stored.get(name)
        if (is_empty(old) and is_empty(new)) or old == new:
            continue
        result[name] = (None if is_empty(old) else old, None if is_empty(new) else new)
    return result


def lock_violations(stored: Values, changed: Mapping[str, object]) -> dict[str, str]:
    """Field → lock code for each changed field that its lock forbids."""
    return {name: code for name, code in locks(stored).items() if name in changed}


# --- mandates: impact ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MandateFacts:
    """What the rules need to know of a mandate."""

    id: int
    status: str
    channels: frozenset[str]


@dataclass(frozen=True)
class Impact:
    """What a save does to the client's mandates."""

    new_document: frozenset[int] = frozenset()
    """Mandates that get a new document version (a printed field changed)."""
    to_represent: frozenset[int] = frozenset()
    """Mandates marked `needs_representation` and listed as `impacted_mandates`."""
    printed_changes: tuple[str, ...] = ()


def impact(
    changed: Mapping[str, tuple[str | None, str | None]],
    mandates: Sequence[MandateFacts],
    *,
    mode: str,
) -> Impact:
    """Which mandates a save impacts (SPEC §5).

    A change to a field printed on mandates gives every unsigned mandate a new document to present. In mode
    `service`, an e-mail added to a client with none makes its `in_preparation` mandates sendable, so they
    are impacted too (without a new document, as nothing printed changed).
    """
    printed = tuple(sorted(name for name in changed if name in PRINTED_FIELDS))
    unsigned = {m.id for m in mandates if m.status in UNSIGNED_STATUSES}
    new_document = frozenset(unsigned) if printed else frozenset()
    to_represent = set(new_document)
    old_email, new_email = changed.get("email", (None, None))
    if mode == EMAIL_CAPABLE_MODE and "email" in changed and is_empty(old_email) and not is_empty(new_email):
        to_represent |= {m.id for m in mandates if m.status == "in_preparation"}
    return Impact(new_document=new_document, to_represent=frozenset(to_represent), printed_changes=printed)


# --- warnings (SPEC §4) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarningRule:
    code: str
    field: str
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


def delivery_folder(delivery_root: str, client_code: str) -> str:
    """Where the client's CODA files are delivered: `<root>/<client code>/CODA`."""
    return f"{delivery_root.rstrip('/')}/{client_code}/CODA"


def warnings(
    changed: Mapping[str, tuple[str | None, str | None]],
    result: Impact,
    *,
    delivery_root: str,
) -> list[WarningRule]:
    """The informative warnings a save would cause, in the order the edit screen shows fields."""
    found: list[WarningRule] = []
    if "client_code" in changed:
        old, new = changed["client_code"]
        found.append(
            WarningRule(
                "client_code_changed",
                "client_code",
                {
                    "old_path": delivery_folder(delivery_root, old or ""),
                    "new_path": delivery_folder(delivery_root, new or ""),
                },
            )
        )
    old_number, new_number = changed.get("enterprise_number", (None, None))
    if is_empty(old_number) and not is_empty(new_number):
        # Only filling the number in is allowed (L1); any other change is refused, not warned about.
        found.append(WarningRule("enterprise_number_set", "enterprise_number", {"value": new_number}))
    if "email" in changed:
        old, new = changed["email"]
        found.append(WarningRule("email_changed", "email", {"old": old, "new": new}))
    if "language" in changed:
        old, new = changed["language"]
        found.append(WarningRule("language_changed", "language", {"old": old, "new": new}))
    if result.to_represent:
        fields = list(result.printed_changes) or ["email"]
        found.append(
            WarningRule(
                "mandates_to_represent",
                fields[0],
                {
                    "count": len(result.to_represent),
                    "fields": fields,
                    "mandate_ids": sorted(result.to_represent),
                },
            )
        )
    return found


# --- mandate actions (SPEC §5) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRule:
    action: str
    available: bool
    reason: str | None = None


def actions(
    status: str,
    channels: frozenset[str] | set[str],
    *,
    mode: str,
    client_has_email: bool,
    twikey_configured: bool,
) -> list[ActionRule]:
    """The four actions of a mandate, each available or not with the first reason that forbids it.

    SPEC §5 defines the actions on unsigned mandates. A mandate that is not unsigned has nothing to
    present: download, Twikey and resend answer `mandate_not_unsigned`; archive stays possible until it is
    archived (an office stops a mandate at any stage).
    """
    if status == "archived":
        return [
            ActionRule(name, False, "mandate_archived") for name in ("download", "sign_twikey", "archive", "resend")
        ]
    if status not in UNSIGNED_STATUSES:
        return [
            ActionRule("download", False, "mandate_not_unsigned"),
            ActionRule("sign_twikey", False, "mandate_not_unsigned"),
            ActionRule("archive", True),
            ActionRule("resend", False, "mandate_not_unsigned"),
        ]
    return [
        _download(channels),
        _sign_twikey(status, channels, twikey_configured),
        ActionRule("archive", True),
        _resend(mode, client_has_email),
    ]


def _download(channels: frozenset[str] | set[str]) -> ActionRule:
    if "paper" not in channels:
        return ActionRule("download", False, "bank_no_paper")
    return ActionRule("download", True)


def _sign_twikey(status: str, channels: frozenset[str] | set[str], twikey_configured: bool) -> ActionRule:
    if "twikey" not in channels:
        return ActionRule("sign_twikey", False, "bank_no_twikey")
    if status not in SIGNABLE_STATUSES:
        return ActionRule("sign_twikey", False, "status_not_signable")
    if not twikey_configured:
        return ActionRule("sign_twikey", False, "twikey_not_configured")
    return ActionRule("sign_twikey", True)


def _resend(mode: str, client_has_email: bool) -> ActionRule:
    if mode != EMAIL_CAPABLE_MODE:
        return ActionRule("resend", False, "firm_manages_mandates")
    if not client_has_email:
        return ActionRule("resend", False, "client_has_no_email")
    return ActionRule("resend", True)
