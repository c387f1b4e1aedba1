"""The edit rules of SPEC §3-§5 (server/rules.py) as tables: locks, warnings, impact, actions."""

from __future__ import annotations

import itertools

import pytest

from api_client.models import PRINTED_FIELDS, UNSIGNED_STATUSES
from server import rules
from server.rules import ActionRule, MandateFacts

NUMBER = "0403019261"
STATUSES = (
    "registered",
    "in_preparation",
    "available_online",
    "sent_to_client",
    "problem",
    "signed",
    "bank_procedure",
    "active",
    "archived",
)
SIGNED_OR_LATER = ("registered", "signed", "bank_procedure", "active", "archived")
MODES = ("firm", "service")
NAME_LOCK = {"company_name": "enterprise_number_missing"}
NUMBER_LOCK = {"enterprise_number": "enterprise_number_locked"}


# --- locks (L1, L2) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored_number", "expected"),
    [(None, NAME_LOCK), ("", NAME_LOCK), (NUMBER, NUMBER_LOCK)],
)
def test_locks_follow_the_stored_number(stored_number: str | None, expected: dict[str, str]) -> None:
    assert rules.locks({"enterprise_number": stored_number, "company_name": "Acme"}) == expected


@pytest.mark.parametrize(
    ("stored_number", "changes", "expected"),
    [
        # no number stored: the number may be filled in, the name is locked (also in the save that fills it)
        (None, {"enterprise_number": NUMBER}, {}),
        (None, {"company_name": "New"}, NAME_LOCK),
        (None, {"enterprise_number": NUMBER, "company_name": "New"}, NAME_LOCK),
        (None, {"city": "Brugge"}, {}),
        (None, {"enterprise_number": None}, {}),
        (None, {"company_name": "Acme"}, {}),
        ("", {"enterprise_number": NUMBER}, {}),
        ("", {"company_name": "New"}, NAME_LOCK),
        ("", {"enterprise_number": NUMBER, "company_name": "New"}, NAME_LOCK),
        # a number stored: it cannot change or be cleared, the name is free
        (NUMBER, {"enterprise_number": "0428759497"}, NUMBER_LOCK),
        (NUMBER, {"enterprise_number": None}, NUMBER_LOCK),
        (NUMBER, {"enterprise_number": ""}, NUMBER_LOCK),
        (NUMBER, {"enterprise_number": NUMBER}, {}),
        (NUMBER, {"company_name": "New"}, {}),
        (NUMBER, {"enterprise_number": "0428759497", "company_name": "New"}, NUMBER_LOCK),
        (NUMBER, {"city": "Brugge", "client_code": "X"}, {}),
        (NUMBER, {}, {}),
    ],
)
def test_lock_violations(stored_number: str | None, changes: dict[str, str | None], expected: dict[str, str]) -> None:
    stored = {"enterprise_number": stored_number, "company_name": "Acme", "city": "Gent", "client_code": "A"}
    changed = rules.changed_fields(stored, changes)
    assert rules.lock_violations(stored, changed) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Gent", "Gent", None),
        ("Gent", "Brugge", ("Gent", "Brugge")),
        (None, "", None),
        ("", None, None),
        ("", "x", (None, "x")),
        ("x", "", ("x", None)),
        (None, "x", (None, "x")),
        ("x", None, ("x", None)),
        ("ACME", "acme", ("ACME", "acme")),
    ],
)
def test_changed_fields_treats_none_and_empty_alike(
    old: str | None, new: str | None, expected: tuple[str | None, str | None] | None
) -> None:
    changed = rules.changed_fields({"city": old}, {"city": new})
    assert changed == ({} if expected is None else {"city": expected})


# --- impact ---------------------------------------------------------------------------------------------

NOT_PRINTED = ("client_code", "phone")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("field", sorted(PRINTED_FIELDS) + list(NOT_PRINTED))
def test_a_printed_field_impacts_every_unsigned_mandate(mode: str, status: str, field: str) -> None:
    mandate = MandateFacts(7, status, frozenset({"paper"}))

    result = rules.impact({field: ("old", "new")}, [mandate], mode=mode)

    impacted = field in PRINTED_FIELDS and status in UNSIGNED_STATUSES
    assert result.new_document == (frozenset({7}) if impacted else frozenset())
    assert result.to_represent == result.new_document
    assert result.printed_changes == ((field,) if field in PRINTED_FIELDS else ())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(
    ("old_email", "new_email", "added"),
    [(None, "a@b.example", True), ("a@b.example", "c@d.example", False), ("a@b.example", None, False)],
)
def test_an_email_added_in_service_mode_impacts_in_preparation_only(
    mode: str, status: str, old_email: str | None, new_email: str | None, added: bool
) -> None:
    mandate = MandateFacts(7, status, frozenset({"twikey"}))

    result = rules.impact({"email": (old_email, new_email)}, [mandate], mode=mode)

    expected = added and mode == "service" and status == "in_preparation"
    assert result.to_represent == (frozenset({7}) if expected else frozenset())
    assert result.new_document == frozenset()  # nothing printed changed


def test_impact_joins_a_printed_change_and_an_added_email() -> None:
    mandates = [
        MandateFacts(1, "in_preparation", frozenset({"paper"})),
        MandateFacts(2, "sent_to_client", frozenset({"paper"})),
        MandateFacts(3, "active", frozenset({"paper"})),
    ]
    changed = {"email": (None, "a@b.example"), "city": ("Gent", "Brugge")}

    result = rules.impact(changed, mandates, mode="service")

    assert result.new_document == frozenset({1, 2})
    assert result.to_represent == frozenset({1, 2})
    assert result.printed_changes == ("city",)


# --- warnings -------------------------------------------------------------------------------------------

UNSIGNED = [MandateFacts(1, "sent_to_client", frozenset({"paper"})), MandateFacts(2, "active", frozenset({"paper"}))]
SIGNED_ONLY = [MandateFacts(2, "active", frozenset({"paper"}))]
IN_PREPARATION = [MandateFacts(3, "in_preparation", frozenset({"paper"}))]


@pytest.mark.parametrize(
    ("changed", "mandates", "mode", "expected"),
    [
        ({}, UNSIGNED, "service", []),
        ({"phone": (None, "+32 9 123 45 67")}, UNSIGNED, "service", []),
        ({"street": ("a", "b")}, [], "service", []),
        ({"street": ("a", "b")}, SIGNED_ONLY, "service", []),
        ({"client_code": ("A", "B")}, UNSIGNED, "service", ["client_code_changed"]),
        ({"enterprise_number": (None, NUMBER)}, [], "firm", ["enterprise_number_set"]),
        ({"enterprise_number": (None, NUMBER)}, UNSIGNED, "firm", ["enterprise_number_set", "mandates_to_represent"]),
        ({"enterprise_number": (NUMBER, "0428759497")}, [], "firm", []),
        ({"enterprise_number": (NUMBER, None)}, [], "firm", []),
        ({"email": (None, "a@b.example")}, [], "firm", ["email_changed"]),
        ({"email": ("a@b.example", "c@d.example")}, UNSIGNED, "service", ["email_changed"]),
        ({"email": ("a@b.example", None)}, UNSIGNED, "service", ["email_changed"]),
        ({"email": (None, "a@b.example")}, IN_PREPARATION, "service", ["email_changed", "mandates_to_represent"]),
        ({"email": (None, "a@b.example")}, IN_PREPARATION, "firm", ["email_changed"]),
        ({"language": ("nl", "fr")}, [], "firm", ["language_changed"]),
        ({"language": ("nl", "fr")}, UNSIGNED, "firm", ["language_changed", "mandates_to_represent"]),
        ({"street": ("a", "b")}, UNSIGNED, "firm", ["mandates_to_represent"]),
        (
            {"client_code": ("A", "B"), "email": (None, "x@y.example"), "city": ("Gent", "Brugge")},
            UNSIGNED,
            "service",
            ["client_code_changed", "email_changed", "mandates_to_represent"],
        ),
    ],
)
def test_which_warnings_a_change_gives(
    changed: dict[str, tuple[str | None, str | None]], mandates: list[MandateFacts], mode: str, expected: list[str]
) -> None:
    result = rules.impact(changed, mandates, mode=mode)
    found = rules.warnings(changed, result, delivery_root="/coda")
    assert [w.code for w in found] == expected


def test_warning_details() -> None:
    changed: dict[str, tuple[str | None, str | None]] = {
        "client_code": ("OLD", "NEW"),
        "enterprise_number": (None, NUMBER),
        "email": ("a@b.example", None),
        "language": ("nl", "de"),
        "street": ("a", "b"),
    }
    mandates = [*UNSIGNED, MandateFacts(4, "problem", frozenset({"twikey"}))]

    found = {
        w.code: w for w in rules.warnings(changed, rules.impact(changed, mandates, mode="firm"), delivery_root="/d/")
    }

    assert found["client_code_changed"].details == {"old_path": "/d/OLD/CODA", "new_path": "/d/NEW/CODA"}
    assert found["enterprise_number_set"].details == {"value": NUMBER}
    assert found["email_changed"].details == {"old": "a@b.example", "new": None}
    assert found["language_changed"].details == {"old": "nl", "new": "de"}
    represent = found["mandates_to_represent"]
    assert represent.details == {
        "count": 2,
        "fields": ["enterprise_number", "language", "street"],
        "mandate_ids": [1, 4],
    }
    assert represent.field == "enterprise_number"


def test_the_represent_warning_names_email_when_only_an_added_email_impacts() -> None:
    changed: dict[str, tuple[str | None, str | None]] = {"email": (None, "a@b.example")}
    found = rules.warnings(changed, rules.impact(changed, IN_PREPARATION, mode="service"), delivery_root="/d")
    assert (found[-1].code, found[-1].field, found[-1].details["fields"]) == (
        "mandates_to_represent",
        "email",
        ["email"],
    )


# --- actions --------------------------------------------------------------------------------------------

BNP = frozenset({"twikey", "paper"})
BELFIUS = frozenset({"twikey"})
KBC = frozenset({"bank_app", "paper"})
ING = frozenset({"paper"})
CHANNEL_SETS = [BNP, BELFIUS, KBC, ING, frozenset({"bank_app"}), frozenset({"twikey", "bank_app"}), frozenset()]


def available(name: str) -> ActionRule:
    return ActionRule(name, True)


def refused(name: str, reason: str) -> ActionRule:
    return ActionRule(name, False, reason)


@pytest.mark.parametrize(
    ("status", "channels", "mode", "email", "twikey", "expected"),
    [
        # the examples a user meets most: the spec's table read row by row
        (
            "sent_to_client",
            BNP,
            "service",
            True,
            True,
            [available("download"), available("sign_twikey"), available("archive"), available("resend")],
        ),
        (
            "sent_to_client",
            BELFIUS,
            "service",
            True,
            True,
            [refused("download", "bank_no_paper"), available("sign_twikey"), available("archive"), available("resend")],
        ),
        (
            "available_online",
            KBC,
            "firm",
            True,
            True,
            [
                available("download"),
                refused("sign_twikey", "bank_no_twikey"),
                available("archive"),
                refused("resend", "firm_manages_mandates"),
            ],
        ),
        (
            "in_preparation",
            BNP,
            "service",
            False,
            False,
            [
                available("download"),
                refused("sign_twikey", "twikey_not_configured"),
                available("archive"),
                refused("resend", "client_has_no_email"),
            ],
        ),
        (
            "problem",
            BELFIUS,
            "service",
            True,
            True,
            [
                refused("download", "bank_no_paper"),
                refused("sign_twikey", "status_not_signable"),
                available("archive"),
                available("resend"),
            ],
        ),
        (
            "active",
            BNP,
            "service",
            True,
            True,
            [
                refused("download", "mandate_not_unsigned"),
                refused("sign_twikey", "mandate_not_unsigned"),
                available("archive"),
                refused("resend", "mandate_not_unsigned"),
            ],
        ),
        (
            "archived",
            BNP,
            "service",
            True,
            True,
            [refused(name, "mandate_archived") for name in ("download", "sign_twikey", "archive", "resend")],
        ),
    ],
)
def test_actions_examples(
    status: str, channels: frozenset[str], mode: str, email: bool, twikey: bool, expected: list[ActionRule]
) -> None:
    assert rules.actions(status, channels, mode=mode, client_has_email=email, twikey_configured=twikey) == expected


def expected_actions(
    status: str, channels: frozenset[str], mode: str, email: bool, twikey: bool
) -> dict[str, tuple[bool, str | None]]:
    """SPEC §5's action table, one column per action, with the first failing condition as the reason."""
    if status == "archived":
        return dict.fromkeys(("download", "sign_twikey", "archive", "resend"), (False, "mandate_archived"))
    if status not in UNSIGNED_STATUSES:
        return {
            "download": (False, "mandate_not_unsigned"),
            "sign_twikey": (False, "mandate_not_unsigned"),
            "archive": (True, None),
            "resend": (False, "mandate_not_unsigned"),
        }
    download = (True, None) if "paper" in channels else (False, "bank_no_paper")
    if "twikey" not in channels:
        sign = (False, "bank_no_twikey")
    elif status == "problem":
        sign = (False, "status_not_signable")
    elif not twikey:
        sign = (False, "twikey_not_configured")
    else:
        sign = (True, None)
    if mode == "firm":
        resend = (False, "firm_manages_mandates")
    elif not email:
        resend = (False, "client_has_no_email")
    else:
        resend = (True, None)
    return {"download": download, "sign_twikey": sign, "archive": (True, None), "resend": resend}


@pytest.mark.parametrize(
    ("status", "channels", "mode", "email", "twikey"),
    list(itertools.product(STATUSES, CHANNEL_SETS, MODES, (True, False), (True, False))),
)
def test_actions_for_every_status_channel_mode_email_and_twikey(
    status: str, channels: frozenset[str], mode: str, email: bool, twikey: bool
) -> None:
    found = rules.actions(status, channels, mode=mode, client_has_email=email, twikey_configured=twikey)

    assert [a.action for a in found] == ["download", "sign_twikey", "archive", "resend"]
    assert {a.action: (a.available, a.reason) for a in found} == expected_actions(status, channels, mode, email, twikey)
    assert all((a.reason is None) == a.available for a in found)


@pytest.mark.parametrize("status", SIGNED_OR_LATER)
def test_signed_mandates_are_never_impacted(status: str) -> None:
    changed: dict[str, tuple[str | None, str | None]] = dict.fromkeys(PRINTED_FIELDS, ("a", "b"))
    changed["email"] = (None, "a@b.example")
    result = rules.impact(changed, [MandateFacts(1, status, BNP)], mode="service")
    assert result.new_document == result.to_represent == frozenset()


def test_delivery_folder_joins_root_and_code() -> None:
    assert rules.delivery_folder("/data/coda/", "ACME 01") == "/data/coda/ACME 01/CODA"
    assert rules.delivery_folder("/data/coda", "ACME") == "/data/coda/ACME/CODA"
