"""Hostile text, planted behind the server's back (validation refuses it through the API, a legacy import or
another client of the database would not): every string the TUI shows gets the whole corpus, behind a marker
that names where it was planted, so a test can find each one on screen and in the terminal's bytes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from server.clients.folding import fold, search_text
from server.db import Database
from server.models import Bank, Client, ClientHistory, Firm, Mandate, User
from tests.factories import new_client

PAYLOADS = (
    "\x1b[31mRED\x1b[0m",  # CSI: a colour
    "\x1b[6n",  # CSI: the terminal answers with the cursor position, as if typed
    "\x1b[2J\x1b[H",  # CSI: erase the screen, cursor home
    "\x1b]0;pwned\x07",  # OSC: the window title
    "\x1b]52;c;?\x07",  # OSC 52: read the clipboard
    "\x1b]52;c;Y2FuYXJ5\x07",  # OSC 52: write the clipboard
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",  # OSC 8: a hyperlink
    "\x1bP+q544e\x1b\\",  # DCS: ask the terminal for its capabilities
    "\x9b31m\x9d52;c;?\x9c",  # C1: CSI, OSC and ST as single characters
    "[bold]B[/bold] [/] [link=https://evil.example]x[/link] [@click=app.quit]q[/]",  # markup, Textual and Rich
    "\u202egnp.exe \u2066iso\u2069",  # bidi override and isolate
    "\x07\x08\x00\r\n\t",  # bell, backspace, NUL, line breaks
)
CORPUS = " ".join(PAYLOADS)
LITERAL = "[bold]B[/bold] [/] [link=https://evil.example]x[/link] [@click=app.quit]q[/]"
"""The markup part of the corpus, as it must read on screen: brackets and all."""
LONG = 10_000
"""Characters of the long strings (company name and street)."""

FORBIDDEN_ON_SCREEN = frozenset(
    [chr(c) for c in range(0x20) if c not in (0x0A,)]  # the C0 controls (lines are joined with \n by the tests)
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"]
)


def marker(place: str) -> str:
    """`⟦place⟧`, without spaces: a wrapped line never splits it."""
    return f"⟦{place.replace(' ', '-')}⟧"


def hostile(place: str, *, long: bool = False) -> str:
    """The corpus behind `place`'s marker; `long` pads it to 10 KB (the marker and corpus first)."""
    text = f"{marker(place)} {CORPUS}"
    return text + " " + "w" * (LONG - len(text) - 1) if long else text


HOSTILE_FIELDS = (
    "client_code",
    "company_name",
    "enterprise_number",
    "email",
    "street",
    "postal_code",
    "city",
    "country",
    "representative_name",
    "representative_function",
    "phone",
)
"""Every text field of a client (`language` is one of four codes: the wire model refuses anything else)."""


def hostile_client_values() -> dict[str, str]:
    return {field: hostile(field, long=field in ("company_name", "street")) for field in HOSTILE_FIELDS}


def plant_in_client(session: Any, client: Client) -> None:
    """Every text field of `client` hostile, its keys kept in step (so searches still find it)."""
    for field, value in hostile_client_values().items():
        setattr(client, field, value)
    client.client_code_key = fold(client.client_code)[:200]
    client.name_key = fold(client.company_name)
    client.search_text = search_text(
        company_name=client.company_name,
        client_code=client.client_code,
        email=client.email,
        enterprise_number=client.enterprise_number,
    )


def plant(database: Database, *, firm_id: int, client_id: int, bics: Iterable[str]) -> int:
    """Make the firm, its user, the client, its mandates and banks, and its history hostile.

    Returns:
        The id of a second client, code `DUP-1`, with a hostile name: typing its code in the first one's form
        gets a duplicate error that quotes that name.
    """
    with database.write() as session:
        firm = session.get_one(Firm, firm_id)
        firm.name = hostile("firm")
        firm.delivery_root = hostile("root")
        user = session.scalars(select(User).where(User.firm_id == firm_id)).first()
        assert user is not None
        user.name = hostile("user")
        plant_in_client(session, session.get_one(Client, client_id))
        for bic in bics:
            session.execute(update(Bank).where(Bank.bic == bic).values(name=hostile(f"bank {bic}")))
        for mandate in session.scalars(select(Mandate).where(Mandate.client_id == client_id)):
            mandate.ibans = [hostile(f"iban {mandate.id}"), "BE68539007547034"]
        session.add(
            ClientHistory(
                firm_id=firm_id,
                client_id=client_id,
                user_id=user.id,
                at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
                changes={
                    "city": [hostile("history old"), hostile("history new")],
                    "enterprise_number": [None, hostile("history number")],
                    hostile("history field"): ["a", "b"],
                },
            )
        )
        other = new_client(session, firm_id, client_code="DUP-1", company_name=hostile("duplicate"))
        return other.id


def plant_in_sqlite(path: Path, *, client_id: int) -> None:
    """`plant` on a database file the test does not hold open (the real `codadesk` runs on it)."""
    database = Database(f"sqlite:///{path}")
    try:
        with database.read() as session:
            client = session.get_one(Client, client_id)
            firm_id = client.firm_id
            bics = {m.bank_bic for m in session.scalars(select(Mandate).where(Mandate.client_id == client_id))}
        plant(database, firm_id=firm_id, client_id=client_id, bics=bics)
    finally:
        database.dispose()
    with closing(sqlite3.connect(path)) as connection:  # nothing left in the WAL for the app to trip on
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
