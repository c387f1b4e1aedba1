"""What a search asks, from `q` as typed: folded words, each with the forms it may be found in."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sqlalchemy import TextClause, text

from server.clients.folding import fold
from server.errors import ValidationFailed

Key = tuple[str, int]
"""A row's place in the client table: `(name_key, id)`."""


@functools.lru_cache(maxsize=512)
def sql_text(statement: str) -> TextClause:
    """`text(statement)`, made once per distinct statement: parsing its parameters costs more than the
    simple searches it runs (the statements vary only with the number of words and their forms)."""
    return text(statement)


SUMMARY_COLUMNS = (
    "c.name_key, c.id, c.version, c.client_code, c.company_name, c.enterprise_number, c.email, c.language, c.city"
)
"""What a page row carries (`c` is the clients table), before its count of unsigned mandates."""

MAX_TERMS = 8
"""More words than this are refused: each word is one more filter on every candidate row."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMBER_PART = re.compile(r"(be)?[0-9][0-9.]*|be")


@dataclass(frozen=True)
class Term:
    """One word of the query: a row matches when its search text contains any of the alternatives."""

    alternatives: tuple[str, ...]


@dataclass(frozen=True)
class SearchQuery:
    """One firm's search: every term must match; `missing_email` keeps clients without an e-mail only."""

    firm_id: int
    terms: tuple[Term, ...]
    missing_email: bool


def parse_terms(q: str) -> list[Term]:
    """The words of `q`, folded. A number typed in groups (`0403.019`, `0403 019 261`, `BE 0403...`) is one
    word that also matches as bare digits (`0403019`), as enterprise numbers are stored; it keeps its
    dots and spaces as an alternative, for client codes like `2023.001`."""
    words = fold(_CONTROL.sub(" ", q)).split()
    terms: list[Term] = []
    index = 0
    while index < len(words):
        run = [words[index]]
        index += 1
        if _NUMBER_PART.fullmatch(run[0]):
            while index < len(words) and _NUMBER_PART.fullmatch(words[index]) and not words[index].startswith("be"):
                run.append(words[index])
                index += 1
        if run == ["be"] and index < len(words) and _NUMBER_PART.fullmatch(words[index]):
            run.append(words[index])
            index += 1
        terms.append(Term(_alternatives(run)))
    if len(terms) > MAX_TERMS:
        raise ValidationFailed("Too many words in the search", fields={"q": [f"At most {MAX_TERMS} words"]})
    return terms


def _alternatives(run: list[str]) -> tuple[str, ...]:
    typed = " ".join(run)
    if not any(ch.isdigit() for ch in typed) or not all(_NUMBER_PART.fullmatch(word) for word in run):
        return (typed,)
    joined = "".join(run)
    digits = "".join(ch for ch in joined if ch.isdigit())
    found = [typed, typed.removeprefix("be").strip(), joined, joined.removeprefix("be"), digits]
    return tuple(dict.fromkeys(found))
