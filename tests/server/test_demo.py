"""Demo data (SPEC §9): Belgian-looking, valid, varied enough to show every case, and the same for a seed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from stdnum.be import iban as belgian_iban
from stdnum.be import vat

from api_client.models import MandateStatus
from server.clients.folding import fold, search_text
from server.db import Database
from server.demo import BASE_DATE, DemoAccount, seed_demo
from server.models import Bank, Client, Firm, Mandate
from tests.factories import new_client

CLIENT_CODE = re.compile(r"^[A-Za-z0-9_.\- ]{1,40}$")
ALL_STATUSES = set(MandateStatus.__args__)  # type: ignore[attr-defined]


def clients_of(database: Database, firm_id: int) -> list[Client]:
    with database.read() as session:
        return list(session.scalars(select(Client).where(Client.firm_id == firm_id).order_by(Client.id)))


def mandates_of(database: Database, firm_id: int) -> list[Mandate]:
    with database.read() as session:
        return list(session.scalars(select(Mandate).where(Mandate.firm_id == firm_id).order_by(Mandate.id)))


def comparable(database: Database, account: DemoAccount) -> list[dict[str, Any]]:
    """A firm's clients and their mandates without the ids the database gave them."""
    mandates: dict[int, list[dict[str, Any]]] = {}
    for m in mandates_of(database, account.firm_id):
        fields = {
            c.name: getattr(m, c.name)
            for c in Mandate.__table__.columns
            if c.name not in ("id", "client_id", "firm_id")
        }
        mandates.setdefault(m.client_id, []).append(fields)
    return [
        {
            **{c.name: getattr(row, c.name) for c in Client.__table__.columns if c.name not in ("id", "firm_id")},
            "mandates": mandates.get(row.id, []),
        }
        for row in clients_of(database, account.firm_id)
    ]


def test_the_same_seed_writes_the_same_rows(database: Database) -> None:
    first = seed_demo(database, clients_per_firm=120, firms=2, seed=3)
    again = seed_demo(database, clients_per_firm=120, firms=2, seed=3)
    other = seed_demo(database, clients_per_firm=120, firms=1, seed=4)
    for a, b in zip(first, again, strict=True):
        assert (a.firm_name, a.mandate_management, a.user_email) == (b.firm_name, b.mandate_management, b.user_email)
        assert comparable(database, a) == comparable(database, b)
        assert a.token != b.token  # tokens are secrets, never derived from the seed
    assert comparable(database, first[0]) != comparable(database, other[0])
    with database.read() as session:
        created = session.scalars(select(Firm.created_at).where(Firm.id == first[0].firm_id)).one()
    assert created == BASE_DATE


def test_every_timestamp_is_the_base_date_or_before(database: Database) -> None:
    (account,) = seed_demo(database, clients_per_firm=200, firms=1)
    for client in clients_of(database, account.firm_id):
        assert client.created_at <= client.updated_at <= BASE_DATE
    for mandate in mandates_of(database, account.firm_id):
        assert mandate.created_at <= mandate.status_changed_at <= BASE_DATE
        for moment in (mandate.sent_to_client_at, mandate.last_reminder_at):
            assert moment is None or moment <= BASE_DATE


def test_firms_alternate_between_the_two_modes(database: Database) -> None:
    accounts = seed_demo(database, clients_per_firm=3, firms=3)
    assert [a.mandate_management for a in accounts] == ["service", "firm", "service"]
    assert len({a.firm_name for a in accounts}) == 3


def test_the_printed_token_opens_the_firm(database: Database, http: TestClient) -> None:
    accounts = seed_demo(database, clients_per_firm=2, firms=2)
    for account in accounts:
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {account.token}"}).json()
        assert me["firm"] == {
            "id": account.firm_id,
            "name": account.firm_name,
            "mandate_management": account.mandate_management,
            "delivery_root": me["firm"]["delivery_root"],
        }
        assert me["user"]["email"] == account.user_email


def test_ratios_are_those_of_spec_9(database: Database) -> None:
    accounts = seed_demo(database, clients_per_firm=1500, firms=2, seed=11)
    for account in accounts:
        clients = clients_of(database, account.firm_id)
        assert len(clients) == 1500
        without_number = sum(c.enterprise_number is None for c in clients) / len(clients)
        without_email = sum(c.email is None for c in clients) / len(clients)
        assert 0.07 < without_number < 0.13
        assert 0.11 < without_email < 0.19
        assert {c.language for c in clients} == {"fr", "nl", "de", "en"}
        forms = {c.company_name.rsplit(" ", 1)[-1] for c in clients}
        assert {"NV", "BV", "SRL", "SA", "VZW", "ASBL", "CommV"} <= forms
        assert any(c.city == "Liège" for c in clients)
        with_mandates = {m.client_id for m in mandates_of(database, account.firm_id)}
        assert 0.75 < len(with_mandates) / len(clients) < 0.95


STRAY_WORD = re.compile(
    r"(?:^|\s)(?:De|Van|den|de|Club|Maison)(?=\s+(?:&|BV|NV|CommV|SRL|SA|SComm|GmbH|AG|VZW|ASBL|VoG)?$|\s+&)"
)
"""A particle of a surname (`Van den Broeck`) or of a club's name left alone: `Apotheek Van BV`."""


def test_names_keep_their_particles_together(database: Database) -> None:
    (account,) = seed_demo(database, clients_per_firm=3000, firms=1, seed=2)
    names = [c.company_name for c in clients_of(database, account.firm_id)]
    assert [name for name in names if STRAY_WORD.search(name)] == []
    assert any(" Van den Broeck" in name or "Van den Broeck " in name for name in names), "the check saw some"
    representatives = [c.representative_name for c in clients_of(database, account.firm_id)]
    assert not [name for name in representatives if name.split()[-1] in ("De", "Van", "den", "de")]


def test_every_value_is_valid(database: Database) -> None:
    (account,) = seed_demo(database, clients_per_firm=800, firms=1, seed=5)
    clients = clients_of(database, account.firm_id)
    numbers = [c.enterprise_number for c in clients if c.enterprise_number]
    assert len(numbers) == len(set(numbers))
    assert len({c.client_code_key for c in clients}) == len(clients)
    for c in clients:
        assert c.enterprise_number is None or vat.is_valid(c.enterprise_number), c.enterprise_number
        assert c.enterprise_number is None or re.fullmatch(r"[01]\d{9}", c.enterprise_number)
        assert CLIENT_CODE.match(c.client_code)
        assert c.client_code == c.client_code.strip()
        assert re.fullmatch(r"[1-9]\d{3}", c.postal_code)
        assert c.country == "BE"
        assert c.language in ("fr", "nl", "de", "en")
        assert c.representative_name
        assert c.representative_function
        assert c.street
        assert c.city
        assert c.email is None or re.fullmatch(r"[a-z0-9.\-]+@[a-z0-9\-]+\.example", c.email), c.email
        assert c.name_key == fold(c.company_name)
        assert c.client_code_key == fold(c.client_code)
        assert c.search_text == search_text(
            company_name=c.company_name,
            client_code=c.client_code,
            email=c.email,
            enterprise_number=c.enterprise_number,
        )
    for m in mandates_of(database, account.firm_id):
        assert m.ibans
        for iban in m.ibans:
            assert belgian_iban.is_valid(iban), iban
            assert belgian_iban.to_bic(iban) == m.bank_bic, (iban, m.bank_bic)


@pytest.mark.parametrize("size", [10, 400])
def test_every_status_at_banks_of_every_channel(database: Database, size: int) -> None:
    accounts = seed_demo(database, clients_per_firm=size, firms=2, seed=size)
    with database.read() as session:
        channels = {b.bic: set(b.channel_list) for b in session.scalars(select(Bank))}
    statuses: set[str] = set()
    seen_channels: set[frozenset[str]] = set()
    for account in accounts:
        for m in mandates_of(database, account.firm_id):
            statuses.add(m.status)
            seen_channels.add(frozenset(channels[m.bank_bic]))
    assert statuses == ALL_STATUSES
    assert {"twikey"} <= set().union(*seen_channels)
    assert frozenset({"twikey"}) in seen_channels  # Belfius: Twikey only, no paper
    assert any("bank_app" in c for c in seen_channels)
    assert frozenset({"paper"}) in seen_channels


def test_statuses_follow_the_firms_mode_and_the_clients_email(database: Database) -> None:
    service, office = seed_demo(database, clients_per_firm=400, firms=2, seed=9)
    emails = {c.id: c.email for c in clients_of(database, service.firm_id)}
    service_statuses = {m.status for m in mandates_of(database, service.firm_id)}
    assert "available_online" not in service_statuses
    for m in mandates_of(database, service.firm_id):
        if m.status == "in_preparation":
            assert emails[m.client_id] is None
        if m.status == "sent_to_client":
            assert emails[m.client_id] is not None
            assert m.sent_to_client_at is not None
    office_statuses = {m.status for m in mandates_of(database, office.firm_id)}
    assert "available_online" in office_statuses
    assert not {"in_preparation", "sent_to_client"} & office_statuses


def test_seeding_changes_no_schema_and_later_clients_are_indexed(database: Database, http: TestClient) -> None:
    """The bulk load pauses the SQLite search trigger with a row, not a DROP TRIGGER: another connection's
    prepared statements would fail on a schema change (SQLITE_SCHEMA, "no such table: clients")."""
    with database.read() as session:
        before = session.execute(text("PRAGMA schema_version")).scalar() if database.is_sqlite else None
    (account,) = seed_demo(database, clients_per_firm=40, firms=1, seed=11)
    with database.read() as session:
        after = session.execute(text("PRAGMA schema_version")).scalar() if database.is_sqlite else None
        if database.is_sqlite:
            assert session.execute(text("SELECT count(*) FROM search_index_paused")).scalar() == 0
    assert before == after
    with database.write() as session:
        new_client(session, account.firm_id, company_name="Zyxwvut Unieke Naam BV", enterprise_number=None)
    headers = {"Authorization": f"Bearer {account.token}"}
    found = http.get("/api/v1/clients", params={"q": "zyxwvut"}, headers=headers).json()
    assert [row["company_name"] for row in found["items"]] == ["Zyxwvut Unieke Naam BV"]
    everyone = http.get("/api/v1/clients", params={"q": "bv", "limit": 200}, headers=headers).json()
    assert everyone["total"] > 1, "the seeded clients were indexed at the end of the load"
