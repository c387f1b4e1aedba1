"""Fixtures of the mail tests: a client with a mandate in a firm, a fixed clock, a stand-in PDF."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.db import Database
from tests.factories import FirmAccess, create_client, create_mandate

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
"""The tests' "now": a Monday morning; tests move it forward, they never sleep."""

FAKE_PDF = b"%PDF-1.4\n% a stand-in mandate document\n%%EOF\n"


@pytest.fixture
def client_id(database: Database, firm: FirmAccess) -> int:
    return create_client(database, firm, email="compta@dupont.example", language="fr", company_name="Dupont SRL")


@pytest.fixture
def mandate_id(database: Database, firm: FirmAccess, client_id: int) -> int:
    return create_mandate(
        database, firm, client_id, status="sent_to_client", ibans=["BE31435411161155", "BE68539007547034"]
    )
