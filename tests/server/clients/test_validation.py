"""Field normalisation and validation (SPEC §2) as tables: what is stored, and what is refused and why."""

from __future__ import annotations

import pytest

from api_client.models import EDITABLE_FIELDS
from server.clients.validation import (
    MAX_LENGTHS,
    FieldError,
    Invalid,
    message,
    normalise,
    validate_changes,
)
from server.i18n import LANGUAGES

BELGIAN = {"country": "BE", "postal_code": "9000"}


def error_of(name: str, raw: str | None) -> str:
    with pytest.raises(Invalid) as caught:
        normalise(name, raw)
    return caught.value.error.code


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0403019261", "0403019261"),
        ("BE 0403.019.261", "0403019261"),
        ("BE0403019261", "0403019261"),
        ("be 0403 019 261", "0403019261"),
        ("0428.759.497", "0428759497"),  # check digits 97
        ("0314.595.348", "0314595348"),
        ("403019261", "0403019261"),  # an old 9-digit number gets its leading 0
        ("403.019.261", "0403019261"),
        ("1234567894", "1234567894"),  # the newer range starts with 1
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_valid_enterprise_numbers_are_stored_as_ten_digits(raw: str | None, stored: str | None) -> None:
    assert normalise("enterprise_number", raw) == stored


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0431150351", "enterprise_number_checksum"),
        ("0403019262", "enterprise_number_checksum"),
        ("2403019261", "enterprise_number_first_digit"),
        ("12345", "enterprise_number_length"),
        ("04030192610", "enterprise_number_length"),
        ("BE0403O19261", "enterprise_number_format"),
        ("FR0403019261", "enterprise_number_format"),
    ],
)
def test_invalid_enterprise_numbers_say_why(raw: str, code: str) -> None:
    assert error_of("enterprise_number", raw) == code


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("jan@example.be", "jan@example.be"),
        ("  Jan.Peeters@EXAMPLE.BE ", "Jan.Peeters@example.be"),
        ("boekhouding+klant@acme.example", "boekhouding+klant@acme.example"),
        ("info@liège.be", "info@liège.be"),
        ("", None),
        (None, None),
    ],
)
def test_valid_emails_are_normalised(raw: str | None, stored: str | None) -> None:
    assert normalise("email", raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["jan", "jan@", "@example.be", "jan@localhost", "jan@example", "jan peeters@example.be", "a@@example.be"],
)
def test_invalid_emails(raw: str) -> None:
    assert error_of("email", raw) == "email_invalid"


def test_an_email_longer_than_254_is_refused() -> None:
    raw = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".be"
    assert error_of("email", raw) == "too_long"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("ACME", "ACME"),
        ("  acme-01 ", "acme-01"),
        ("C.001_a b", "C.001_a b"),
        ("Liège", "Liège"),
        ("Lie\u0300ge", "Liège"),  # NFD input is stored composed
        ("...", "..."),
        ("x" * 40, "x" * 40),
    ],
)
def test_valid_client_codes(raw: str, stored: str) -> None:
    assert normalise("client_code", raw) == stored


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        (None, "required"),
        (".", "client_code_dots"),
        ("..", "client_code_dots"),
        (" .. ", "client_code_dots"),
        ("a/b", "client_code_character"),
        ("a\\b", "client_code_character"),
        ("a:b", "client_code_character"),
        ("a*b", "client_code_character"),
        ("Dupont & Fils", "client_code_character"),
        ("x" * 41, "too_long"),
        ("a\tb", "control_character"),
    ],
)
def test_invalid_client_codes(raw: str | None, code: str) -> None:
    assert error_of("client_code", raw) == code


@pytest.mark.parametrize(
    ("name", "length"),
    [(name, MAX_LENGTHS[name]) for name in EDITABLE_FIELDS if name not in ("language", "country", "enterprise_number")],
)
def test_every_text_field_has_a_maximum_length(name: str, length: int) -> None:
    assert error_of(name, "1" * (length + 1)) == "too_long"


@pytest.mark.parametrize(
    ("field", "length"),
    [("company_name", 120), ("street", 200), ("city", 100), ("representative_name", 120), ("phone", 40)],
)
def test_maximum_lengths_match_the_spec(field: str, length: int) -> None:
    assert MAX_LENGTHS[field] == length


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Acme\x00", "control_character"),
        ("Ac\x07me", "control_character"),
        ("Ac\nme", "control_character"),
        ("Ac\x7fme", "control_character"),
        ("Ac\x85me", "control_character"),  # C1 (NEL)
        ("Ac\x9bme", "control_character"),  # C1 (CSI), opens terminal escapes
        ("Ac\u2028me", "control_character"),
        ("Ac\u200bme", "control_character"),  # zero-width space: "Acme" twice that differ unseen
        ("\ufeffAcme", "control_character"),  # a byte-order mark pasted from a file
        ("Ac\ud800me", "control_character"),  # a lone surrogate, which JSON allows
        ("Ac\u202eme", "bidi_character"),
        ("Ac\u2066me", "bidi_character"),
        ("Ac\u200fme", "bidi_character"),
    ],
)
def test_control_and_bidi_characters_are_refused(raw: str, code: str) -> None:
    assert error_of("company_name", raw) == code


@pytest.mark.parametrize(
    ("name", "raw", "stored"),
    [
        ("company_name", "  Café  Noir\u00a0", "Café  Noir"),
        ("company_name", "Cafe\u0301", "Café"),
        ("street", "", ""),
        ("street", None, ""),
        ("city", " Gent ", "Gent"),
        ("language", "FR", "fr"),
        ("language", " nl ", "nl"),
        ("country", "be", "BE"),
        ("country", "nl", "NL"),
        ("phone", "+32 (0)9 123.45.67", "+32 (0)9 123.45.67"),
        ("phone", "09/123 45 67", "09/123 45 67"),
        ("phone", "", None),
        ("postal_code", "75001", "75001"),  # checked against the country by validate_changes
    ],
)
def test_normalised_values(name: str, raw: str | None, stored: str | None) -> None:
    assert normalise(name, raw) == stored


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("company_name", "", "required"),
        ("language", "es", "language_unknown"),
        ("language", "", "required"),
        ("country", "XX", "country_unknown"),
        ("country", "BEL", "too_long"),
        ("country", "", "required"),
        ("phone", "call me", "phone_characters"),
        ("phone", "32+ 9", "phone_characters"),
        ("phone", "+32", "phone_digits"),
        ("nickname", "x", "unknown_field"),
    ],
)
def test_invalid_values(name: str, raw: str, code: str) -> None:
    assert error_of(name, raw) == code


@pytest.mark.parametrize(
    ("stored", "changes", "errors"),
    [
        (BELGIAN, {"postal_code": "1000"}, {}),
        (BELGIAN, {"postal_code": "9999"}, {}),
        (BELGIAN, {"postal_code": "0999"}, {"postal_code": "postal_code_belgian"}),
        (BELGIAN, {"postal_code": "999"}, {"postal_code": "postal_code_belgian"}),
        (BELGIAN, {"postal_code": "10000"}, {"postal_code": "postal_code_belgian"}),
        (BELGIAN, {"postal_code": "B-9000"}, {"postal_code": "postal_code_belgian"}),
        (BELGIAN, {"postal_code": ""}, {}),  # an address may be incomplete
        (BELGIAN, {"country": "FR", "postal_code": "75001"}, {}),
        (BELGIAN, {"country": "NL", "postal_code": "1012 AB"}, {}),
        ({"country": "FR", "postal_code": "75001"}, {"country": "BE"}, {"postal_code": "postal_code_belgian"}),
        ({"country": "FR", "postal_code": "75001"}, {"city": "Paris"}, {}),
        # a stored value that predates the rules does not block saving other fields
        ({"country": "BE", "postal_code": "75001"}, {"city": "Gent"}, {}),
        ({"country": "BE", "postal_code": "75001"}, {"postal_code": "75001", "country": "BE"}, {}),
    ],
)
def test_belgian_postal_codes(stored: dict[str, str], changes: dict[str, str], errors: dict[str, str]) -> None:
    result = validate_changes(stored, changes)
    assert {name: found[0].code for name, found in result.errors.items()} == errors


@pytest.mark.parametrize(("raw", "shown"), [("a/b", "/"), ("a\u00a0b", "U+00A0"), ("a\u00adb", "U+00AD")])
def test_a_refused_code_character_is_shown_readably(raw: str, shown: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalise("client_code", raw)
    assert caught.value.error == FieldError("client_code_character", {"char": shown})


def test_an_untouched_stored_value_passes_even_if_invalid_today() -> None:
    stored = {"client_code": "A/1", "company_name": "Acme"}
    assert validate_changes(stored, {"client_code": "A/1"}).errors == {}
    assert validate_changes(stored, {"client_code": "B/1"}).errors == {
        "client_code": [FieldError("client_code_character", {"char": "/"})]
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "error",
    [
        FieldError("required"),
        FieldError("too_long", {"max": 40, "length": 41}),
        FieldError("control_character", {"char": "U+0007"}),
        FieldError("bidi_character", {"char": "U+202E"}),
        FieldError("client_code_character", {"char": "/"}),
        FieldError("client_code_dots"),
        FieldError("enterprise_number_length"),
        FieldError("enterprise_number_format"),
        FieldError("enterprise_number_first_digit"),
        FieldError("enterprise_number_checksum"),
        FieldError("email_invalid"),
        FieldError("language_unknown", {"allowed": "fr, nl, de, en"}),
        FieldError("country_unknown"),
        FieldError("postal_code_belgian"),
        FieldError("phone_characters"),
        FieldError("phone_digits", {"min": 6}),
        FieldError("unknown_field"),
    ],
)
def test_every_error_names_the_field_in_every_language(language: str, error: FieldError) -> None:
    labels = {
        "en": "Client code",
        "fr": "Code client",
        "nl": "Klantcode",
        "de": "Kundencode",
    }
    text = message("client_code", error, language)
    assert text.startswith(labels[language])
    assert "{" not in text
