"""The mandate's page layout with fpdf2; imported only when a document is printed (see `documents`)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from server.mandates.documents import (
    DATE_FORMATS,
    FONT,
    FONT_DIR,
    Printed,
    address_lines,
    format_enterprise_number,
    format_iban,
    label,
)


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


def render(doc: Printed) -> bytes:
    """The PDF of `doc`: one A4 page (two when the texts run long)."""
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
    pdf.row(label("address", language), address_lines(doc) or [unknown])
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


def _signature_boxes(pdf: _MandateDocument, doc: Printed) -> None:
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
