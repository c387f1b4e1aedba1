"""Normalising and validating the editable fields of a client (SPEC §2): pure, no SQL and no HTTP.

Every value goes through the same steps: Unicode NFC, trimmed, refused if a control or bidi-override
character is left in it, refused if longer than its column, then the field's own rule. Errors are codes
with parameters (`FieldError`); `message()` words them in the request's language and names the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import email_validator
from stdnum import exceptions as stdnum_errors
from stdnum.be import vat

from api_client.models import EDITABLE_FIELDS
from server.i18n import translate

MAX_LENGTHS: dict[str, int] = {
    "client_code": 40,
    "company_name": 120,
    "enterprise_number": 40,
    "email": 254,
    "language": 2,
    "street": 200,
    "postal_code": 16,
    "city": 100,
    "country": 2,
    "representative_name": 120,
    "representative_function": 120,
    "phone": 40,
}
"""The longest value each field takes, in characters (the enterprise number's as typed, with BE and dots)."""

REQUIRED_FIELDS = frozenset({"client_code", "company_name", "language", "country"})
"""Fields that cannot be emptied."""
NULLABLE_FIELDS = frozenset({"enterprise_number", "email", "phone"})
"""Fields stored as None when empty; the other optional ones are stored as ""."""

LANGUAGES = ("fr", "nl", "de", "en")
DEFAULT_COUNTRY = "BE"

# ISO 3166-1 alpha-2, the officially assigned codes (249), plus XK (Kosovo, user-assigned but used by the EU
# and by banks). A table rather than a dependency: it changes about once a decade.
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
    ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
    IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
    NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
    SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
    VG VI VN VU WF WS YE YT ZA ZM ZW XK
    """.split()  # noqa: SIM905 - a table a reader can scan
)

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidi embeddings, overrides, isolates and marks: they make text read differently from what is stored."""
INVISIBLE = frozenset("\u2028\u2029\u200b\u2060\ufeff")
"""Line separators and zero-width characters: pasted text brings them, and they hide differences."""

CLIENT_CODE_PUNCTUATION = frozenset(" -_.")
BELGIAN_POSTAL_CODE = re.compile(r"[1-9][0-9]{3}")
PHONE = re.compile(r"\+?[0-9 /.()\-]+")
PHONE_MIN_DIGITS = 6


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field: a code of `server.i18n` (`error.<code>`) and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


class Invalid(Exception):
    """Raised inside the field rules; carries the one error of the value."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.error = FieldError(code, params)


@dataclass(frozen=True)
class Validated:
    """The outcome of validating a partial body against a client's stored values."""

    values: dict[str, str | None]
    """The normalised value of every field that passed (whether or not it differs from the stored one)."""
    errors: dict[str, list[FieldError]]
    """Field → what is wrong, for the fields that did not pass."""


def message(name: str, error: FieldError, language: str) -> str:
    """The error in words, naming the field: `Client code: at most 40 characters`."""
    label = translate(f"field.{name}", language) if f"field.{name}" in _FIELD_KEYS else name
    return translate(f"error.{error.code}", language, field=label, **error.params)


def messages(errors: Mapping[str, list[FieldError]], language: str) -> dict[str, list[str]]:
    return {name: [message(name, e, language) for e in found] for name, found in errors.items()}


_FIELD_KEYS = frozenset(f"field.{name}" for name in EDITABLE_FIELDS)


# --- one field ---------------------------------------------------------------------------------------


def normalise(name: str, raw: str | None) -> str | None:
    """The value to store for `raw` (None or "" when empty, as the field stores it); raises `Invalid`."""
    if name not in EDITABLE_FIELDS:
        raise Invalid("unknown_field")
    text = _clean(raw or "", MAX_LENGTHS[name])
    if not text:
        if name in REQUIRED_FIELDS:
            raise Invalid("required")
        return None if name in NULLABLE_FIELDS else ""
    rule = _RULES.get(name)
    return rule(text) if rule else text


def _clean(raw: str, max_length: int) -> str:
    text = unicodedata.normalize("NFC", raw).strip()
    for char in text:
        if char in BIDI_CONTROLS:
            raise Invalid("bidi_character", char=f"U+{ord(char):04X}")
        if unicodedata.category(char) in ("Cc", "Cs") or char in INVISIBLE:
            raise Invalid("control_character", char=f"U+{ord(char):04X}")
    if len(text) > max_length:
        raise Invalid("too_long", max=max_length, length=len(text))
    return text


def _client_code(text: str) -> str:
    # Letters and decimal digits of any script: the code names a folder, and accented names are common.
    for char in text:
        if char not in CLIENT_CODE_PUNCTUATION and unicodedata.category(char) not in _LETTER_OR_DIGIT:
            shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
            raise Invalid("client_code_character", char=shown)
    if text in (".", ".."):
        raise Invalid("client_code_dots")
    return text


_LETTER_OR_DIGIT = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Mn", "Mc"})


def _enterprise_number(text: str) -> str:
    """Ten digits (`0403019261`) from what a user types: `BE 0403.019.261`, `403019261` (old, 9 digits)."""
    try:
        number: str = vat.validate(text)
    except stdnum_errors.InvalidLength as exc:
        raise Invalid("enterprise_number_length") from exc
    except stdnum_errors.InvalidComponent as exc:
        raise Invalid("enterprise_number_first_digit") from exc
    except stdnum_errors.InvalidChecksum as exc:
        raise Invalid("enterprise_number_checksum") from exc
    except stdnum_errors.ValidationError as exc:
        raise Invalid("enterprise_number_format") from exc
    return number


def _email(text: str) -> str:
    try:
        checked = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise Invalid("email_invalid") from exc
    normalised: str = checked.normalized
    if len(normalised) > MAX_LENGTHS["email"]:
        raise Invalid("too_long", max=MAX_LENGTHS["email"], length=len(normalised))
    return normalised


def _language(text: str) -> str:
    code = text.lower()
    if code not in LANGUAGES:
        raise Invalid("language_unknown", allowed=", ".join(LANGUAGES))
    return code


def _country(text: str) -> str:
    code = text.upper()
    if code not in COUNTRIES:
        raise Invalid("country_unknown")
    return code


def _phone(text: str) -> str:
    if not PHONE.fullmatch(text):
        raise Invalid("phone_characters")
    if sum(c.isdigit() for c in text) < PHONE_MIN_DIGITS:
        raise Invalid("phone_digits", min=PHONE_MIN_DIGITS)
    return text


_RULES = {
    "client_code": _client_code,
    "enterprise_number": _enterprise_number,
    "email": _email,
    "language": _language,
    "country": _country,
    "phone": _phone,
}


# --- a partial body ----------------------------------------------------------------------------------


def validate_changes(stored: Mapping[str, str | None], changes: Mapping[str, str | None]) -> Validated:
    """Normalise every field of a partial body and check the rules that join two fields.

    A value that fails but is exactly what is stored passes unchanged: a field the user did not touch never
    blocks a save, even if it predates today's rules. The Belgian postal-code rule is checked when the
    postal code or the country changes, on the values the client would have after the save.
    """
    values: dict[str, str | None] = {}
    errors: dict[str, list[FieldError]] = {}
    for name, raw in changes.items():
        try:
            values[name] = normalise(name, raw)
        except Invalid as exc:
            if name in stored and raw == stored[name]:
                values[name] = raw
            else:
                errors[name] = [exc.error]
    moved = any(name in values and values[name] != stored.get(name) for name in ("country", "postal_code"))
    if moved and "postal_code" not in errors:
        country = values.get("country", stored.get("country")) or DEFAULT_COUNTRY
        postal_code = values.get("postal_code", stored.get("postal_code")) or ""
        if country == DEFAULT_COUNTRY and postal_code and not BELGIAN_POSTAL_CODE.fullmatch(postal_code):
            errors["postal_code"] = [FieldError("postal_code_belgian")]
            values.pop("postal_code", None)
    return Validated(values=values, errors=errors)
