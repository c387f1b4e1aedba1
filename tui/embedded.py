"""The server in-process, for `codadesk` started without a server: no port, no subprocess.

`open_embedded_client()` keeps a SQLite database in the user's data folder, migrates it, fills it with demo
data the first time, and answers with an `api_client.Client` whose transport calls the server app directly
(`httpx.ASGITransport`). It is async: the first start (migrate and seed) runs in a worker thread, so the TUI
can show that it is getting ready; later starts only read a token file and one row.

The server is imported inside the function, so that a user of a remote server never loads it (nor FastAPI,
nor SQLAlchemy): `import tui.embedded` costs nothing.

The data folder holds `codadesk.db` (with its WAL files), `token` (the demo user's bearer token, mode
0600), `schema.json` (the migration files the database was last brought up to date with), `outbox/`
(e-mails as `.eml` files when no SMTP server is configured) and `.lock` (held while a first start builds the
database, so two TUIs started at once do not both seed).

E-mails: a mail worker thread delivers the outbox while the client is open (as `.eml` files in `outbox/`
unless `CODADESK_SMTP_URL` is set), woken right after a resend so the file is there at once. It does not
queue reminders: every demo timestamp lies on or before 2026-01-05, so at the first start every mandate
"sent" in the demo would be due one, and rendering thousands of PDFs inside the TUI's process would slow
it down and fill the outbox with mail nobody asked for. Reminders are the `codadesk-server worker`'s job.

A later start skips Alembic altogether when the token file exists, the migration files are those listed in
`schema.json` and the database's `alembic_version` is the revision recorded there: one directory listing
and one row, where asking Alembic for its head would import and parse every migration (measured: 0.2-0.7 s).
A codadesk with a new migration file lists differently, so that start migrates.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import stat
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import httpx

from api_client import Client
from tui import paths

if TYPE_CHECKING:
    import threading
    from collections.abc import Iterator

    from fastapi import FastAPI

    from api_client import models as wire
    from server.config import Settings
    from server.db import Database
    from server.mail.worker import Worker

__all__ = ["EmbeddedClient", "EmbeddedStartError", "EmbeddedStartup", "open_embedded_client"]

DATABASE_FILE = "codadesk.db"
TOKEN_FILE = "token"  # noqa: S105 - the file name, not a secret
SCHEMA_STAMP_FILE = "schema.json"
OUTBOX_FOLDER = "outbox"
EMBEDDED_BASE_URL = "http://codadesk.embedded"
"""Never resolved: the transport hands requests to the app in-process."""


class EmbeddedStartError(Exception):
    """The embedded server could not start; the message says what to do."""


@dataclass(frozen=True)
class EmbeddedStartup:
    """What a start found and did: the TUI can say where the demo lives; tests check nothing was rebuilt."""

    data_dir: Path
    database_path: Path
    token_path: Path
    outbox_dir: Path
    migrated: bool
    """The schema was brought to the newest revision (first start, or a newer codadesk)."""
    seeded: bool
    """Demo data was written (first start only)."""
    token_issued: bool
    """A new token was written to `token_path` (first start, or the token file was removed)."""
    seconds: float
    """How long getting the server ready took (imports, database, app), before the first request."""


class EmbeddedClient(Client):
    """A `Client` bound to an in-process server; closing it stops the mail worker and closes the database."""

    def __init__(
        self,
        app: FastAPI,
        database: Database,
        mail_worker: Worker,
        *,
        token: str,
        startup: EmbeddedStartup,
        language: str | None,
    ) -> None:
        super().__init__(
            EMBEDDED_BASE_URL,
            token=token,
            # The app answers 500 in SPEC's error shape itself; don't also raise its exception into the caller.
            transport=httpx.ASGITransport(app, raise_app_exceptions=False),
            language=language,
        )
        self.startup = startup
        self._app = app
        self._database = database
        self._mail_worker = mail_worker
        self._mail_thread: threading.Thread | None = mail_worker.start_thread()

    async def resend_mandate(self, mandate_id: int) -> wire.ResendResult:
        result = await super().resend_mandate(mandate_id)
        self._mail_worker.wake()
        return result

    async def aclose(self) -> None:
        await super().aclose()
        if self._mail_thread is not None:
            self._mail_worker.stop()
            await anyio.to_thread.run_sync(self._mail_thread.join)
            self._mail_thread = None
        twikey = getattr(self._app.state, "twikey", None)
        if twikey is not None:
            twikey.close()
        self._database.dispose()


async def open_embedded_client(
    *, data_dir: Path | None = None, demo_size: int = 2000, language: str | None = None
) -> EmbeddedClient:
    """A client of a server running in this process on `<data_dir>/codadesk.db`.

    Args:
        data_dir: Where the database, token and outbox live; default the user's data folder
            (`platformdirs.user_data_dir("codadesk")`, or `CODADESK_DATA_DIR`: `tui.paths.data_dir`).
        demo_size: Clients per demo firm, written on the first start only (two firms: modes `service`, `firm`).
        language: `Accept-Language` of the client's requests.

    Returns:
        A client logged in as the first demo firm's user; use it as `async with`.

    Raises:
        EmbeddedStartError: The token file can be read by others, or the folder cannot be used.
    """
    folder = Path(data_dir) if data_dir is not None else paths.data_dir()
    app, database, worker, token, startup = await anyio.to_thread.run_sync(_prepare, folder, demo_size)
    return EmbeddedClient(app, database, worker, token=token, startup=startup, language=language)


def _prepare(folder: Path, demo_size: int) -> tuple[FastAPI, Database, Worker, str, EmbeddedStartup]:
    """Blocking: make the database ready and build the app (runs in a worker thread)."""
    began = time.perf_counter()
    from server.config import Settings
    from server.db import Database
    from server.main import create_app

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise EmbeddedStartError(f"Cannot use the data folder {folder}: {exc.strerror}") from exc
    database_path = folder / DATABASE_FILE
    token_path = folder / TOKEN_FILE
    stamp_path = folder / SCHEMA_STAMP_FILE
    outbox_dir = folder / OUTBOX_FOLDER
    url = f"sqlite:///{database_path}"

    migrated = seeded = token_issued = False
    if not (token_path.exists() and _schema_is_current(database_path, stamp_path)):
        # Building or migrating the demo makes garbage by the million: collect it (`codadesk` may have paused
        # the collector for its start, see `tui.__main__.settle_memory`).
        gc.enable()
        try:
            with _exclusive(folder / ".lock"):
                # Another process may have finished the first start while we waited for the lock.
                if not _schema_is_current(database_path, stamp_path):
                    from server.db import migrate

                    migrate(url)
                    _write_stamp(stamp_path, database_path)
                    migrated = True
                if not token_path.exists():
                    seeded, token = _seed_or_recover(url, demo_size)
                    _write_secret(token_path, token)
                    token_issued = True
        except Exception as exc:
            # A damaged file, a full disk: the user can act on the folder; the cause stays chained.
            raise EmbeddedStartError(
                f"The demo database in {folder} could not be prepared ({type(exc).__name__}); "
                "free some space or move the folder away, then start again"
            ) from exc

    token = _read_secret(token_path)
    # No memory map: every page a search touched would stay in the TUI's resident size (+65 MB on a
    # 100,000-client demo, measured) for searches no faster than through SQLite's own cache and the OS's.
    database = Database(url, sqlite_mmap_bytes=0)
    settings = Settings.from_env(database_url=url, outbox_dir=outbox_dir)
    app = create_app(settings, database=database)
    worker = _delivery_worker(database, settings)
    startup = EmbeddedStartup(
        data_dir=folder,
        database_path=database_path,
        token_path=token_path,
        outbox_dir=outbox_dir,
        migrated=migrated,
        seeded=seeded,
        token_issued=token_issued,
        seconds=time.perf_counter() - began,
    )
    return app, database, worker, token, startup


def _delivery_worker(database: Database, settings: Settings) -> Worker:
    """The mail worker without reminders (see the module doc): it delivers what the user's actions queue."""
    from server.mail.worker import Worker

    return Worker(database, settings, reminders=False)


def _schema_is_current(database_path: Path, stamp_path: Path) -> bool:
    """Whether the database was migrated with exactly this codadesk's migration files (see the module doc)."""
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict) or stamp.get("migrations") != _migration_files():
        return False
    revision = _database_revision(database_path)
    return revision is not None and revision == stamp.get("revision")


def _write_stamp(stamp_path: Path, database_path: Path) -> None:
    stamp = {"revision": _database_revision(database_path), "migrations": _migration_files()}
    partial = stamp_path.with_name(f".{stamp_path.name}.part")
    partial.write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    os.replace(partial, stamp_path)


def _migration_files() -> list[str]:
    """The names of this codadesk's migration scripts (importing `server` alone runs nothing)."""
    import server

    versions = Path(server.__file__).parent / "migrations" / "versions"
    return sorted(path.name for path in versions.glob("*.py"))


def _database_revision(database_path: Path) -> str | None:
    """The database's Alembic revision; None when there is no database or no schema yet."""
    if not database_path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{database_path}?mode=ro", uri=True)) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


def _seed_or_recover(url: str, demo_size: int) -> tuple[bool, str]:
    """The demo user's token: from seeding an empty database, or a new one when only the token file was lost.

    Returns:
        (seeded, token).
    """
    from sqlalchemy import select

    from server.auth import issue_token
    from server.db import Database
    from server.demo import seed_demo
    from server.models import Firm, User

    database = Database(url, pool_size=1)
    try:
        with database.read() as session:
            first_user = session.scalars(
                select(User).join(Firm, Firm.id == User.firm_id).order_by(Firm.id, User.id).limit(1)
            ).first()
        if first_user is None:
            accounts = seed_demo(database, clients_per_firm=demo_size)
            return True, accounts[0].token
        # Seeding again would double every firm; a fresh token for the same user is what was lost.
        with database.write() as session:
            user = session.get_one(User, first_user.id)
            return False, issue_token(session, user, label="embedded")
    finally:
        database.dispose()


def _write_secret(path: Path, secret: str) -> None:
    """Write `path` with mode 0600 from its first byte, and atomically (a crash leaves no half token)."""
    partial = path.with_name(f".{path.name}.part")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _read_secret(path: Path) -> str:
    """The token, refused when others can read the file (SPEC §8)."""
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise EmbeddedStartError(
                f"{path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` and start again"
            )
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise EmbeddedStartError(f"{path} is empty; remove it and start again to get a new token")
    return token


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path`.

    POSIX `flock`; elsewhere nothing, so two first starts at one instant would both seed.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
