"""`codadesk` with no server: the server in-process on a SQLite file, seeded once, its token kept private."""

from __future__ import annotations

import json
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import anyio
import pytest

from tui.embedded import EmbeddedStartError, open_embedded_client

pytestmark = pytest.mark.anyio

DEMO_SIZE = 6


def row_counts(database_path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(database_path)) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("firms", "users", "clients", "mandates", "api_tokens")
        }


async def test_the_first_start_builds_and_seeds_then_answers(tmp_path: Path) -> None:
    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        me = await api.me()
        startup = api.startup
    assert (startup.migrated, startup.seeded, startup.token_issued) == (True, True, True)
    assert me.firm.mandate_management == "service", "the first demo firm is the one the service manages"
    assert row_counts(startup.database_path)["clients"] == 2 * DEMO_SIZE, "two demo firms"
    assert startup.database_path == tmp_path / "codadesk.db"
    assert startup.outbox_dir == tmp_path / "outbox"
    assert stat.S_IMODE(startup.token_path.stat().st_mode) == 0o600


async def test_a_second_start_rebuilds_nothing(tmp_path: Path) -> None:
    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        first_user = (await api.me()).user
    database_path = tmp_path / "codadesk.db"
    counts = row_counts(database_path)
    token = (tmp_path / "token").read_text()
    modified = database_path.stat().st_mtime_ns

    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        assert (await api.me()).user == first_user
        startup = api.startup
    assert (startup.migrated, startup.seeded, startup.token_issued) == (False, False, False)
    assert row_counts(database_path) == counts
    assert (tmp_path / "token").read_text() == token
    assert database_path.stat().st_mtime_ns == modified, "not one byte of the database was written"


async def test_the_database_file_is_not_mapped_into_the_tuis_memory(tmp_path: Path) -> None:
    """A mapped SQLite file keeps each page a search touched in the process's resident size (+65 MB on a
    100,000-client demo): the embedded server reads through SQLite's page cache instead."""
    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        for q in ("", "a", "bv", "zz"):
            await api.search_clients(q=q, limit=200)
        maps = await anyio.Path("/proc/self/maps").read_text(encoding="utf-8")
        mapped = [line.split()[-1] for line in maps.splitlines()]
    assert str(tmp_path / "codadesk.db") not in mapped, "(its -shm index, 32 KB, is mapped by WAL itself)"


async def test_a_lost_token_file_gets_a_new_token_without_seeding_again(tmp_path: Path) -> None:
    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        first_user = (await api.me()).user
    counts = row_counts(tmp_path / "codadesk.db")
    (tmp_path / "token").unlink()

    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        assert (await api.me()).user == first_user
        startup = api.startup
    assert (startup.seeded, startup.token_issued) == (False, True)
    after = row_counts(tmp_path / "codadesk.db")
    assert after == {**counts, "api_tokens": counts["api_tokens"] + 1}
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600


async def test_a_codadesk_with_a_new_migration_migrates_without_seeding_again(tmp_path: Path) -> None:
    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE):
        pass
    counts = row_counts(tmp_path / "codadesk.db")
    # What the folder looks like to a newer codadesk: its migration files are not the ones recorded here.
    stamp = json.loads((tmp_path / "schema.json").read_text())
    stamp["migrations"] = stamp["migrations"][:-1]
    (tmp_path / "schema.json").write_text(json.dumps(stamp))

    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        await api.me()
        startup = api.startup
    assert (startup.migrated, startup.seeded, startup.token_issued) == (True, False, False)
    assert row_counts(tmp_path / "codadesk.db") == counts

    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE) as api:
        assert api.startup.migrated is False, "the stamp was brought up to date"


async def test_a_token_file_others_can_read_is_refused(tmp_path: Path) -> None:
    async with await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE):
        pass
    (tmp_path / "token").chmod(0o644)
    with pytest.raises(EmbeddedStartError, match="chmod 600"):
        await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE)


async def test_a_damaged_database_is_reported_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "codadesk.db").write_bytes(b"this is not a database " * 200)
    with pytest.raises(EmbeddedStartError, match="move the folder away"):
        await open_embedded_client(data_dir=tmp_path, demo_size=DEMO_SIZE)


async def test_the_default_folder_is_the_users_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODADESK_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    async with await open_embedded_client(demo_size=DEMO_SIZE) as api:
        await api.me()
        assert api.startup.data_dir == tmp_path / "data" / "codadesk"
    assert (tmp_path / "data" / "codadesk" / "codadesk.db").exists()


def resendable_mandate(database_path: Path, firm_id: int) -> int:
    """A mandate of the firm that may be e-mailed: unsigned, its client has an e-mail address."""
    with closing(sqlite3.connect(database_path)) as connection:
        row = connection.execute(
            "SELECT m.id FROM mandates m JOIN clients c ON c.id = m.client_id "
            "WHERE m.firm_id = ? AND c.email IS NOT NULL "
            "AND m.status IN ('available_online', 'in_preparation', 'sent_to_client', 'problem') "
            "ORDER BY m.id LIMIT 1",
            (firm_id,),
        ).fetchone()
    assert row is not None, "the demo has a mandate to resend"
    return int(row[0])


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


async def test_a_resend_lands_in_the_outbox_folder_and_no_reminder_is_queued(tmp_path: Path) -> None:
    async with await open_embedded_client(data_dir=tmp_path, demo_size=30) as api:
        me = await api.me()
        mandate_id = resendable_mandate(api.startup.database_path, me.firm.id)
        result = await api.resend_mandate(mandate_id)
        with anyio.fail_after(10):  # the worker is woken at once; this only bounds a failure
            # The worker thread writes a file: there is no event to wait on.
            while not eml_files(api.startup.outbox_dir):  # noqa: ASYNC110
                await anyio.sleep(0.02)
        [eml] = eml_files(api.startup.outbox_dir)
        delivered = (await api.mandate(mandate_id)).delivery
    assert delivered is not None
    assert delivered.message_id == result.message_id
    assert delivered.outbox_path == str(eml)
    with closing(sqlite3.connect(tmp_path / "codadesk.db")) as connection:
        queued = connection.execute("SELECT count(*) FROM outbox").fetchone()[0]
    assert queued == 1, "the demo's long-sent mandates were not all reminded at once"
