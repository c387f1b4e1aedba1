"""The mandate document a client signs: a one-page PDF in the client's language, built from current data.

DejaVu Sans ships inside this package (`fonts/`, Bitstream Vera licence) because fpdf2's core fonts only
cover Latin-1: a representative called `Łukasz Dvořák` must print as typed, on a machine that has only pip.
The bytes are deterministic for the same inputs (the creation date is the issue date), so a download, an
e-mail attachment and a test all see the same document; that also lets a process keep the last documents it
built (about 0.1 s of CPU each) and hand them out again while nothing printed on them changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
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


def _address_lines(doc: _Printed) -> list[str]:
    town = " ".join(part for part in (doc.postal_code, doc.city) if part)
    country = label("country.BE", doc.language) if doc.country == "BE" else doc.country
    return [line for line in (doc.street, town, country) if line]


class _MandateDocument(FPDF):
    """An A4 page with the helpers the mandate layout repeats."""

    LABEL_WIDTH = 52.0
    LINE = 6.0

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))

    def footer(self) -> None:
        """Which mandate and version every page belongs to, should the pages be separated."""
        self.set_y(-13)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 11)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y()
        self.set_draw_color(150, 150, 150)
        self.set_line_width(0.2)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(1.5)

    def row(self, name: str, values: list[str]) -> None:
        self.set_font(FONT, "", 9)
        self.set_text_color(90, 90, 90)
        self.cell(self.LABEL_WIDTH, self.LINE, name)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, "", 10.5)
        width = self.w - self.r_margin - self.get_x()
        self.multi_cell(width, self.LINE, "\n".join(values) or "-", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


@dataclass(frozen=True)
class _Printed:
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
    printed = _Printed(
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
def _render(doc: _Printed) -> bytes:
    language = doc.language
    unknown = label("unknown", language)

    pdf = _MandateDocument(
        f"{label('title', language)} · {label('mandate_number', language)} {doc.mandate_id}"
        f" · {label('document_version', language)} {doc.document_version}"
    )
    pdf.set_creation_date(datetime.combine(doc.issued_on, time(0, 0), tzinfo=UTC))
    pdf.set_title(f"{label('title', language)} {doc.mandate_id} v{doc.document_version}")
    pdf.set_subject(doc.company_name)
    pdf.set_lang(language)
    pdf.set_creator("codadesk")
    pdf.add_page()

    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 10, label("title", language), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, label("subtitle", language), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.heading(label("holder", language))
    pdf.row(label("company_name", language), [doc.company_name])
    pdf.row(label("enterprise_number", language), [format_enterprise_number(doc.enterprise_number) or unknown])
    pdf.row(label("address", language), _address_lines(doc) or [unknown])
    pdf.row(label("representative", language), [doc.representative_name or unknown])
    pdf.row(label("function", language), [doc.representative_function or unknown])

    pdf.heading(label("bank_section", language))
    pdf.row(label("bank", language), [doc.bank_name])
    pdf.row(label("bic", language), [doc.bic])
    pdf.row(label("accounts", language), [format_iban(iban) for iban in doc.ibans])

    pdf.heading(label("mandate_section", language))
    pdf.row(label("mandate_number", language), [str(doc.mandate_id)])
    pdf.row(label("document_version", language), [str(doc.document_version)])
    pdf.row(label("date", language), [doc.issued_on.strftime(DATE_FORMATS[language])])

    pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, label("authorisation", language).format(bank=f"{doc.bank_name} ({doc.bic})"), align="J")
    _signature_boxes(pdf, doc)
    return bytes(pdf.output())


def _signature_boxes(pdf: _MandateDocument, doc: _Printed) -> None:
    language = doc.language
    pdf.ln(8)
    gap = 10.0
    width = (pdf.w - pdf.l_margin - pdf.r_margin - gap) / 2
    height = 32.0
    if pdf.get_y() + height + 30 > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    boxes = ((pdf.l_margin, label("signature", language)), (pdf.l_margin + width + gap, label("place_date", language)))
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    for x, title in boxes:
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(width, 6, title)
        pdf.rect(x, top + 7, width, height)
    pdf.set_xy(pdf.l_margin, top + 7 + height + 1.5)
    pdf.set_font(FONT, "", 9)
    signer = ", ".join(part for part in (doc.representative_name, doc.representative_function) if part)
    pdf.multi_cell(width, 4.5, signer or label("unknown", language), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 4, label("sign_note", language), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
