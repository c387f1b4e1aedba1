"""A mandate in a few lines: bank and BIC, its IBANs in groups of four, status in words, document version."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from api_client.models import Mandate
from tui.safe_text import clean
from tui.widgets.words import iban, say, status_label

STATUS_STYLES: dict[str, str] = {
    "problem": "bold $text-error",
    "active": "$text-success",
    "archived": "dim",
    "signed": "$text-success",
    "bank_procedure": "$text-success",
}
"""Statuses that deserve a colour; the others read in the default text colour."""


def mandate_content(mandate: Mandate, language: str = "en") -> Content:
    """Two lines: `Bank (BIC)  Status · document vN · to present again`, then the IBANs."""
    first: list[str | Content | tuple[str, str]] = [
        (clean(mandate.bank.name), "bold"),
        f" ({clean(mandate.bank.bic)})  ",
        (status_label(mandate.status, language), STATUS_STYLES.get(mandate.status, "")),
        f" · {say('document_version', language, version=mandate.document_version)}",
    ]
    if mandate.needs_representation:
        first.append((f" · {say('needs_representation', language)}", "$text-warning"))
    ibans = ", ".join(iban(clean(value)) for value in mandate.ibans)
    return Content.assemble(*first, "\n  ", (ibans, "dim"))


class MandateList(Static):
    """The mandates of a client, one block each, as on the client screen."""

    def show(self, mandates: Sequence[Mandate], language: str = "en") -> None:
        if not mandates:
            self.update(Content.styled(say("no_mandates", language), "italic dim"))
            return
        self.update(Content("\n").join(mandate_content(m, language) for m in mandates))
