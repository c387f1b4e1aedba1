"""Folding text for search and sort: case- and accent-insensitive, the same on SQLite and PostgreSQL.

SQLite 3.40's FTS5 trigram tokenizer cannot remove diacritics (that option came in 3.45), so the folded
text is stored in `clients.search_text` and both the trigram index and the query see folded text only.
"""

from __future__ import annotations

import unicodedata

SEPARATOR = "\x1f"
"""Between the parts of `search_text`, so that a term cannot match across two fields."""


def fold(text: str) -> str:
    """Lower case without accents: `Liège` → `liege`, `ß` → `ss`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text(*, company_name: str, client_code: str, email: str | None, enterprise_number: str | None) -> str:
    """What `q` is matched against: the folded name, code and e-mail, and the enterprise number's digits.

    The number is stored as 10 digits; a query typed with dots is stripped of them before matching.
    """
    parts = [fold(company_name), fold(client_code), fold(email or ""), enterprise_number or ""]
    return SEPARATOR.join(parts)
