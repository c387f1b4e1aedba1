"""The client screen's story, written into the seeded demo database of `tests/tui/conftest.py`.

Every test gets its own copy of the demo database (real SQLite, the real server in-process, the real app) and
this module adds one more firm to it with a small, fixed story: a client with its enterprise number and four
mandates at banks of every channel, a client without one, and a history. Names, codes and timestamps are fixed,
so pictures are the same whichever test ran first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI
from textual.screen import Screen

from api_client import Client as ApiClient
from server.auth import issue_token
from server.clients.folding import fold, search_text
from server.config import Settings
from server.db import Database
from server.demo import DemoAccount
from server.mail.worker import run_once
from server.main import create_app
from server.mandates.twikey import TwikeyClient
from server.models import Client, ClientHistory, Firm, Mandate, User
from tests.tui.conftest import ApiFactory
from tui.app import CodadeskApp
from tui.config import Config

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def brussels_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """History times are shown in local time: pin the zone so pictures are the same on every machine."""
    monkeypatch.setenv("TZ", "Europe/Brussels")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@dataclass(frozen=True)
class Story:
    """The rows every test starts from; ids of this test's firm."""

    token: str
    firm_id: int
    client_id: int
    """Acme NV: enterprise number set (L1), three unsigned mandates, one active, two history entries."""
    newcomer_id: int
    """Nieuwkomer BV: no enterprise number yet (L2), no e-mail, one mandate in preparation."""
    mandate_ids: dict[str, int]
    """By bank BIC (Acme's mandates) and `newcomer` (the newcomer's)."""


def write_story(database: Database, *, mode: str = "service") -> Story:
    with database.write() as session:
        firm = Firm(name="Fiduciaire Peeters", mandate_management=mode, delivery_root="/data/coda", created_at=AT)
        session.add(firm)
        session.flush()
        user = User(firm_id=firm.id, name="Marie Dubois", email="marie@peeters.example", created_at=AT)
        session.add(user)
        session.flush()
        token = issue_token(session, user, label="tui tests")
        acme = _client(
            session,
            firm.id,
            client_code="ACME-01",
            company_name="Acme NV",
            enterprise_number="0403019261",
            email="boekhouding@acme.example",
            language="nl",
            street="Kerkstraat 1",
            postal_code="9000",
            city="Gent",
            representative_name="An Peeters",
            representative_function="Zaakvoerder",
            phone="+32 9 123 45 67",
        )
        newcomer = _client(
            session,
            firm.id,
            client_code="NIEUW",
            company_name="Nieuwkomer BV",
            enterprise_number=None,
            email=None,
            language="fr",
            street="Rue Haute 5",
            postal_code="1000",
            city="Bruxelles",
            representative_name="Jean Dupont",
            representative_function="Gérant",
            phone=None,
        )
        mandates = {
            "GKCCBEBB": _mandate(session, firm.id, acme.id, "GKCCBEBB", "sent_to_client", ["BE68539007547034"]),
            "KREDBEBB": _mandate(
                session, firm.id, acme.id, "KREDBEBB", "available_online", ["BE71096123456769", "BE43068999999501"]
            ),
            "GEBABEBB": _mandate(session, firm.id, acme.id, "GEBABEBB", "problem", ["BE31435411161155"]),
            "active": _mandate(session, firm.id, acme.id, "GEBABEBB", "active", ["BE62510007547061"]),
            "newcomer": _mandate(session, firm.id, newcomer.id, "KREDBEBB", "in_preparation", ["BE76091234567895"]),
        }
        session.add_all(
            [
                ClientHistory(
                    firm_id=firm.id,
                    client_id=acme.id,
                    user_id=user.id,
                    at=datetime(2026, 1, 3, 14, 30, tzinfo=UTC),
                    changes={"city": ["Brussel", "Gent"], "postal_code": ["1000", "9000"]},
                ),
                ClientHistory(
                    firm_id=firm.id,
                    client_id=acme.id,
                    user_id=user.id,
                    at=datetime(2026, 1, 4, 16, 5, tzinfo=UTC),
                    changes={"email": [None, "boekhouding@acme.example"]},
                ),
            ]
        )
        return Story(token, firm.id, acme.id, newcomer.id, mandates)


def _client(session: Any, firm_id: int, **values: Any) -> Client:
    client = Client(
        firm_id=firm_id,
        country="BE",
        client_code_key=fold(values["client_code"]),
        name_key=fold(values["company_name"]),
        search_text=search_text(
            company_name=values["company_name"],
            client_code=values["client_code"],
            email=values["email"],
            enterprise_number=values["enterprise_number"],
        ),
        created_at=AT,
        updated_at=AT,
        **values,
    )
    session.add(client)
    session.flush()
    return client


def _mandate(session: Any, firm_id: int, client_id: int, bic: str, status: str, ibans: list[str]) -> int:
    mandate = Mandate(
        firm_id=firm_id,
        client_id=client_id,
        bank_bic=bic,
        ibans=ibans,
        status=status,
        status_changed_at=AT,
        created_at=AT,
    )
    session.add(mandate)
    session.flush()
    return mandate.id


# --- the server, with Twikey when a test asks for it ----------------------------------------------------

TWIKEY_KEY = "tui-test-api-key"
TWIKEY_URL = "https://api.twikey.test"


class FakeTwikey:
    """Twikey's creditor API as its public contract describes it: a login that answers a session token in the
    `Authorization` header, and an invite that answers the signing link. It stands for the outside service."""

    def __init__(self) -> None:
        self.invites: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.content.decode()))
        if request.url.path == "/creditor":
            if form.get("apiToken") != TWIKEY_KEY:
                return httpx.Response(200, json={}, headers={"ApiErrorCode": "err_invalid_apikey"})
            return httpx.Response(200, json={}, headers={"Authorization": "session-1"})
        if request.url.path == "/creditor/invite" and request.headers.get("Authorization") == "session-1":
            self.invites.append(form)
            key = f"k{len(self.invites):04d}"
            return httpx.Response(
                200, json={"url": f"https://sign.twikey.test/acme/{key}", "key": key, "mndtId": f"CDK{key}"}
            )
        return httpx.Response(401, json={"message": "Not authenticated"})


@pytest.fixture
def twikey() -> FakeTwikey | None:
    """No Twikey unless a test overrides this fixture with a `FakeTwikey()`."""
    return None


@pytest.fixture
def server_app(demo_database: Database, tmp_path: Path, twikey: FakeTwikey | None) -> Iterator[FastAPI]:
    """The real server on this test's database copy; configured for Twikey when `twikey` is a fake."""
    settings = Settings(
        database_url=str(demo_database.url),
        outbox_dir=tmp_path / "outbox",
        twikey_api_key=TWIKEY_KEY if twikey is not None else None,
        twikey_base_url=TWIKEY_URL,
        twikey_template_id="tpl-coda" if twikey is not None else None,
    )
    app = create_app(settings, database=demo_database)
    if twikey is not None:
        app.state.twikey = TwikeyClient(TWIKEY_KEY, base_url=TWIKEY_URL, transport=httpx.MockTransport(twikey))
    yield app
    if twikey is not None:
        app.state.twikey.close()


def deliver_outbox(server_app: FastAPI) -> None:
    """What the mail worker does: deliver the queued e-mails (as `.eml` files: no SMTP is configured)."""
    run_once(server_app.state.database, server_app.state.settings, datetime.now(UTC))


@pytest.fixture
def story(demo_database: Database) -> Story:
    """This test's firm (mode `service`) with the story's clients, mandates and history."""
    return write_story(demo_database)


@pytest.fixture
def story_account(story: Story) -> DemoAccount:
    return DemoAccount(story.firm_id, "Fiduciaire Peeters", "service", "marie@peeters.example", story.token)


@pytest.fixture
def api(make_api: ApiFactory, story_account: DemoAccount) -> ApiClient:
    """A client of the in-process server as the story firm's user (to set up and check data)."""
    return make_api(story_account)


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The download folder the action sheet saves into."""
    folder = tmp_path / "Downloads"
    monkeypatch.setenv("CODADESK_DOWNLOAD_DIR", str(folder))
    return folder


class StoryApp(CodadeskApp):
    """The real app, with one more screen pushed over the client list as it starts."""

    def __init__(self, api: ApiClient, first: Callable[[], Screen[Any]], *, config: Config | None = None) -> None:
        super().__init__(api, config=config or Config())
        self._first = first

    def on_mount(self) -> None:
        # Textual runs CodadeskApp.on_mount (which pushes the client list) after this one: go on top later.
        self.call_later(lambda: self.push_screen(self._first()))


class OpenApp(Protocol):
    def __call__(self, first: Callable[[], Screen[Any]], *, config: Config | None = None) -> StoryApp: ...


@pytest.fixture
def open_app(make_api: ApiFactory, story_account: DemoAccount) -> OpenApp:
    """`open_app(lambda: ClientScreen(id))`: the real app as the story firm's user, that screen over the list."""

    def build(first: Callable[[], Screen[Any]], *, config: Config | None = None) -> StoryApp:
        language = None if config is None else config.language
        return StoryApp(make_api(story_account, language=language), first, config=config)

    return build
