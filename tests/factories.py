"""Rows for tests, written straight to the database (the API has no create-client call)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from server.auth import issue_token
from server.clients.folding import fold, search_text
from server.db import Database
from server.models import Client, Firm, Mandate, User

_sequence = itertools.count(1)


@dataclass(frozen=True)
class FirmAccess:
    """A firm with one user and that user's token."""

    firm_id: int
    user_id: int
    token: str
    mode: str
    delivery_root: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def create_firm(
    database: Database, *, mode: str = "service", name: str | None = None, delivery_root: str = "/data/coda"
) -> FirmAccess:
    n = next(_sequence)
    with database.write() as session:
        firm = Firm(name=name or f"Test firm {n}", mandate_management=mode, delivery_root=delivery_root)
        session.add(firm)
        session.flush()
        user = User(firm_id=firm.id, name=f"Agent {n}", email=f"agent{n}@firm{n}.example")
        session.add(user)
        session.flush()
        token = issue_token(session, user, label="test")
        return FirmAccess(firm.id, user.id, token, mode, delivery_root)


def add_user(database: Database, firm: FirmAccess, *, name: str = "Second agent") -> FirmAccess:
    n = next(_sequence)
    with database.write() as session:
        user = User(firm_id=firm.firm_id, name=name, email=f"second{n}@firm.example")
        session.add(user)
        session.flush()
        token = issue_token(session, user, label="test")
        return FirmAccess(firm.firm_id, user.id, token, firm.mode, firm.delivery_root)


CLIENT_DEFAULTS: dict[str, Any] = {
    "company_name": "Acme NV",
    "enterprise_number": "0403019261",
    "email": "boekhouding@acme.example",
    "language": "nl",
    "street": "Kerkstraat 1",
    "postal_code": "9000",
    "city": "Gent",
    "country": "BE",
    "representative_name": "An Peeters",
    "representative_function": "Zaakvoerder",
    "phone": None,
}


def new_client(session: Session, firm_id: int, **fields: Any) -> Client:
    values = {**CLIENT_DEFAULTS, **fields}
    values.setdefault("client_code", f"C{next(_sequence):05d}")
    client = Client(
        firm_id=firm_id,
        client_code_key=fold(values["client_code"]),
        name_key=fold(values["company_name"]),
        search_text=search_text(
            company_name=values["company_name"],
            client_code=values["client_code"],
            email=values["email"],
            enterprise_number=values["enterprise_number"],
        ),
        **values,
    )
    session.add(client)
    session.flush()
    return client


def create_client(database: Database, firm: FirmAccess, **fields: Any) -> int:
    with database.write() as session:
        return new_client(session, firm.firm_id, **fields).id


def create_mandate(
    database: Database,
    firm: FirmAccess,
    client_id: int,
    *,
    status: str = "available_online",
    bic: str = "GEBABEBB",
    ibans: list[str] | None = None,
) -> int:
    with database.write() as session:
        mandate = Mandate(
            firm_id=firm.firm_id,
            client_id=client_id,
            bank_bic=bic,
            ibans=ibans or ["BE31435411161155"],
            status=status,
        )
        session.add(mandate)
        session.flush()
        return mandate.id
