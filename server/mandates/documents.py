"""The mandate document a client signs: a one-page PDF in the client's language, built from current data.

DejaVu Sans ships inside this package (`fonts/`, Bitstream Vera licence) because fpdf2's core fonts only
cover Latin-1: a representative called `Łukasz Dvořák` must print as typed, on a machine that has only pip.
The bytes are deterministic for the same inputs (the creation date is the issue date), so a download, an
e-mail attachment and a test all see the same document; that also lets a process keep the last documents it
built (about 0.1 s of CPU each) and hand them out again while nothing printed on them changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from stdnum import iban as stdnum_iban

from server.models import Client, Mandate

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVuSans"

LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "CODA mandate", "fr": "Mandat CODA", "nl": "CODA-mandaat", "de": "CODA-Mandat"},
    "subtitle": {
        "en": "Authorisation to deliver bank statements (CODA) to the accounting office",
        "fr": "Autorisation de transmettre les extraits de compte (CODA) au bureau comptable",
        "nl": "Toestemming om rekeninguittreksels (CODA) aan het boekhoudkantoor te bezorgen",
        "de": "Genehmigung zur Übermittlung von Kontoauszügen (CODA) an das Buchhaltungsbüro",
    },
    "holder": {"en": "Account holder", "fr": "Titulaire du compte", "nl": "Rekeninghouder", "de": "Kontoinhaber"},
    "company_name": {"en": "Company name", "fr": "Dénomination", "nl": "Naam van de onderneming", "de": "Firmenname"},
    "enterprise_number": {
        "en": "Enterprise number",
        "fr": "Numéro d'entreprise",
        "nl": "Ondernemingsnummer",
        "de": "Unternehmensnummer",
    },
    "address": {"en": "Address", "fr": "Adresse", "nl": "Adres", "de": "Anschrift"},
    "representative": {
        "en": "Represented by",
        "fr": "Représenté par",
        "nl": "Vertegenwoordigd door",
        "de": "Vertreten durch",
    },
    "function": {"en": "Function", "fr": "Fonction", "nl": "Functie", "de": "Funktion"},
    "bank_section": {"en": "Bank", "fr": "Banque", "nl": "Bank", "de": "Bank"},
    "bank": {"en": "Bank", "fr": "Banque", "nl": "Bank", "de": "Bank"},
    "bic": {"en": "BIC", "fr": "BIC", "nl": "BIC", "de": "BIC"},
    "accounts": {"en": "Accounts (IBAN)", "fr": "Comptes (IBAN)", "nl": "Rekeningen (IBAN)", "de": "Konten (IBAN)"},
    "mandate_section": {"en": "Mandate", "fr": "Mandat", "nl": "Mandaat", "de": "Mandat"},
    "mandate_number": {
        "en": "Mandate number",
        "fr": "Numéro de mandat",
        "nl": "Mandaatnummer",
        "de": "Mandatsnummer",
    },
    "document_version": {
        "en": "Document version",
        "fr": "Version du document",
        "nl": "Documentversie",
        "de": "Dokumentversion",
    },
    "date": {"en": "Date of issue", "fr": "Date d'émission", "nl": "Uitgiftedatum", "de": "Ausstellungsdatum"},
    "authorisation": {
        "en": "The account holder, represented as stated above, authorises {bank} to deliver the statements of "
        "the accounts listed above in CODA format, through the service, to its accounting office, until this "
        "mandate is revoked in writing.",
        "fr": "Le titulaire du compte, représenté comme indiqué ci-dessus, autorise {bank} à transmettre les "
        "extraits des comptes repris ci-dessus au format CODA, par l'intermédiaire du service, à son bureau "
        "comptable, jusqu'à la révocation écrite du présent mandat.",
        "nl": "De rekeninghouder, vertegenwoordigd zoals hierboven vermeld, machtigt {bank} om de uittreksels "
        "van de hierboven vermelde rekeningen in CODA-formaat via de dienst aan zijn boekhoudkantoor te "
        "bezorgen, tot dit mandaat schriftelijk herroepen wordt.",
        "de": "Der Kontoinhaber, vertreten wie oben angegeben, ermächtigt {bank}, die Auszüge der oben "
        "aufgeführten Konten im CODA-Format über den Dienst an sein Buchhaltungsbüro zu übermitteln, bis "
        "dieses Mandat schriftlich widerrufen wird.",
    },
    "signature": {
        "en": "Signature of the representative",
        "fr": "Signature du représentant",
        "nl": "Handtekening van de vertegenwoordiger",
        "de": "Unterschrift des Vertreters",
    },
    "place_date": {"en": "Place and date", "fr": "Lieu et date", "nl": "Plaats en datum", "de": "Ort und Datum"},
    "sign_note": {
        "en": "Sign by hand. Do not alter this document: a changed mandate is refused by the bank.",
        "fr": "Signez à la main. Ne modifiez pas ce document: un mandat modifié est refusé par la banque.",
        "nl": "Onderteken met de hand. Wijzig dit document niet: een gewijzigd mandaat wordt door de bank geweigerd.",
        "de": "Handschriftlich unterschreiben. Dieses Dokument nicht ändern: ein geändertes Mandat wird von der "
        "Bank abgelehnt.",
    },
    "unknown": {"en": "not known", "fr": "non connu", "nl": "onbekend", "de": "unbekannt"},
    "country.BE": {"en": "Belgium", "fr": "Belgique", "nl": "België", "de": "Belgien"},
}
"""Every word printed on the document, in the four languages a client may have."""

DATE_FORMATS = {"en": "%d/%m/%Y", "fr": "%d/%m/%Y", "nl": "%d/%m/%Y", "de": "%d.%m.%Y"}


def label(key: str, language: str) -> str:
    texts = LABELS[key]
    return texts.get(language) or texts["en"]


def format_enterprise_number(number: str | None) -> str | None:
    """`0403019261` → `0403.019.261`; anything that is not 10 digits is shown as stored."""
    if not number:
        return None
    if len(number) == 10 and number.isdigit():
        return f"{number[:4]}.{number[4:7]}.{number[7:]}"
    return number


def format_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed on bank documents: `BE31 4354 1116 1155`."""
    return str(stdnum_iban.format(iban))


def document_filename(mandate: Mandate) -> str:
    return f"mandate-{mandate.id}-v{mandate.document_version}.pdf"


def address_lines(doc: Printed) -> list[str]:
    town = " ".join(part for part in (doc.postal_code, doc.city) if part)
    country = label("country.BE", doc.language) if doc.country == "BE" else doc.country
    return [line for line in (doc.street, town, country) if line]


@dataclass(frozen=True)
class Printed:
    """Everything the document prints: the key of the render cache."""

    language: str
    company_name: str
    enterprise_number: str | None
    street: str
    postal_code: str
    city: str
    country: str
    representative_name: str
    representative_function: str
    bank_name: str
    bic: str
    ibans: tuple[str, ...]
    mandate_id: int
    document_version: int
    issued_on: date


def render_mandate_pdf(client: Client, mandate: Mandate, *, issued_on: date) -> bytes:
    """The mandate document for `client` (current data) and `mandate` (with `bank` loaded), in the client's
    language: who signs, the bank and its BIC, each IBAN grouped by four, the mandate number and document
    version, the issue date, the authorisation text and the signature boxes.
    """
    printed = Printed(
        language=client.language if client.language in ("fr", "nl", "de", "en") else "en",
        company_name=client.company_name,
        enterprise_number=client.enterprise_number,
        street=client.street,
        postal_code=client.postal_code,
        city=client.city,
        country=client.country or "BE",
        representative_name=client.representative_name,
        representative_function=client.representative_function,
        bank_name=mandate.bank.name,
        bic=mandate.bank.bic,
        ibans=tuple(mandate.ibans),
        mandate_id=mandate.id,
        document_version=mandate.document_version,
        issued_on=issued_on,
    )
    return _render(printed)


@lru_cache(maxsize=128)
def _render(doc: Printed) -> bytes:
    # fpdf2 (with fontTools) costs 0.19 s and several MB to import: only a process that prints pays for it,
    # not every start of the embedded TUI.
    from server.mandates.pdf_layout import render

    return render(doc)
