"""Drafts: an edit in progress, kept on disk a moment after the last keystroke, so a crash or a kill loses nothing.

One file per server, firm and client, in the user's data folder (or `--data-dir`):

    drafts/<sha-256 of the server URL, 16 hex digits>/<firm id>/<client id>.json

A draft holds the client's version the edit started from, the stored values of the fields the user changed,
what they typed in those fields (only those), and when. Never the token, nor anything else the app holds. It is
written whole or not at all (a new file beside it, fsync, rename, fsync of the folder), readable by the user
only (files 0600, folders 0700).

The client screen keeps its draft through a `DraftKeeper`: written half a second after the last keystroke, in a
thread (an fsync can take a while on a slow disk; the keys never wait for it), removed by a successful save or
by dropping the changes. At start the app offers the drafts it finds (`tui.screens.restore_draft`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from api_client.models import EDITABLE_FIELDS, Client

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

    from tui.widgets.client_form import ClientForm

logger = logging.getLogger(__name__)

DRAFTS_FOLDER = "drafts"


class Draft(BaseModel):
    """An unsaved edit of one client, as kept on disk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    firm_id: int
    client_id: int
    client_code: str
    """The client's code when the edit started (server text: cleaned where shown)."""
    client_name: str
    """The client's company name when the edit started (server text: cleaned where shown)."""
    base_version: int
    """The version of the client the edit started from."""
    base: dict[str, str | None]
    """The stored value, at `base_version`, of each field the user changed."""
    changes: dict[str, str]
    """What the user typed in each field they changed, as the input held it."""
    saved_at: datetime

    @model_validator(mode="after")
    def _fields_are_editable(self) -> Draft:
        unknown = (set(self.changes) | set(self.base)) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"not editable fields: {sorted(unknown)}")
        if set(self.base) != set(self.changes):
            raise ValueError("base and changes name different fields")
        return self

    def base_record(self, current: Client) -> Client:
        """The client as the user saw it when they started: `current` with the changed fields as they were.

        Only the fields the user changed are known; the others are taken from `current`, so only those fields
        can show as changed on both sides.
        """
        return current.model_copy(update={**self.base, "version": self.base_version})


@dataclass(frozen=True)
class DraftKey:
    """Which draft: the server (by URL), the firm and the client."""

    server: str
    firm_id: int
    client_id: int


def server_folder_name(server: str) -> str:
    """The folder of a server's drafts: a hash, so the URL (and whatever it holds) is not a path."""
    return hashlib.sha256(server.encode("utf-8")).hexdigest()[:16]


class DraftStore:
    """The drafts folder. Safe to use from the UI thread and a writer thread at once.

    Each write carries a generation taken when its content was decided (`reserve`): a write whose generation
    is no longer the newest for its file is dropped, and `remove` takes a new generation, so a slow write of
    older text never lands after a newer one or after the draft was removed.
    """

    def __init__(self, folder: Path) -> None:
        """Initialise the store.

        Args:
            folder: The drafts folder itself (created, 0700, on the first write).
        """
        self.folder = folder
        self._lock = threading.Lock()
        self._generations: dict[Path, int] = {}

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> DraftStore:
        """The store in the `drafts` folder of the user's data folder."""
        return cls(data_dir / DRAFTS_FOLDER)

    def path(self, key: DraftKey) -> Path:
        return self.firm_folder(key.server, key.firm_id) / f"{key.client_id}.json"

    def firm_folder(self, server: str, firm_id: int) -> Path:
        return self.folder / server_folder_name(server) / str(firm_id)

    def reserve(self, key: DraftKey) -> int:
        """A generation for the next write of `key`'s draft; any older write not yet done is dropped."""
        path = self.path(key)
        with self._lock:
            generation = self._generations.get(path, 0) + 1
            self._generations[path] = generation
            return generation

    def write(self, key: DraftKey, draft: Draft, generation: int | None = None) -> bool:
        """Keep `draft` on disk, whole or not at all; False when a newer write or a removal came first.

        Raises:
            OSError: The folder or the file cannot be written (a full disk, a read-only folder).
        """
        path = self.path(key)
        data = draft.model_dump_json(indent=1).encode("utf-8")
        with self._lock:
            if generation is not None and self._generations.get(path) != generation:
                return False
            _make_private_folders(path.parent, below=self.folder.parent)
            _replace_atomically(path, data)
            return True

    def remove(self, key: DraftKey) -> None:
        """Forget `key`'s draft (saved, or dropped by the user); a write on its way is dropped too."""
        path = self.path(key)
        with self._lock:
            self._generations[path] = self._generations.get(path, 0) + 1
            path.unlink(missing_ok=True)

    def load(self, key: DraftKey) -> Draft | None:
        """The draft of `key`; None when there is none or it cannot be read."""
        return _read(self.path(key))

    def pending(self, server: str, firm_id: int) -> list[Draft]:
        """The drafts of this server and firm, newest first; a damaged file is skipped (and logged)."""
        folder = self.firm_folder(server, firm_id)
        try:
            files = sorted(folder.glob("*.json"))
        except OSError:
            return []
        drafts = [draft for path in files if (draft := _read(path)) is not None and draft.firm_id == firm_id]
        return sorted(drafts, key=lambda draft: draft.saved_at, reverse=True)


def _read(path: Path) -> Draft | None:
    try:
        return Draft.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError, ValueError) as error:
        logger.warning("draft %s cannot be read: %s", path.name, type(error).__name__)
        return None


def _make_private_folders(folder: Path, *, below: Path) -> None:
    """Create `folder` and its missing parents up to `below`, each readable by the user only."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != below and current.parent != current:
        missing.append(current)
        current = current.parent
    below.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def _replace_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a new 0600 file beside `path`, flush it to disk, and rename it into place."""
    partial_path = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    # O_EXCL: never write through a file or a link someone else put there.
    descriptor = os.open(partial_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial_path, path)
    except BaseException:
        partial_path.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); elsewhere the rename is what there is."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def draft_of(form: ClientForm, *, firm_id: int, now: datetime | None = None) -> Draft | None:
    """What the user typed in `form` that differs from the stored record, as a draft; None when nothing does."""
    from tui.widgets.client_form import shown_value

    base = form.base
    typed: dict[str, str] = {}
    stored: dict[str, str | None] = {}
    for field in form.fields:
        name = field.field_name
        if field.locked or field.value == shown_value(base, name):
            continue
        typed[name] = field.value
        stored[name] = base.value(name)
    if not typed:
        return None
    return Draft(
        firm_id=firm_id,
        client_id=base.id,
        client_code=base.client_code,
        client_name=base.company_name,
        base_version=base.version,
        base=stored,
        changes=typed,
        saved_at=now or datetime.now(UTC),
    )


async def restore_into(form: ClientForm, draft: Draft, current: Client) -> bool:
    """Put the draft's typed values in `form`, over the record as the user saw it when they typed them.

    Returns:
        True when the client changed on the server since (another version): the caller then rebases the form
        on `current`, which offers theirs or yours for each field both sides changed.
    """
    changed_since = current.version != draft.base_version
    await form.reset(draft.base_record(current) if changed_since else current)
    for name, value in draft.changes.items():
        field = form.field(name)
        if not field.locked:
            field.set_value(value)
    return changed_since


class DraftKeeper:
    """The client screen's draft: written `DELAY` seconds after the last keystroke, removed when it is no longer
    needed. Does nothing when the app keeps no drafts (`app.drafts` is None) or the firm is not known yet."""

    DELAY = 0.5
    """Seconds of quiet typing before the draft is written (well within the second a user may lose)."""

    def __init__(self, screen: Screen[Any], client_id: int, form: Callable[[], ClientForm | None]) -> None:
        """Initialise the keeper.

        Args:
            screen: The client screen (its timers and workers are the keeper's).
            client_id: The client being edited.
            form: The open form, or None when the screen is not editing.
        """
        self._screen = screen
        self._client_id = client_id
        self._form = form
        self._timer: Timer | None = None
        # The draft of the keystrokes waiting for their pause, decided as they come: a closing screen has its
        # inputs removed before it hears that it is closing.
        self._waiting: Draft | None = None
        self._owned = False  # a draft this screen wrote or restored: only that one is this screen's to remove

    def adopt(self) -> None:
        """The form was filled from the client's draft: it is this screen's now (a save or a drop removes it)."""
        self._owned = True

    @property
    def pending(self) -> bool:
        """True while a keystroke's draft waits for the typing to pause."""
        return self._timer is not None

    def typed(self) -> None:
        """Something in the form changed: write the draft once the typing pauses."""
        place = self._place()
        if place is None:
            return
        self._stop_timer()
        form = self._form()
        self._waiting = None if form is None else draft_of(form, firm_id=place[1].firm_id)
        self._timer = self._screen.set_timer(self.DELAY, self._write_later, name="draft")

    def flush(self) -> None:
        """Write a draft still waiting for its pause now, on this thread (the screen is going away)."""
        if self._timer is None:
            return
        draft = self._waiting
        self._stop_timer()
        place = self._place()
        if place is None:
            return
        store, key = place
        try:
            if draft is not None:
                self._owned = True
                store.write(key, draft, store.reserve(key))
            elif self._owned:
                store.remove(key)
        except OSError as error:
            logger.warning("the draft of client %s could not be written: %s", key.client_id, error.strerror)

    def discard(self) -> None:
        """The edit was saved or dropped: forget the draft, and any write still on its way."""
        self._stop_timer()
        place = self._place()
        if place is None or not self._owned:
            return
        store, key = place
        try:
            store.remove(key)
        except OSError as error:
            logger.warning("the draft of client %s could not be removed: %s", key.client_id, error.strerror)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._waiting = None

    def _place(self) -> tuple[DraftStore, DraftKey] | None:
        app = self._screen.app
        store = getattr(app, "drafts", None)
        me = getattr(app, "me", None)
        if not isinstance(store, DraftStore) or me is None or not getattr(app, "connected", False):
            return None
        server = getattr(getattr(app, "api", None), "base_url", None)
        if server is None:
            return None
        return store, DraftKey(str(server), me.firm.id, self._client_id)

    def _write_later(self) -> None:
        self._timer = None
        self._waiting = None
        place = self._place()
        form = self._form()
        if place is None or form is None:
            return
        store, key = place
        draft = draft_of(form, firm_id=key.firm_id)
        if draft is None:
            self.discard()  # typed back to what is stored: nothing left to lose
            return
        self._owned = True
        generation = store.reserve(key)
        self._screen.run_worker(
            partial(self._write_in_thread, store, key, draft, generation),
            group="client-draft",
            thread=True,
            exit_on_error=False,
        )

    def _write_in_thread(self, store: DraftStore, key: DraftKey, draft: Draft, generation: int) -> None:
        try:
            store.write(key, draft, generation)
        except OSError as error:
            app = self._screen.app
            text = f"Your edit could not be kept as a draft ({error.strerror}): save it soon."
            app.call_from_thread(app.notify, text, severity="warning", markup=False)
