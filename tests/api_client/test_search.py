"""`search_clients` against the real server in-process (both backends): typed pages, filters, keyset paging."""

from __future__ import annotations

import pytest

from api_client import Client, ValidationError
from api_client import models as wire
from server.db import Database
from tests.factories import FirmAccess, create_client

pytestmark = pytest.mark.anyio

NAMES = ["Boulangerie Émile", "Brasserie Dupont", "Garage Vermeulen", "Électricité Lambert", "Zeeman Transport"]


@pytest.fixture
def ids(database: Database, firm: FirmAccess) -> dict[str, int]:
    """Five clients with different enterprise numbers; the second has no e-mail."""
    numbers = ["0403019261", "0202239951", "0417497106", "0428759497", "0404616494"]
    return {
        name: create_client(
            database,
            firm,
            company_name=name,
            enterprise_number=number,
            email=None if n == 1 else f"info{n}@client.example",
        )
        for n, (name, number) in enumerate(zip(NAMES, numbers, strict=True))
    }


async def test_the_first_page_is_in_company_name_order(api: Client, ids: dict[str, int]) -> None:
    page = await api.search_clients()
    assert isinstance(page, wire.ClientPage)
    assert all(isinstance(item, wire.ClientSummary) for item in page.items)
    assert [item.company_name for item in page.items] == [
        "Boulangerie Émile",
        "Brasserie Dupont",
        "Électricité Lambert",
        "Garage Vermeulen",
        "Zeeman Transport",
    ]
    assert (page.total, page.total_capped, page.next_cursor) == (5, False, None)


async def test_q_matches_without_case_or_accents(api: Client, ids: dict[str, int]) -> None:
    page = await api.search_clients("ELECTRICITE")
    assert [item.id for item in page.items] == [ids["Électricité Lambert"]]


async def test_q_matches_an_enterprise_number_with_dots(api: Client, ids: dict[str, int]) -> None:
    page = await api.search_clients("0202.239")
    assert [item.id for item in page.items] == [ids["Brasserie Dupont"]]


async def test_missing_email_keeps_only_clients_without_one(api: Client, ids: dict[str, int]) -> None:
    page = await api.search_clients(missing_email=True)
    assert [item.id for item in page.items] == [ids["Brasserie Dupont"]]
    assert page.items[0].email is None


async def test_the_cursor_walks_every_client_once(api: Client, ids: dict[str, int]) -> None:
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(5):
        page = await api.search_clients(limit=2, cursor=cursor)
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids.values())
    assert len(seen) == len(set(seen))


async def test_a_limit_over_the_maximum_is_refused(api: Client, ids: dict[str, int]) -> None:
    with pytest.raises(ValidationError) as caught:
        await api.search_clients(limit=wire.MAX_PAGE_SIZE + 1)
    assert "limit" in caught.value.fields
