"""Text from the server is untrusted on screen: never markup, and no control character reaches the terminal.

Every string that came over the wire goes through `clean` (or `safe`, which wraps it in a `rich.text.Text`
so Textual never parses it as markup). Removed: C0 controls (ESC included), DEL, C1 controls, and the
bidirectional overrides and isolates that can make a name read differently from what it is.
"""

from __future__ import annotations

import re

from rich.text import Text

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")


def clean(value: object, *, max_length: int | None = None) -> str:
    """`value` as one line of printable text; None is the empty string."""
    if value is None:
        return ""
    text = _UNSAFE.sub("", _LINE_BREAKS.sub(" ", str(value)))
    if max_length is not None and len(text) > max_length:
        return text[: max(0, max_length - 1)] + "…"
    return text


def safe(value: object, style: str = "", *, max_length: int | None = None) -> Text:
    """A `Text` showing `value` literally (markup-like brackets stay brackets), cleaned."""
    return Text(clean(value, max_length=max_length), style=style, no_wrap=True, end="")
