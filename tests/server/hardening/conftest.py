"""Fixtures of the hardening tests: a firm with rows of every kind, and the real server on a loopback port."""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI

from server.db import Database
from tests.factories import FirmAccess, create_client, create_firm, create_mandate

BANKS = ("GEBABEBB", "GKCCBEBB", "KREDBEBB", "CTBKBEBX")
"""BNP Paribas Fortis (Twikey, paper), Belfius (Twikey only), KBC (bank app, paper), Beobank (paper only)."""
STATUSES = ("in_preparation", "available_online", "sent_to_client", "problem", "signed", "active", "archived")

_numbers = itertools.count(5_100_000)


def enterprise_number() -> str:
    """A fresh valid Belgian enterprise number (the mandate tests count from 3,000,000; these from 5,100,000)."""
    first = next(_numbers)
    return f"{first:08d}{97 - first % 97:02d}"


@dataclass(frozen=True)
class SeededFirm:
    """A firm with its token, clients (with and without e-mail or enterprise number) and their mandates."""

    access: FirmAccess
    client_ids: tuple[int, ...]
    mandate_ids: tuple[int, ...]


def seed_firm(database: Database, *, mode: str = "service", clients: int = 8, name: str | None = None) -> SeededFirm:
    """A fresh firm whose clients cover the cases the API treats apart, each with two mandates."""
    access = create_firm(database, mode=mode, name=name)
    client_ids: list[int] = []
    mandate_ids: list[int] = []
    for index in range(clients):
        client_id = create_client(
            database,
            access,
            company_name=f"Client {index} of firm {access.firm_id}",
            email=None if index % 4 == 3 else f"compta{index}@firm{access.firm_id}.example",
            enterprise_number=None if index % 5 == 4 else enterprise_number(),
            language=("fr", "nl", "de", "en")[index % 4],
        )
        client_ids.append(client_id)
        for offset in range(2):
            status = STATUSES[(2 * index + offset) % len(STATUSES)]
            bic = BANKS[(index + offset) % len(BANKS)]
            mandate_ids.append(create_mandate(database, access, client_id, status=status, bic=bic))
    return SeededFirm(access, tuple(client_ids), tuple(mandate_ids))


@dataclass(frozen=True)
class LiveServer:
    """The app served by uvicorn on 127.0.0.1: real sockets, real HTTP/1.1, the real thread pool."""

    url: str


SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "fastapi", "starlette", "server")


@pytest.fixture
def server_logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> pytest.LogCaptureFixture:
    """`caplog` at DEBUG receiving every server-side log, whatever logging an earlier test configured.

    `uvicorn.run` (`codadesk-server serve`, run in-process by the CLI tests) installs uvicorn's own logging
    config, in which its loggers do not propagate; SQLAlchemy holds its loggers at WARNING.
    """
    caplog.set_level(logging.DEBUG)
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "propagate", True)
        monkeypatch.setattr(logger, "disabled", False)
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@contextmanager
def serve(app: FastAPI, *, access_log: bool = False) -> Iterator[LiveServer]:
    """Serve `app` with uvicorn on a free loopback port; stopped (and its thread joined) on leaving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # log_config=None: uvicorn leaves logging as the test set it, so its error and access logs reach `caplog`.
    config = uvicorn.Config(app, log_config=None, lifespan="off", access_log=access_log)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):  # up to 5 s in 10 ms steps; it is up in a few
            if server.started:
                break
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The test's app served over real HTTP on 127.0.0.1."""
    with serve(app) as server:
        yield server
