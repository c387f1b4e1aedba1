"""GET /api/v1/clients through HTTP on both backends: what the search box and the table rely on."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from server.clients.folding import fold, search_text
from server.db import Database
from server.main import create_app
from server.models import Client, Mandate
from tests.factories import FirmAccess, create_client, create_firm, create_mandate
from tests.server.search.conftest import Searcher


def searcher(http: TestClient, firm: FirmAccess) -> Searcher:
    return Searcher(http, firm.token, firm.firm_id)


def names(body: dict[str, Any]) -> list[str]:
    return [row["company_name"] for row in body["items"]]


@pytest.fixture
def small_firm(database: Database, http: TestClient, firm: FirmAccess) -> Searcher:
    """A firm with a handful of clients whose every searchable field is known."""
    rows: list[dict[str, Any]] = [
        {
            "company_name": "Boulangerie Liège SRL",
            "client_code": "BOUL-01",
            "enterprise_number": "0403019261",
            "email": "compta@boulangerie.example",
        },
        {
            "company_name": "LIEGEOIS Transports SA",
            "client_code": "LIEG-02",
            "enterprise_number": "0428759497",
            "email": None,
        },
        {
            "company_name": "Bakkerij Peeters BV",
            "client_code": "PEET-03",
            "enterprise_number": None,
            "email": "info@peeters-bakkerij.example",
        },
        {
            "company_name": "Bouw Gent NV",
            "client_code": "2023.001",
            "enterprise_number": "0314595348",
            "email": "an.maes@bouw.example",
        },
        {
            "company_name": "Élan Consult BV",
            "client_code": "ELAN_04",
            "enterprise_number": None,
            "email": None,
        },
    ]
    for row in rows:
        create_client(database, firm, **row)
    return searcher(http, firm)


def test_an_empty_query_lists_every_client_in_name_order(small_firm: Searcher) -> None:
    body = small_firm.page()
    assert names(body) == [
        "Bakkerij Peeters BV",
        "Boulangerie Liège SRL",
        "Bouw Gent NV",
        "Élan Consult BV",
        "LIEGEOIS Transports SA",
    ]
    assert body["total"] == 5
    assert body["total_capped"] is False
    assert body["next_cursor"] is None


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("langer", ["Boulangerie Liège SRL"]),  # inside the company name
        ("peet-0", ["Bakkerij Peeters BV"]),  # inside the client code
        ("2023.00", ["Bouw Gent NV"]),  # a client code with a dot keeps its dot
        ("an.maes@", ["Bouw Gent NV"]),  # inside the e-mail
        ("bakkerij.example", ["Bakkerij Peeters BV"]),
        ("8759", ["LIEGEOIS Transports SA"]),  # inside the enterprise number
        ("elan_0", ["Élan Consult BV"]),  # `_` is a character, not a wildcard
        ("n_0", ["Élan Consult BV"]),
        ("zzz", []),
    ],
)
def test_q_matches_a_substring_of_each_field(small_firm: Searcher, q: str, expected: list[str]) -> None:
    assert names(small_firm.page(q=q)) == expected


def test_percent_and_underscore_are_not_wildcards(small_firm: Searcher) -> None:
    assert names(small_firm.page(q="b%v")) == []
    assert names(small_firm.page(q="bou_")) == []


@pytest.mark.parametrize("q", ["liege", "LIÈGE", "Liège", "lIeGe"])
def test_case_and_accents_do_not_matter(small_firm: Searcher, q: str) -> None:
    assert names(small_firm.page(q=q)) == ["Boulangerie Liège SRL", "LIEGEOIS Transports SA"]


def test_an_accented_query_finds_the_name_without_accent_and_back(small_firm: Searcher) -> None:
    assert names(small_firm.page(q="élan")) == ["Élan Consult BV"]
    assert names(small_firm.page(q="ELAN")) == ["Élan Consult BV"]
    assert names(small_firm.page(q="liégeois")) == ["LIEGEOIS Transports SA"]


@pytest.mark.parametrize(
    "q", ["0403.019", "403019", "0403019261", "0403.019.261", "BE0403.019.261", "be 0403019", "BE 0403 019 261"]
)
def test_enterprise_number_with_or_without_dots(small_firm: Searcher, q: str) -> None:
    assert names(small_firm.page(q=q)) == ["Boulangerie Liège SRL"]


def test_several_words_must_all_match_in_any_field(small_firm: Searcher) -> None:
    assert names(small_firm.page(q="bouw gent")) == ["Bouw Gent NV"]
    assert names(small_firm.page(q="gent maes@")) == ["Bouw Gent NV"]  # name and e-mail
    assert names(small_firm.page(q="liege 0428")) == ["LIEGEOIS Transports SA"]
    assert names(small_firm.page(q="liege peeters")) == []
    assert names(small_firm.page(q="  liege   ")) == ["Boulangerie Liège SRL", "LIEGEOIS Transports SA"]


def test_missing_email_lists_only_clients_without_one(small_firm: Searcher) -> None:
    body = small_firm.page(missing_email="true")
    assert names(body) == ["Élan Consult BV", "LIEGEOIS Transports SA"]
    assert body["total"] == 2
    assert names(small_firm.page(missing_email="true", q="liege")) == ["LIEGEOIS Transports SA"]
    assert len(small_firm.page(missing_email="false")["items"]) == 5


@pytest.mark.one_path
def test_a_row_carries_the_table_columns_and_its_unsigned_mandates(
    database: Database, http: TestClient, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, company_name="Garage Dubois SA", city="Liège", language="fr")
    for status in ("available_online", "sent_to_client", "problem", "in_preparation", "active", "archived", "signed"):
        create_mandate(database, firm, client_id, status=status)
    other = create_client(database, firm, company_name="Garage Dupont SA", enterprise_number="0428759497")
    create_mandate(database, firm, other, status="active")
    rows = searcher(http, firm).page(q="garage")["items"]
    assert rows[0] == {
        "id": client_id,
        "version": 1,
        "client_code": rows[0]["client_code"],
        "company_name": "Garage Dubois SA",
        "enterprise_number": "0403019261",
        "email": "boekhouding@acme.example",
        "language": "fr",
        "city": "Liège",
        "unsigned_mandates": 4,
    }
    assert rows[1]["unsigned_mandates"] == 0


def test_other_firms_rows_never_appear(database: Database, http: TestClient, firm: FirmAccess) -> None:
    other = create_firm(database, mode="firm")
    create_client(database, other, company_name="Secret Liège SA")
    mine = create_client(database, firm, company_name="Open Liège SA")
    body = searcher(http, firm).page(q="liege")
    assert [row["id"] for row in body["items"]] == [mine]
    assert body["total"] == 1
    assert searcher(http, firm).page(q="secret")["items"] == []
    assert searcher(http, other).page(q="open")["items"] == []


@pytest.mark.one_path
def test_without_a_token_the_list_is_401(http: TestClient) -> None:
    assert http.get("/api/v1/clients").status_code == 401


# --- paging ---------------------------------------------------------------------------------------------


def test_pages_visit_every_row_once_in_name_order(demo_firm: Searcher, database: Database) -> None:
    rows = demo_firm.all_rows(limit=37)
    with database.read() as session:
        expected = list(
            session.execute(
                select(Client.id).where(Client.firm_id == demo_firm.firm_id).order_by(Client.name_key, Client.id)
            ).scalars()
        )
    assert [row["id"] for row in rows] == expected
    assert len(expected) == 300


@pytest.mark.one_path
def test_every_page_repeats_the_first_pages_total(demo_firm: Searcher) -> None:
    first = demo_firm.page(limit=100)
    second = demo_firm.page(limit=100, cursor=first["next_cursor"])
    assert first["total"] == second["total"] == 300
    assert second["total_capped"] is False


@pytest.mark.parametrize("q", ["e", "ar", "bv", "ele", "erij", "-000", ".example", "04", "peeters", "e bv"])
def test_paging_a_search_visits_every_match_once(demo_firm: Searcher, q: str) -> None:
    everything = demo_firm.all_rows(limit=200)
    expected = [row["id"] for row in everything if all(_matches(row, word) for word in q.split())]
    rows = demo_firm.all_rows(q=q, limit=7)
    assert [row["id"] for row in rows] == expected
    assert len(set(expected)) == len(expected) > 0


def _matches(row: dict[str, Any], word: str) -> bool:
    """SPEC §6 said again the slow way: a substring of a folded field, numbers also without dots."""
    fields = [row["company_name"], row["client_code"], row["email"] or "", row["enterprise_number"] or ""]
    return any(fold(word) in fold(field) or word.replace(".", "") in field for field in fields)


def test_rows_edited_between_pages_are_neither_repeated_nor_lost(demo_firm: Searcher, database: Database) -> None:
    first = demo_firm.page(limit=50)
    seen = [row["id"] for row in first["items"]]
    with database.write() as session:
        later = list(
            session.execute(
                select(Client)
                .where(Client.firm_id == demo_firm.firm_id)
                .order_by(Client.name_key, Client.id)
                .offset(100)
                .limit(2)
            ).scalars()
        )
        # One row not yet seen moves to the very start (behind the cursor), another is renamed in place.
        _rename(later[0], "000 Moved Ahead BV")
        _rename(later[1], later[1].company_name + " Bis")
        moved_id = later[0].id
    cursor = first["next_cursor"]
    while cursor:
        body = demo_firm.page(limit=50, cursor=cursor)
        seen.extend(row["id"] for row in body["items"])
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen)) == 299
    assert moved_id not in seen
    assert demo_firm.page(limit=1)["items"][0]["id"] == moved_id


def _rename(client: Client, name: str) -> None:
    client.company_name = name
    client.name_key = fold(name)
    client.search_text = search_text(
        company_name=name,
        client_code=client.client_code,
        email=client.email,
        enterprise_number=client.enterprise_number,
    )


@pytest.mark.one_path
@pytest.mark.parametrize("limit", [0, -1, 201, 10_000])
def test_a_limit_outside_1_to_200_is_422_naming_limit(small_firm: Searcher, limit: int) -> None:
    answer = small_firm.get(limit=limit)
    assert answer.status_code == 422
    assert "limit" in answer.json()["error"]["fields"]


@pytest.mark.one_path
def test_limits_1_and_200_are_served(small_firm: Searcher) -> None:
    assert len(small_firm.page(limit=1)["items"]) == 1
    assert len(small_firm.page(limit=200)["items"]) == 5


@pytest.mark.one_path
@pytest.mark.parametrize("cursor", ["not a cursor", "e30", "WzEsMiwzXQ", "W10", "!!!", "WyJhIiwxLC0xLGZhbHNlXQ"])
def test_a_bad_cursor_is_422_naming_cursor(small_firm: Searcher, cursor: str) -> None:
    answer = small_firm.get(cursor=cursor)
    assert answer.status_code == 422
    body = answer.json()["error"]
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["cursor"]


@pytest.mark.one_path
def test_a_too_long_query_is_422_naming_q(small_firm: Searcher) -> None:
    answer = small_firm.get(q="x" * 201)
    assert answer.status_code == 422
    assert "q" in answer.json()["error"]["fields"]


# --- total ----------------------------------------------------------------------------------------------


def test_total_is_capped_while_typing_a_frequent_term(database: Database, demo_firm: Searcher) -> None:
    app = create_app(database=database, settings=_settings_with_cap(database, 40))
    with TestClient(app) as http:
        capped = Searcher(http, demo_firm.token, demo_firm.firm_id)
        frequent = capped.page(q="a", limit=10)
        assert frequent["total"] == 40
        assert frequent["total_capped"] is True
        rare = capped.page(q=capped.page(limit=1)["items"][0]["client_code"])
        assert rare["total"] == 1
        assert rare["total_capped"] is False
        deeper = capped.page(q="a", limit=10, cursor=frequent["next_cursor"])
        assert (deeper["total"], deeper["total_capped"]) == (40, True)


def test_the_firms_list_and_its_missing_emails_are_counted_exactly_beyond_the_cap(
    database: Database, demo_firm: Searcher
) -> None:
    """The cap is for text matches while typing: the whole list and the missing-e-mail list say their size."""
    everyone = demo_firm.all_rows(limit=200)
    missing = [row for row in everyone if row["email"] is None]
    assert len(missing) > 10
    app = create_app(database=database, settings=_settings_with_cap(database, 10))
    with TestClient(app) as http:
        capped = Searcher(http, demo_firm.token, demo_firm.firm_id)
        assert (capped.page(limit=5)["total"], capped.page(limit=5)["total_capped"]) == (len(everyone), False)
        body = capped.page(missing_email="true", limit=5)
        assert (body["total"], body["total_capped"]) == (len(missing), False)
        assert capped.page(q="a", limit=5)["total_capped"] is True


def test_total_is_exact_below_the_cap(demo_firm: Searcher) -> None:
    rows = demo_firm.all_rows(q="bv", limit=200)
    body = demo_firm.page(q="bv", limit=5)
    assert body["total"] == len(rows) > 5
    assert body["total_capped"] is False


def _settings_with_cap(database: Database, cap: int) -> Any:
    from server.config import Settings

    return Settings(database_url=database.url.render_as_string(hide_password=False), search_total_cap=cap)


# --- the search index follows edits ---------------------------------------------------------------------


def test_an_edited_name_is_found_by_its_new_name_and_not_the_old(
    database: Database, http: TestClient, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, company_name="Ancienne Brasserie SA")
    me = searcher(http, firm)
    assert names(me.page(q="brasserie")) == ["Ancienne Brasserie SA"]
    with database.write() as session:
        _rename(session.get_one(Client, client_id), "Nouvelle Chocolaterie SA")
    assert names(me.page(q="brasserie")) == []
    assert names(me.page(q="chocolaterie")) == ["Nouvelle Chocolaterie SA"]
    assert names(me.page(q="nouvelle choco")) == ["Nouvelle Chocolaterie SA"]


def test_an_added_email_is_found_and_leaves_the_missing_email_list(
    database: Database, http: TestClient, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, company_name="Menuiserie Renard SRL", email=None)
    me = searcher(http, firm)
    assert names(me.page(missing_email="true")) == ["Menuiserie Renard SRL"]
    with database.write() as session:
        client = session.get_one(Client, client_id)
        session.execute(
            update(Client)
            .where(Client.id == client_id)
            .values(
                email="atelier@renard.example",
                search_text=search_text(
                    company_name=client.company_name,
                    client_code=client.client_code,
                    email="atelier@renard.example",
                    enterprise_number=client.enterprise_number,
                ),
            )
        )
    assert names(me.page(q="atelier@ren")) == ["Menuiserie Renard SRL"]
    assert me.page(missing_email="true")["items"] == []


def test_a_deleted_client_is_no_longer_found(database: Database, http: TestClient, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, company_name="Éphémère Events SRL")
    me = searcher(http, firm)
    assert names(me.page(q="ephemere")) == ["Éphémère Events SRL"]
    with database.write() as session:
        session.execute(delete(Mandate).where(Mandate.client_id == client_id))
        session.execute(delete(Client).where(Client.id == client_id))
    assert me.page(q="ephemere")["items"] == []
