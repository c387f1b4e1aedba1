"""The real `codadesk-server` entry point, run as a user runs it (a subprocess), on both backends."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import backends, fresh_postgres_database

pytestmark = pytest.mark.slow

SERVER = str(Path(sys.executable).with_name("codadesk-server"))


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SERVER, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


@pytest.fixture(params=backends())
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def demo_accounts(url: str, *args: str) -> list[dict[str, Any]]:
    answer = run("demo", "--database", url, "--json", *args)
    assert answer.returncode == 0, answer.stderr
    accounts: list[dict[str, Any]] = json.loads(answer.stdout)
    return accounts


def test_serve_refuses_an_unmigrated_database_and_says_to_migrate(empty_database: str) -> None:
    answer = run("serve", "--database", empty_database, "--port", str(free_port()))
    assert answer.returncode != 0
    assert "codadesk-server migrate" in answer.stderr
    migrated = run("migrate", "--database", empty_database)
    assert migrated.returncode == 0, migrated.stderr
    assert run("migrate", "--database", empty_database).returncode == 0  # again: nothing to do


def test_demo_prints_one_account_per_firm_as_json(empty_database: str) -> None:
    accounts = demo_accounts(empty_database, "--clients", "25", "--firms", "3", "--seed", "2")
    assert [a["mandate_management"] for a in accounts] == ["service", "firm", "service"]
    assert all(set(a) == {"firm_id", "firm_name", "mandate_management", "user_email", "token"} for a in accounts)
    assert len({a["token"] for a in accounts}) == 3
    text = run("demo", "--database", empty_database, "--clients", "1", "--firms", "1")
    assert text.returncode == 0
    assert "token cdk_" in text.stdout


def test_the_database_comes_from_the_environment(empty_database: str) -> None:
    answer = run("demo", "--clients", "3", "--firms", "1", "--json", env={"CODADESK_DATABASE_URL": empty_database})
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)[0]["firm_id"] >= 1


def test_bad_arguments_are_refused(empty_database: str) -> None:
    assert run("demo", "--database", empty_database).returncode == 2  # --clients is required
    assert run("demo", "--database", empty_database, "--clients", "-4").returncode == 2
    assert run("token", "create", "--database", empty_database, "--firm", "1", "--user", "not-an-address").returncode
    unmigrated = run("token", "create", "--database", empty_database, "--firm", "1", "--user", "a@b.example")
    assert unmigrated.returncode != 0
    assert "codadesk-server migrate" in unmigrated.stderr
    assert run("migrate", "--database", empty_database).returncode == 0
    answer = run("token", "create", "--database", empty_database, "--firm", "999999", "--user", "a@b.example")
    assert answer.returncode == 1
    assert "no firm 999999" in answer.stderr


def test_serve_answers_me_with_a_printed_token_and_token_create_adds_a_user(empty_database: str) -> None:
    (account,) = demo_accounts(empty_database, "--clients", "5", "--firms", "1")
    created = run(
        "token",
        "create",
        "--database",
        empty_database,
        "--firm",
        str(account["firm_id"]),
        "--user",
        "Jan@Kantoor.example",
    )
    assert created.returncode == 0, created.stderr
    new_token = created.stdout.strip()
    again = run(
        "token",
        "create",
        "--database",
        empty_database,
        "--firm",
        str(account["firm_id"]),
        "--user",
        "jan@kantoor.example",
    )
    assert "Created user" not in again.stderr  # the same user, a second token
    with _served(empty_database) as (_server, base):
        me = _wait_for(lambda: httpx.get(f"{base}/me", headers=_bearer(account["token"]), timeout=2))
        assert me.status_code == 200
        assert me.json()["firm"]["name"] == account["firm_name"]
        jan = httpx.get(f"{base}/me", headers=_bearer(new_token), timeout=2)
        assert jan.json()["user"]["email"] == "jan@kantoor.example"
        assert jan.json()["user"]["name"] == "Jan"
        clients = httpx.get(f"{base}/clients", headers=_bearer(new_token), timeout=2).json()
        assert clients["total"] == 5
        assert httpx.get(f"{base}/me", timeout=2).status_code == 401


@contextmanager
def _served(database: str, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`codadesk-server serve` on a free port, and its API's base URL; stopped with ctrl+c, which must end it
    cleanly (exit status 0)."""
    port = free_port()
    server = subprocess.Popen(
        [SERVER, "serve", "--database", database, "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield server, f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
            server.communicate()
    assert server.returncode == 0


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _wait_for(request: Any, *, within: float = 30) -> httpx.Response:
    """The first answer of a server that is starting; it gets `within` seconds to listen."""
    deadline = time.monotonic() + within
    while True:
        try:
            response: httpx.Response = request()
            return response
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_with_two_workers_answers_from_two_processes(empty_database: str) -> None:
    (account,) = demo_accounts(empty_database, "--clients", "5", "--firms", "1")
    with _served(empty_database, "--workers", "2") as (server, base):
        me = _wait_for(lambda: httpx.get(f"{base}/me", headers=_bearer(account["token"]), timeout=2))
        assert me.status_code == 200
        for _ in range(20):
            clients = httpx.get(f"{base}/clients", headers=_bearer(account["token"]), timeout=5)
            assert clients.json()["total"] == 5
        workers = [pid for pid in _children(server.pid) if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) == 2, "uvicorn's supervisor runs two worker processes (and multiprocessing's tracker)"
    assert run("serve", "--database", empty_database, "--workers", "0").returncode == 2


def _children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found
