"""Reading, checking and saving a client record: SPEC §2-§5 through one firm's eyes.

`check` and `save` share one evaluation (validation, locks, duplicates, impact, warnings), so what the TUI
shows while the user types is exactly what the save will do. A save is one write transaction guarded by
the version the user edited: of two saves of one version exactly one wins, the other gets 412.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from api_client import models as wire
from server import rules
from server.auth import Principal
from server.clients import repository
from server.clients.folding import fold, search_text
from server.clients.present import present_client, stored_values
from server.clients.validation import NULLABLE_FIELDS, messages, validate_changes
from server.clock import utcnow
from server.db import Database
from server.errors import Duplicate, FieldLocked, NotFound, StaleVersion, ValidationFailed, VersionRequired
from server.i18n import translate
from server.mandates.present import present_mandate
from server.models import Client, Mandate

IF_MATCH = re.compile(r'\s*"(\d{1,18})"\s*')
"""`If-Match: "<version>"`, the form of the ETag the server sends; anything else is answered 428."""

UNIQUE_FIELDS = ("client_code", "enterprise_number")
MAX_ID = 2**31 - 1
"""The largest id the `clients.id` column (INTEGER) holds; PostgreSQL refuses a larger one with an error."""


def parse_if_match(value: str | None) -> int | None:
    """The version named by an `If-Match` header, or None if it is missing or not `"<digits>"`."""
    match = IF_MATCH.fullmatch(value or "")
    return int(match.group(1)) if match else None


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True)
class Evaluation:
    """What a partial body would do to a client, worked out without writing anything."""

    changed: dict[str, tuple[str | None, str | None]]
    """Field → (old, new) for the valid changes that no lock or duplicate refuses: what warnings speak of."""
    errors: dict[str, list[str]] = field(default_factory=dict)
    locked: dict[str, list[str]] = field(default_factory=dict)
    duplicates: dict[str, Client] = field(default_factory=dict)
    impact: rules.Impact = field(default_factory=rules.Impact)
    warnings: list[rules.WarningRule] = field(default_factory=list)

    def all_errors(self, language: str) -> dict[str, list[str]]:
        """Validation, lock and duplicate errors by field, as `check` lists them."""
        merged: dict[str, list[str]] = {name: list(found) for name, found in self.errors.items()}
        for name, found in self.locked.items():
            merged.setdefault(name, []).extend(found)
        for name, other in self.duplicates.items():
            merged.setdefault(name, []).append(_duplicate_message(name, other, language))
        return merged


class _Stale(Exception):
    """The version the caller edited is no longer the stored one."""


@dataclass(frozen=True)
class ClientService:
    """Client records of the caller's firm, with messages in the caller's language."""

    database: Database
    principal: Principal
    language: str
    twikey_configured: bool

    # --- reads ---------------------------------------------------------------------------------------

    def get(self, client_id: int) -> wire.Client:
        """The client with its locks and mandates; 404 for a missing id and for another firm's client."""
        with self.database.read() as session:
            client = self._client(session, client_id)
            return self._present(session, client, repository.mandates_of(session, self.principal.firm_id, client_id))

    def history(self, client_id: int) -> list[wire.HistoryEntry]:
        """Who changed what, newest first."""
        with self.database.read() as session:
            self._client(session, client_id)
            return [
                wire.HistoryEntry(
                    at=row.at,
                    user=wire.HistoryUser(id=row.user.id, name=row.user.name),
                    changes={name: (pair[0], pair[1]) for name, pair in row.changes.items()},
                )
                for row in repository.history(session, self.principal.firm_id, client_id)
            ]

    def check(self, client_id: int, changes: Mapping[str, str | None]) -> wire.CheckResult:
        """The errors, warnings and impacted mandates a save of `changes` would give; writes nothing."""
        with self.database.read() as session:
            client = self._client(session, client_id)
            mandates = repository.mandates_of(session, self.principal.firm_id, client_id)
            evaluation = self._evaluate(session, client, mandates, changes)
            impacted = [m for m in mandates if m.id in evaluation.impact.to_represent]
            return wire.CheckResult(
                errors=evaluation.all_errors(self.language),
                warnings=self._present_warnings(evaluation.warnings),
                impacted_mandates=self._present_mandates(session, client, impacted),
            )

    # --- the save ------------------------------------------------------------------------------------

    def save(self, client_id: int, changes: Mapping[str, str | None], if_match: str | None) -> wire.SaveResult:
        """Apply `changes` if the client is still at the version named by `if_match` (SPEC §6 PATCH)."""
        version = parse_if_match(if_match)
        if version is None:
            raise VersionRequired(translate("client.if_match_required", self.language))
        try:
            with self.database.write() as session:
                return self._save(session, client_id, version, changes)
        except _Stale:
            current = self.get(client_id)
            raise StaleVersion(
                translate("client.version_conflict", self.language, version=current.version),
                details={"client": current.model_dump(mode="json")},
                headers={"ETag": etag(current.version)},
            ) from None
        except IntegrityError as exc:
            # Two saves raced past the duplicate check; the unique index stopped the second one.
            raise self._duplicate_after_race(client_id, changes, exc) from None

    def _save(
        self, session: Session, client_id: int, version: int, changes: Mapping[str, str | None]
    ) -> wire.SaveResult:
        firm_id = self.principal.firm_id
        client = self._client(session, client_id, for_update=True)
        if client.version != version:
            raise _Stale
        mandates = repository.mandates_of(session, firm_id, client_id)
        evaluation = self._evaluate(session, client, mandates, changes)
        self._refuse_invalid(evaluation)
        if not evaluation.changed:
            return wire.SaveResult(client=self._present(session, client, mandates), warnings=[], impacted_mandates=[])

        now = utcnow()
        new_values = {name: new for name, (_old, new) in evaluation.changed.items()}
        stored = {**stored_values(client), **new_values}
        row: dict[str, Any] = {name: _column_value(name, value) for name, value in new_values.items()}
        row |= _derived_columns(stored)
        row["updated_at"] = now
        if not repository.update_client(session, firm_id, client_id, version=version, values=row):
            raise _Stale
        # The loaded rows take the values just written, instead of being read again: two statements fewer
        # for every save (about 1 ms on PostgreSQL).
        for name, value in (*row.items(), ("version", version + 1)):
            set_committed_value(client, name, value)
        impact = evaluation.impact
        touched = repository.touch_mandates(
            session, firm_id, new_document=impact.new_document, to_represent=impact.to_represent
        )
        for mandate in mandates:
            if mandate.id in touched:
                set_committed_value(mandate, "document_version", touched[mandate.id].document_version)
                set_committed_value(mandate, "needs_representation", touched[mandate.id].needs_representation)
        repository.add_history(
            session,
            firm_id=firm_id,
            client_id=client_id,
            user_id=self.principal.user_id,
            at=now,
            changes={name: [old, new] for name, (old, new) in evaluation.changed.items()},
        )
        session.flush()
        saved = self._present(session, client, mandates)
        return wire.SaveResult(
            client=saved,
            warnings=self._present_warnings(evaluation.warnings),
            impacted_mandates=[m for m in saved.mandates if m.id in impact.to_represent],
        )

    def _refuse_invalid(self, evaluation: Evaluation) -> None:
        """Raise the error a save answers: locks first (422 `field_locked`), then 422, then 409."""
        if evaluation.locked:
            fields = evaluation.all_errors(self.language)
            names = self._labels(evaluation.locked)
            raise FieldLocked(translate("client.field_locked", self.language, fields=names), fields=fields)
        if evaluation.errors:
            names = self._labels(evaluation.errors)
            raise ValidationFailed(
                translate("client.validation_error", self.language, fields=names), fields=evaluation.errors
            )
        if evaluation.duplicates:
            raise self._duplicate_error(evaluation.duplicates)

    def _duplicate_error(self, duplicates: Mapping[str, Client]) -> Duplicate:
        names = self._labels(duplicates)
        return Duplicate(
            translate("client.duplicate", self.language, fields=names),
            fields={name: [_duplicate_message(name, other, self.language)] for name, other in duplicates.items()},
            details={"duplicates": {name: {"id": other.id} for name, other in duplicates.items()}},
        )

    def _duplicate_after_race(
        self, client_id: int, changes: Mapping[str, str | None], exc: IntegrityError
    ) -> Duplicate:
        with self.database.read() as session:
            client = self._client(session, client_id)
            evaluation = self._evaluate(session, client, [], changes)
        if evaluation.duplicates:
            return self._duplicate_error(evaluation.duplicates)
        text = str(exc.orig)
        names = [name for name in UNIQUE_FIELDS if name in text or (name == "client_code" and "firm_code" in text)]
        names = names or [name for name in UNIQUE_FIELDS if name in changes]
        message = translate("client.duplicate", self.language, fields=self._labels(names))
        return Duplicate(message, fields={name: [message] for name in names})

    def _labels(self, names: Iterable[str]) -> str:
        """The fields' names in the request's language, for the top-level message of an error."""
        return ", ".join(translate(f"field.{name}", self.language) for name in sorted(names))

    # --- shared ---------------------------------------------------------------------------------------

    def _client(self, session: Session, client_id: int, *, for_update: bool = False) -> Client:
        # An id no database integer can hold names no client; SQLite would fail on it rather than find nothing.
        in_range = 0 < client_id <= MAX_ID
        client = (
            repository.get_client(session, self.principal.firm_id, client_id, for_update=for_update)
            if in_range
            else None
        )
        if client is None:
            raise NotFound(translate("client.not_found", self.language))
        return client

    def _evaluate(
        self, session: Session, client: Client, mandates: list[Mandate], changes: Mapping[str, str | None]
    ) -> Evaluation:
        stored = stored_values(client)
        validated = validate_changes(stored, changes)
        changed = rules.changed_fields(stored, validated.values)
        violations = rules.lock_violations(stored, changed)
        locked = {name: [translate(f"lock.{code}", self.language)] for name, code in violations.items()}
        allowed = {name: pair for name, pair in changed.items() if name not in violations}
        duplicates = self._duplicates(session, client, allowed)
        allowed = {name: pair for name, pair in allowed.items() if name not in duplicates}
        facts = [rules.MandateFacts(m.id, m.status, frozenset(m.bank.channel_list)) for m in mandates]
        impact = rules.impact(allowed, facts, mode=self.principal.mandate_management)
        return Evaluation(
            changed=allowed,
            errors=messages(validated.errors, self.language),
            locked=locked,
            duplicates=duplicates,
            impact=impact,
            warnings=rules.warnings(allowed, impact, delivery_root=self.principal.delivery_root),
        )

    def _duplicates(
        self, session: Session, client: Client, changed: Mapping[str, tuple[str | None, str | None]]
    ) -> dict[str, Client]:
        found: dict[str, Client] = {}
        firm_id = self.principal.firm_id
        new_code = changed.get("client_code", (None, None))[1]
        if new_code:
            other = repository.client_with_code_key(session, firm_id, fold(new_code), other_than=client.id)
            if other is not None:
                found["client_code"] = other
        new_number = changed.get("enterprise_number", (None, None))[1]
        if new_number:
            other = repository.client_with_enterprise_number(session, firm_id, new_number, other_than=client.id)
            if other is not None:
                found["enterprise_number"] = other
        return found

    def _present(self, session: Session, client: Client, mandates: list[Mandate]) -> wire.Client:
        return present_client(
            client,
            mandates,
            self.principal,
            twikey_configured=self.twikey_configured,
            language=self.language,
            last_messages=repository.last_messages(session, [m.id for m in mandates]),
        )

    def _present_mandates(self, session: Session, client: Client, mandates: list[Mandate]) -> list[wire.Mandate]:
        messages_by_mandate = repository.last_messages(session, [m.id for m in mandates])
        return [
            present_mandate(
                m,
                mode=self.principal.mandate_management,
                client_has_email=bool(client.email),
                twikey_configured=self.twikey_configured,
                language=self.language,
                last_message=messages_by_mandate.get(m.id),
            )
            for m in mandates
        ]

    def _present_warnings(self, found: list[rules.WarningRule]) -> list[wire.ClientWarning]:
        return [present_warning(rule, self.language) for rule in found]


def present_warning(rule: rules.WarningRule, language: str) -> wire.ClientWarning:
    """A warning in words: a cleared e-mail and a language change get their own phrasing."""
    key = f"warning.{rule.code}"
    params = dict(rule.details)
    if rule.code == "email_changed" and not params.get("new"):
        key = "warning.email_removed"
    if rule.code == "language_changed":
        params["old_name"] = translate(f"language.{params['old']}", language)
        params["new_name"] = translate(f"language.{params['new']}", language)
    return wire.ClientWarning(
        code=rule.code,
        field=rule.field,
        message=translate(key, language, **params),
        details=rule.details,
    )


def _duplicate_message(name: str, other: Client, language: str) -> str:
    label = translate(f"field.{name}", language)
    return translate(
        f"error.duplicate_{name}", language, field=label, other=f"{other.client_code}, {other.company_name}"
    )


def _column_value(name: str, value: str | None) -> str | None:
    """Rules compare None and "" as empty; the NOT NULL text columns store empty as ""."""
    if value is None and name not in NULLABLE_FIELDS:
        return ""
    return value


def _derived_columns(values: Mapping[str, str | None]) -> dict[str, str]:
    """The folded keys and search text of a client with these field values (SPEC: same statement)."""
    code = values.get("client_code") or ""
    name = values.get("company_name") or ""
    return {
        "client_code_key": fold(code),
        "name_key": fold(name),
        "search_text": search_text(
            company_name=name,
            client_code=code,
            email=values.get("email"),
            enterprise_number=values.get("enterprise_number"),
        ),
    }
