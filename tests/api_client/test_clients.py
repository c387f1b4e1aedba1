"""The client calls about clients, and the errors they raise, against the real server in-process (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from api_client import (
    Client,
    DuplicateError,
    FieldLockedError,
    NotFoundError,
    PreconditionRequiredError,
    StaleVersionError,
    UnauthorizedError,
    ValidationError,
)
from api_client import models as wire
from server.db import Database
from tests.api_client.conftest import BASE_URL, FakeTime, real_transport
from tests.factories import FirmAccess, create_client, create_firm, create_mandate

pytestmark = pytest.mark.anyio


@pytest.fixture
def client_id(database: Database, firm: FirmAccess) -> int:
    return create_client(
        database, firm, client_code="DUPONT", company_name="Dupont SRL", email="compta@dupont.example", language="fr"
    )


async def test_me_names_the_user_and_the_firm(api: Client, firm: FirmAccess) -> None:
    me = await api.me()
    assert isinstance(me, wire.Me)
    assert me.user.id == firm.user_id
    assert me.firm.id == firm.firm_id
    assert me.firm.mandate_management == "service"


async def test_get_client_returns_the_whole_record(api: Client, client_id: int, database: Database) -> None:
    client = await api.get_client(client_id)
    assert isinstance(client, wire.Client)
    assert (client.id, client.client_code, client.company_name) == (client_id, "DUPONT", "Dupont SRL")
    assert client.delivery_folder.endswith("DUPONT/CODA")
    assert client.locks["enterprise_number"].code == "enterprise_number_locked"


async def test_get_client_with_its_mandates(api: Client, client_id: int, database: Database, firm: FirmAccess) -> None:
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client")
    client = await api.get_client(client_id)
    assert [m.id for m in client.mandates] == [mandate_id]
    assert client.mandates[0].unsigned


async def test_messages_follow_the_language_asked_for(
    app: FastAPI, database: Database, firm: FirmAccess, fake_time: FakeTime
) -> None:
    client_id = create_client(database, firm, enterprise_number=None)
    async with Client(BASE_URL, token=firm.token, transport=real_transport(app), language="fr") as api:
        client = await api.get_client(client_id)
    assert client.locks["company_name"].message == "Introduisez d'abord le numéro d'entreprise"


async def test_check_tells_warnings_without_saving(api: Client, client_id: int) -> None:
    result = await api.check_client(client_id, {"client_code": "DUPONT-2"})
    assert isinstance(result, wire.CheckResult)
    assert result.errors == {}
    assert [w.code for w in result.warnings] == ["client_code_changed"]
    assert (await api.get_client(client_id)).client_code == "DUPONT"


async def test_check_accepts_the_changes_model(api: Client, client_id: int) -> None:
    result = await api.check_client(client_id, wire.ClientChanges(email="not an address"))
    assert "email" in result.errors


async def test_update_saves_and_answers_the_new_version(api: Client, client_id: int) -> None:
    before = await api.get_client(client_id)
    saved = await api.update_client(client_id, {"city": "Namur", "postal_code": "5000"}, version=before.version)
    assert isinstance(saved, wire.SaveResult)
    assert saved.client.city == "Namur"
    assert saved.client.version == before.version + 1
    assert (await api.get_client(client_id)).city == "Namur"


async def test_update_clears_an_optional_field_with_none(api: Client, client_id: int) -> None:
    before = await api.get_client(client_id)
    saved = await api.update_client(client_id, wire.ClientChanges(email=None), version=before.version)
    assert saved.client.email is None
    assert [w.code for w in saved.warnings] == ["email_changed"]


async def test_history_lists_saves_newest_first(api: Client, client_id: int, firm: FirmAccess) -> None:
    version = (await api.get_client(client_id)).version
    first = await api.update_client(client_id, {"city": "Namur", "postal_code": "5000"}, version=version)
    await api.update_client(client_id, {"phone": "+32 2 123 45 67"}, version=first.client.version)
    history = await api.client_history(client_id)
    assert all(isinstance(entry, wire.HistoryEntry) for entry in history)
    assert [set(entry.changes) for entry in history] == [{"phone"}, {"city", "postal_code"}]
    assert history[1].changes["city"] == ("Gent", "Namur")
    assert history[0].user.id == firm.user_id


# --- errors by meaning --------------------------------------------------------------------------------


async def test_no_token_is_unauthorized(app: FastAPI) -> None:
    async with Client(BASE_URL, transport=real_transport(app)) as api:
        with pytest.raises(UnauthorizedError) as caught:
            await api.me()
    assert caught.value.status_code == 401
    assert caught.value.code == "unauthorized"


async def test_a_wrong_token_is_unauthorized(app: FastAPI, firm: FirmAccess) -> None:
    async with Client(BASE_URL, token=firm.token + "x", transport=real_transport(app)) as api:
        with pytest.raises(UnauthorizedError):
            await api.me()


async def test_a_missing_client_is_not_found(api: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        await api.get_client(999_999_999)
    assert caught.value.status_code == 404
    assert caught.value.body is not None


async def test_another_firms_client_is_not_found_either(api: Client, database: Database) -> None:
    other = create_firm(database)
    their_client = create_client(database, other)
    with pytest.raises(NotFoundError):
        await api.get_client(their_client)
    with pytest.raises(NotFoundError):
        await api.update_client(their_client, {"city": "Gent"}, version=1)


async def test_an_invalid_value_is_a_validation_error_naming_the_field(api: Client, client_id: int) -> None:
    version = (await api.get_client(client_id)).version
    with pytest.raises(ValidationError) as caught:
        await api.update_client(client_id, {"email": "not an address"}, version=version)
    assert caught.value.status_code == 422
    assert list(caught.value.fields) == ["email"]
    assert not isinstance(caught.value, FieldLockedError)


async def test_an_unknown_field_is_refused_by_name(api: Client, client_id: int) -> None:
    with pytest.raises(ValidationError) as caught:
        await api.update_client(client_id, {"colour": "blue"}, version=1)
    assert "colour" in caught.value.fields


async def test_changing_a_locked_field_is_field_locked(api: Client, client_id: int) -> None:
    version = (await api.get_client(client_id)).version
    with pytest.raises(FieldLockedError) as caught:
        await api.update_client(client_id, {"enterprise_number": "0202.239.951"}, version=version)
    assert caught.value.code == "field_locked"
    assert isinstance(caught.value, ValidationError)


async def test_a_taken_client_code_is_a_duplicate(
    api: Client, client_id: int, database: Database, firm: FirmAccess
) -> None:
    create_client(database, firm, client_code="TAKEN", enterprise_number="0202239951")
    version = (await api.get_client(client_id)).version
    with pytest.raises(DuplicateError) as caught:
        await api.update_client(client_id, {"client_code": "taken"}, version=version)
    assert caught.value.status_code == 409
    assert "client_code" in caught.value.fields


async def test_a_stale_save_carries_the_current_client(api: Client, client_id: int) -> None:
    read = await api.get_client(client_id)
    await api.update_client(client_id, {"city": "Namur", "postal_code": "5000"}, version=read.version)
    with pytest.raises(StaleVersionError) as caught:
        await api.update_client(client_id, {"phone": "02 123 45 67"}, version=read.version)
    current = caught.value.current
    assert isinstance(current, wire.Client)
    assert (current.city, current.version) == ("Namur", read.version + 1)


class StripIfMatch(httpx.AsyncBaseTransport):
    """A proxy that drops `If-Match` on its way to the real server."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        del request.headers["If-Match"]
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def api_behind_a_stripping_proxy(app: FastAPI, firm: FirmAccess) -> AsyncIterator[Client]:
    async with Client(BASE_URL, token=firm.token, transport=StripIfMatch(real_transport(app))) as api:
        yield api


async def test_a_save_without_its_version_is_precondition_required(
    api_behind_a_stripping_proxy: Client, client_id: int
) -> None:
    with pytest.raises(PreconditionRequiredError) as caught:
        await api_behind_a_stripping_proxy.update_client(client_id, {"city": "Gent"}, version=1)
    assert caught.value.status_code == 428
