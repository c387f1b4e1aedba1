"""The client calls about mandates and their actions, against the real server in-process (both backends)."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api_client import ActionUnavailableError, Client, NotFoundError, RateLimitedError, UpstreamError
from api_client import models as wire
from server.config import Settings
from server.db import Database
from server.main import create_app
from server.models import OutboxMessage
from tests.api_client.conftest import BASE_URL, FakeTime, real_transport
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.mandates.conftest import TWIKEY_API_KEY, TWIKEY_TEMPLATE, FakeTwikey

pytestmark = pytest.mark.anyio

BELFIUS = "GKCCBEBB"
"""Twikey only: no paper."""
BEOBANK = "CTBKBEBX"
"""Paper only: no Twikey."""


def emails_of(database: Database, mandate_id: int) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).where(OutboxMessage.mandate_id == mandate_id)) or 0


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def client_id(database: Database, firm: FirmAccess) -> int:
    return create_client(database, firm, company_name="Dupont SRL", email="compta@dupont.example", language="fr")


@pytest.fixture
def mandate_id(database: Database, firm: FirmAccess, client_id: int) -> int:
    return create_mandate(database, firm, client_id, status="sent_to_client")


async def test_mandate_lists_its_actions(api: Client, mandate_id: int, client_id: int) -> None:
    mandate = await api.mandate(mandate_id)
    assert isinstance(mandate, wire.Mandate)
    assert (mandate.id, mandate.client_id, mandate.status) == (mandate_id, client_id, "sent_to_client")
    assert {a.action for a in mandate.actions} == {"download", "sign_twikey", "archive", "resend"}
    assert mandate.action("sign_twikey").reason == "twikey_not_configured"


async def test_another_firms_mandate_is_not_found(api: Client, database: Database, office_firm: FirmAccess) -> None:
    theirs = create_mandate(database, office_firm, create_client(database, office_firm))
    with pytest.raises(NotFoundError):
        await api.mandate(theirs)
    with pytest.raises(NotFoundError):
        await api.archive_mandate(theirs)


async def test_the_document_is_a_pdf(api: Client, mandate_id: int) -> None:
    pdf = await api.mandate_document(mandate_id)
    assert pdf.startswith(b"%PDF-")


async def test_download_saves_the_pdf_at_the_path_given(api: Client, mandate_id: int, tmp_path: Path) -> None:
    target = tmp_path / "for-dupont.pdf"
    saved = await api.download_mandate(mandate_id, target)
    assert saved == target
    assert target.read_bytes().startswith(b"%PDF-")
    assert names_in(tmp_path) == ["for-dupont.pdf"], "no partial file left beside it"


async def test_download_into_a_folder_uses_the_servers_file_name(api: Client, mandate_id: int, tmp_path: Path) -> None:
    saved = await api.download_mandate(mandate_id, tmp_path)
    assert saved.parent == tmp_path
    assert saved.name == f"mandate-{mandate_id}-v1.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(saved.stat().st_mode) & 0o600 == 0o600


async def test_download_of_a_twikey_only_mandate_is_unavailable(
    api: Client, database: Database, firm: FirmAccess, client_id: int, tmp_path: Path
) -> None:
    belfius = create_mandate(database, firm, client_id, bic=BELFIUS, ibans=["BE68539007547034"])
    with pytest.raises(ActionUnavailableError) as caught:
        await api.download_mandate(belfius, tmp_path / "m.pdf")
    assert caught.value.reason == "bank_no_paper"
    assert names_in(tmp_path) == []


async def test_archive_archives(api: Client, mandate_id: int) -> None:
    mandate = await api.archive_mandate(mandate_id)
    assert isinstance(mandate, wire.Mandate)
    assert mandate.status == "archived"
    assert (await api.mandate(mandate_id)).status == "archived"


async def test_archiving_twice_is_unavailable_with_its_reason(api: Client, mandate_id: int) -> None:
    await api.archive_mandate(mandate_id)
    with pytest.raises(ActionUnavailableError) as caught:
        await api.archive_mandate(mandate_id)
    assert caught.value.status_code == 409
    assert caught.value.reason == "mandate_archived"


async def test_resend_queues_one_email(api: Client, mandate_id: int, database: Database) -> None:
    result = await api.resend_mandate(mandate_id)
    assert isinstance(result, wire.ResendResult)
    assert result.mandate.status == "sent_to_client"
    assert result.message_id
    assert emails_of(database, mandate_id) == 1


async def test_resend_when_the_office_manages_mandates_is_unavailable(
    api: Client, database: Database, office_firm: FirmAccess, app: FastAPI
) -> None:
    mandate_id = create_mandate(database, office_firm, create_client(database, office_firm), status="sent_to_client")
    async with Client(BASE_URL, token=office_firm.token, transport=real_transport(app)) as office:
        with pytest.raises(ActionUnavailableError) as caught:
            await office.resend_mandate(mandate_id)
    assert caught.value.reason == "firm_manages_mandates"


async def test_resending_past_the_hourly_limit_is_rate_limited(
    api: Client, mandate_id: int, database: Database, fake_time: FakeTime
) -> None:
    for _ in range(5):
        await api.resend_mandate(mandate_id)
    with pytest.raises(RateLimitedError) as caught:
        await api.resend_mandate(mandate_id)
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 60, "the wait runs to the end of the hour"
    assert fake_time.sleeps == [], "a wait of minutes is the user's to decide, not spent inside the call"
    assert emails_of(database, mandate_id) == 5


class DropFirstAnswer(httpx.AsyncBaseTransport):
    """The network loses the first answer after the server has acted on the request."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seen: list[httpx.Request] = []
        self.answers: list[httpx.Response] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.answers.append(response)
        if len(self.seen) == 1:
            raise httpx.ReadError("connection reset while reading the answer", request=request)
        return response


async def test_a_lost_answer_to_resend_is_replayed_and_mails_once(
    app: FastAPI, firm: FirmAccess, mandate_id: int, database: Database, fake_time: FakeTime
) -> None:
    network = DropFirstAnswer(real_transport(app))
    async with Client(
        BASE_URL, token=firm.token, transport=network, sleep=fake_time.sleep, clock=fake_time.monotonic
    ) as api:
        result = await api.resend_mandate(mandate_id)
    first, second = network.seen
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert network.answers[1].headers.get("Idempotent-Replayed") == "true"
    assert result.message_id == network.answers[0].json()["message_id"]
    assert emails_of(database, mandate_id) == 1, "the client asked twice, the client got one e-mail"


async def test_a_lost_answer_to_archive_is_replayed_not_refused(
    app: FastAPI, firm: FirmAccess, mandate_id: int, fake_time: FakeTime
) -> None:
    network = DropFirstAnswer(real_transport(app))
    async with Client(
        BASE_URL, token=firm.token, transport=network, sleep=fake_time.sleep, clock=fake_time.monotonic
    ) as api:
        mandate = await api.archive_mandate(mandate_id)
    assert mandate.status == "archived", "not 409 mandate_archived: the repeat was recognised"


# --- Twikey ---------------------------------------------------------------------------------------------


@pytest.fixture
async def twikey_api(
    database_url: str, database: Database, firm: FirmAccess, fake_twikey: FakeTwikey, tmp_path: Path
) -> AsyncIterator[Client]:
    """A client of the real server configured for the fake Twikey."""
    settings = Settings(
        database_url=database_url,
        outbox_dir=tmp_path / "outbox",
        twikey_api_key=TWIKEY_API_KEY,
        twikey_base_url=fake_twikey.url,
        twikey_template_id=TWIKEY_TEMPLATE,
    )
    app = create_app(settings, database=database)
    async with Client(BASE_URL, token=firm.token, transport=real_transport(app)) as api:
        yield api
    if getattr(app.state, "twikey", None) is not None:
        app.state.twikey.close()


async def test_sign_twikey_answers_the_signing_link(twikey_api: Client, mandate_id: int) -> None:
    result = await twikey_api.sign_twikey(mandate_id)
    assert isinstance(result, wire.SignTwikeyResult)
    assert result.url.startswith("http://127.0.0.1:")
    assert result.mandate.twikey_url == result.url


async def test_sign_twikey_when_twikey_fails_is_an_upstream_error(
    twikey_api: Client, mandate_id: int, fake_twikey: FakeTwikey
) -> None:
    fake_twikey.invite_error = ("err_no_contract", "No contract template")
    with pytest.raises(UpstreamError) as caught:
        await twikey_api.sign_twikey(mandate_id)
    assert caught.value.status_code == 502
    assert caught.value.details["twikey_code"] == "err_no_contract"
    assert len(fake_twikey.invites) == 0


async def test_sign_twikey_at_a_paper_only_bank_is_unavailable(
    twikey_api: Client, database: Database, firm: FirmAccess, client_id: int
) -> None:
    beobank = create_mandate(database, firm, client_id, bic=BEOBANK)
    with pytest.raises(ActionUnavailableError) as caught:
        await twikey_api.sign_twikey(beobank)
    assert caught.value.reason == "bank_no_twikey"
