"""The edit form of a client: one `Field` per editable field, and what the user changed against the stored record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from api_client.models import EDITABLE_FIELDS, Client, ClientWarning
from tui.safe_text import clean
from tui.widgets.field import ERROR_STYLE, Field
from tui.widgets.words import enterprise_number, field_label, language_name, say

OPTIONAL_FIELDS = frozenset({"enterprise_number", "email", "phone"})
"""Fields the server stores as None when empty: an empty input clears them."""

LANGUAGE_CHOICES = ("fr", "nl", "de", "en")


def shown_value(client: Client, field: str) -> str:
    """The stored value as the input shows it: cleaned like all server text, the enterprise number as `0XXX.XXX.XXX`.

    Changes are measured against this, so a stored control character never counts as a change by itself.
    """
    value = clean(client.value(field))
    return enterprise_number(value) if field == "enterprise_number" else value


class ClientForm(Vertical, can_focus=False):
    """Every editable field of a client, locked where the server says so, with messages under each.

    `changes()` is what a check or a save sends: the fields whose input differs from the stored record.
    After a conflicting save, `rebase()` takes the record as it is now and offers, per field both sides
    changed, a choice between theirs and yours.
    """

    def __init__(
        self,
        client: Client,
        *,
        language: str = "en",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Initialise the form.

        Args:
            client: The stored record the inputs start from.
            language: The UI language of the labels.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.base = client
        self.language = language

    def compose(self) -> ComposeResult:
        notes = Static("", id="form-notes")
        notes.display = False  # set here, not in on_mount: a form mounted as the app quits has no children to query
        yield notes
        for field in EDITABLE_FIELDS:
            lock = self.base.locks.get(field)
            choices = None
            if field == "language":
                choices = [(language_name(code, self.language), code) for code in LANGUAGE_CHOICES]
            yield Field(
                field,
                field_label(field, self.language),
                shown_value(self.base, field),
                lock=None if lock is None else lock.message,
                choices=choices,
                id=f"field-{field}",
            )

    def field(self, name: str) -> Field:
        return self.query_one(f"#field-{name}", Field)

    @property
    def fields(self) -> list[Field]:
        return list(self.query(Field))

    def focus_first(self) -> None:
        """Focus the first input that can be edited."""
        for field in self.fields:
            if not field.locked:
                field.focus_input()
                return

    def changes(self) -> dict[str, str | None]:
        """Field → new value for each unlocked input that differs from the stored record."""
        result: dict[str, str | None] = {}
        for field in self.fields:
            if field.locked:
                continue
            typed = field.value
            if typed == shown_value(self.base, field.field_name):
                continue
            if field.field_name in OPTIONAL_FIELDS and typed.strip() == "":
                if self.base.value(field.field_name) is None:
                    continue
                result[field.field_name] = None
            else:
                result[field.field_name] = typed
        return result

    @property
    def dirty(self) -> bool:
        """True when something typed is not saved."""
        return bool(self.changes())

    def show_results(
        self, errors: Mapping[str, Iterable[str]], warnings: Iterable[ClientWarning] = (), *, fallback: str = ""
    ) -> None:
        """Put each error and warning under the field it concerns; the rest above the form."""
        by_field: dict[str, list[Content]] = {}
        notes: list[Content] = []
        names = set(EDITABLE_FIELDS)
        for warning in warnings:
            line = warning_text(warning, self.language)
            if warning.field in names:
                by_field.setdefault(warning.field, []).append(line)
            else:
                notes.append(Content.assemble(("! ", "$text-warning"), line))
        for field_name, messages in errors.items():
            if field_name not in names:
                notes.extend(Content.styled(f"✗ {clean(m)}", ERROR_STYLE) for m in messages)
        if fallback:
            notes.append(Content.styled(f"✗ {clean(fallback)}", ERROR_STYLE))
        for field in self.fields:
            field.show(errors=list(errors.get(field.field_name, ())), warnings=by_field.get(field.field_name, []))
        self._show_notes(notes)

    def clear_results(self) -> None:
        self.show_results({}, [])

    def _show_notes(self, notes: list[Content]) -> None:
        static = self.query_one("#form-notes", Static)
        static.update(Content("\n").join(notes))
        static.display = bool(notes)

    async def reset(self, client: Client) -> None:
        """Start over from `client` as stored: its values, its locks, no message and no open choice."""
        self.base = client
        for field in self.fields:
            await field.clear_conflict()
            lock = client.locks.get(field.field_name)
            field.set_lock(None if lock is None else lock.message)
            if field.value != shown_value(client, field.field_name):
                field.set_value(shown_value(client, field.field_name))
        self.clear_results()

    async def rebase(self, current: Client) -> list[str]:
        """Take `current` (saved meanwhile) as the stored record, keeping what was typed here.

        A field only they changed takes their value; a field only this user changed keeps the typed value; a
        field both changed differently offers the choice (yours kept at first) unless it is now locked, in
        which case theirs is taken and the typed value stays visible in the choice's "yours" line.

        Returns:
            The fields that have a choice open.
        """
        previous = self.base
        conflicted: list[str] = []
        self.base = current
        for field in self.fields:
            name = field.field_name
            await field.clear_conflict()
            lock = current.locks.get(name)
            old = shown_value(previous, name)
            theirs = shown_value(current, name)
            typed = field.value
            mine_changed = typed != old
            theirs_changed = theirs != old
            if theirs_changed and not mine_changed:
                field.set_value(theirs)
            elif theirs_changed and mine_changed and typed != theirs:
                await field.show_conflict(
                    theirs, typed, theirs_label=say("theirs", self.language), yours_label=say("yours", self.language)
                )
                conflicted.append(name)
                if lock is not None:
                    field.set_value(theirs)
            field.set_lock(None if lock is None else lock.message)
        return conflicted


def warning_text(warning: ClientWarning, language: str) -> Content:
    """A warning in words, with the details a user needs that its message may leave out."""
    message = clean(warning.message)
    details = warning.details
    extra = ""
    if warning.code == "client_code_changed":
        old, new = clean(details.get("old_path", "")), clean(details.get("new_path", ""))
        if old and new and (old not in message or new not in message):
            extra = say("folder_change", language, old=old, new=new)
    elif warning.code == "mandates_to_represent":
        count = details.get("count")
        if isinstance(count, int) and str(count) not in message:
            extra = say("mandates_count", language, count=count)
    text = f"{message} ({extra})" if extra else message
    return Content.styled(text, "$text-warning")
