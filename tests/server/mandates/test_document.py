"""The mandate document: a PDF built from the client's current data, in the client's language.

PDFs are checked by their text (extracted with pypdf), not by their bytes.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from server.db import Database
from server.mandates import documents
from server.mandates.documents import render_mandate_pdf
from server.models import Client, Mandate
from tests.factories import FirmAccess
from tests.server.mandates.conftest import MandateAt, MovableClock, make_mandate

IBANS = ["BE31435411161155", "BE48320070184927"]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def download(http: TestClient, firm: FirmAccess, mandate: MandateAt) -> tuple[str, str]:
    answer = http.get(f"{mandate.path}/document", headers=firm.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    return answer.headers["content-disposition"], pdf_text(answer.content)


def test_the_document_prints_what_the_client_signs(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(
        database,
        firm,
        bic="GEBABEBB",
        ibans=IBANS,
        company_name="Brasserie Van Dyck BV",
        enterprise_number="0403019261",
        language="en",
        street="Kouter 7",
        postal_code="9000",
        city="Gent",
        representative_name="Jan Van Dyck",
        representative_function="Director",
    )

    disposition, text = download(http, firm, mandate)

    assert disposition == f'attachment; filename="mandate-{mandate.mandate_id}-v1.pdf"'
    for expected in (
        "CODA mandate",
        "Brasserie Van Dyck BV",
        "0403.019.261",
        "Kouter 7",
        "9000 Gent",
        "Jan Van Dyck",
        "Director",
        "BNP Paribas Fortis",
        "GEBABEBB",
        "BE31 4354 1116 1155",
        "BE48 3200 7018 4927",
        f"Mandate number {mandate.mandate_id}",
        "Document version 1",
        f"Date of issue {clock.now:%d/%m/%Y}",
        "Signature of the representative",
        "Place and date",
    ):
        assert expected in text, expected


def test_a_french_client_gets_french_labels_and_its_accents(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(
        database,
        firm,
        language="fr",
        company_name="Boulangerie Lefèvre & Fils",
        street="Rue de l'Église 12",
        postal_code="4000",
        city="Liège",
        representative_name="Łukasz Dvořák",
        representative_function="Gérant",
    )

    _, text = download(http, firm, mandate)

    for expected in (
        "Mandat CODA",
        "Titulaire du compte",
        "Dénomination Boulangerie Lefèvre & Fils",
        "Numéro d'entreprise",
        "Rue de l'Église 12",
        "4000 Liège",
        "Belgique",
        "Représenté par Łukasz Dvořák",
        "Fonction Gérant",
        "Comptes (IBAN)",
        "Version du document 1",
        "Signature du représentant",
        "Lieu et date",
    ):
        assert expected in text, expected
    assert "Company name" not in text


@pytest.mark.parametrize(
    ("language", "words", "date_format"),
    [
        (
            "nl",
            ["CODA-mandaat", "Rekeninghouder", "Ondernemingsnummer", "Handtekening van de vertegenwoordiger"],
            "%d/%m/%Y",
        ),
        ("de", ["CODA-Mandat", "Kontoinhaber", "Unternehmensnummer", "Unterschrift des Vertreters"], "%d.%m.%Y"),
    ],
)
def test_dutch_and_german_clients_get_their_language(
    http: TestClient,
    database: Database,
    firm: FirmAccess,
    clock: MovableClock,
    language: str,
    words: list[str],
    date_format: str,
) -> None:
    mandate = make_mandate(database, firm, language=language)

    _, text = download(http, firm, mandate)

    for word in [*words, clock.now.strftime(date_format)]:
        assert word in text, word


def test_an_edit_that_changes_printed_data_gives_a_new_version_that_differs_where_the_data_does(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(
        database, firm, status="sent_to_client", language="en", street="Kouter 7", representative_name="Jan Peeters"
    )
    _, before = download(http, firm, mandate)

    saved = http.patch(
        f"/api/v1/clients/{mandate.client_id}",
        headers={**firm.headers, "If-Match": '"1"'},
        json={"street": "Veldstraat 99", "representative_name": "Els Peeters"},
    )
    assert saved.status_code == 200, saved.text
    disposition, after = download(http, firm, mandate)

    assert disposition.endswith(f'filename="mandate-{mandate.mandate_id}-v2.pdf"')
    assert ("Kouter 7" in before, "Veldstraat 99" in before) == (True, False)
    assert ("Kouter 7" in after, "Veldstraat 99" in after) == (False, True)
    assert "Els Peeters" in after
    assert "Jan Peeters" not in after
    assert "Document version 2" in after
    unchanged = [line for line in before.splitlines() if "Kouter" not in line and "Jan Peeters" not in line]
    changed = [line for line in after.splitlines() if "Veldstraat" not in line and "Els Peeters" not in line]
    assert [line.replace("version 1", "version 2") for line in unchanged] == changed


def test_an_unknown_enterprise_number_is_said_so(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm, language="en", enterprise_number=None)

    _, text = download(http, firm, mandate)

    assert "Enterprise number not known" in text


def test_a_signed_mandate_keeps_its_document_readable(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm, status="active", bic="KREDBEBB")

    assert http.get(f"{mandate.path}/document", headers=firm.headers).status_code == 200


def test_the_same_data_gives_the_same_bytes(database: Database, firm: FirmAccess) -> None:
    made = make_mandate(database, firm, ibans=IBANS)
    with database.read() as session:
        client = session.scalars(select(Client).where(Client.id == made.client_id)).one()
        mandate = session.scalars(select(Mandate).where(Mandate.id == made.mandate_id)).one()

    first = render_mandate_pdf(client, mandate, issued_on=date(2026, 1, 5))
    documents._render.cache_clear()  # build it again rather than hand back the cached bytes
    second = render_mandate_pdf(client, mandate, issued_on=date(2026, 1, 5))
    other_day = render_mandate_pdf(client, mandate, issued_on=date(2026, 1, 6))

    assert first == second
    assert first != other_day
    assert PdfReader(io.BytesIO(first)).metadata.creation_date.date() == date(2026, 1, 5)
