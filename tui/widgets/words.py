"""The words the client screen and the action sheet show, in English, French and Dutch, and the display forms.

Server strings (messages, reasons, warnings) arrive already in the language the client asked for; this module
holds the TUI's own words: field labels, mandate statuses (SPEC §5), action names and fallback reasons. A
missing translation falls back to English.
"""

from __future__ import annotations

from typing import Any

from tui.safe_text import clean

UI_LANGUAGES = ("en", "fr", "nl")
DEFAULT_UI_LANGUAGE = "en"

STATUS_LABELS: dict[str, dict[str, str]] = {
    "registered": {"en": "Registered", "fr": "Inscrit", "nl": "Ingeschreven"},
    "in_preparation": {"en": "In preparation", "fr": "En préparation", "nl": "In voorbereiding"},
    "available_online": {"en": "Available online", "fr": "Dispo. en ligne", "nl": "Online beschikbaar"},
    "sent_to_client": {"en": "Sent to client", "fr": "Envoyé au client", "nl": "Verzonden naar klant"},
    "problem": {"en": "Problem", "fr": "Problème", "nl": "Probleem"},
    "signed": {"en": "Signed", "fr": "Signé", "nl": "Ondertekend"},
    "bank_procedure": {"en": "Bank procedure", "fr": "Procédure bancaire", "nl": "Bankprocedure"},
    "active": {"en": "Active", "fr": "Actif", "nl": "Actief"},
    "archived": {"en": "Archived", "fr": "Archivé", "nl": "Gearchiveerd"},
}
"""Mandate statuses in words, exactly as SPEC §5 names them."""

FIELD_LABELS: dict[str, dict[str, str]] = {
    "client_code": {"en": "Client code", "fr": "Code client", "nl": "Klantcode"},
    "company_name": {"en": "Company name", "fr": "Nom de l'entreprise", "nl": "Bedrijfsnaam"},
    "enterprise_number": {"en": "Enterprise number", "fr": "Numéro d'entreprise", "nl": "Ondernemingsnummer"},
    "email": {"en": "E-mail", "fr": "E-mail", "nl": "E-mail"},
    "language": {"en": "Language", "fr": "Langue", "nl": "Taal"},
    "street": {"en": "Street", "fr": "Rue", "nl": "Straat"},
    "postal_code": {"en": "Postal code", "fr": "Code postal", "nl": "Postcode"},
    "city": {"en": "City", "fr": "Localité", "nl": "Gemeente"},
    "country": {"en": "Country", "fr": "Pays", "nl": "Land"},
    "representative_name": {"en": "Representative", "fr": "Représentant", "nl": "Vertegenwoordiger"},
    "representative_function": {"en": "Function", "fr": "Fonction", "nl": "Functie"},
    "phone": {"en": "Phone", "fr": "Téléphone", "nl": "Telefoon"},
    "delivery_folder": {"en": "Delivery folder", "fr": "Dossier de livraison", "nl": "Leveringsmap"},
}
"""Labels of the client's fields, in the order `EDITABLE_FIELDS` gives."""

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "fr": {"en": "French", "fr": "Français", "nl": "Frans"},
    "nl": {"en": "Dutch", "fr": "Néerlandais", "nl": "Nederlands"},
    "de": {"en": "German", "fr": "Allemand", "nl": "Duits"},
    "en": {"en": "English", "fr": "Anglais", "nl": "Engels"},
}

ACTION_LABELS: dict[str, dict[str, str]] = {
    "download": {"en": "Download", "fr": "Télécharger", "nl": "Downloaden"},
    "sign_twikey": {"en": "Sign with Twikey", "fr": "Signer avec Twikey", "nl": "Ondertekenen met Twikey"},
    "archive": {"en": "Archive", "fr": "Archiver", "nl": "Archiveren"},
    "resend": {"en": "Resend", "fr": "Renvoyer", "nl": "Opnieuw verzenden"},
}

REASONS: dict[str, dict[str, str]] = {
    "bank_no_paper": {
        "en": "This bank accepts no paper mandate",
        "fr": "Cette banque n'accepte pas de mandat papier",
        "nl": "Deze bank aanvaardt geen papieren mandaat",
    },
    "bank_no_twikey": {
        "en": "This bank does not sign through Twikey",
        "fr": "Cette banque ne signe pas via Twikey",
        "nl": "Deze bank ondertekent niet via Twikey",
    },
    "status_not_signable": {
        "en": "A mandate with a problem cannot be signed",
        "fr": "Un mandat en problème ne peut pas être signé",
        "nl": "Een mandaat met een probleem kan niet ondertekend worden",
    },
    "twikey_not_configured": {
        "en": "Twikey is not configured on this server",
        "fr": "Twikey n'est pas configuré sur ce serveur",
        "nl": "Twikey is niet geconfigureerd op deze server",
    },
    "firm_manages_mandates": {
        "en": "Your office manages its mandates: the service sends nothing",
        "fr": "Votre bureau gère ses mandats: le service n'envoie rien",
        "nl": "Uw kantoor beheert zijn mandaten: de dienst stuurt niets",
    },
    "client_has_no_email": {
        "en": "The client has no e-mail address",
        "fr": "Le client n'a pas d'adresse e-mail",
        "nl": "De klant heeft geen e-mailadres",
    },
    "mandate_not_unsigned": {
        "en": "The mandate is already signed",
        "fr": "Le mandat est déjà signé",
        "nl": "Het mandaat is al ondertekend",
    },
    "mandate_archived": {
        "en": "The mandate is archived",
        "fr": "Le mandat est archivé",
        "nl": "Het mandaat is gearchiveerd",
    },
}
"""Local wording of the action reasons, for when the server sent a code without a message."""

WORDS: dict[str, dict[str, str]] = {
    "mandates": {"en": "Mandates", "fr": "Mandats", "nl": "Mandaten"},
    "no_mandates": {"en": "No mandates", "fr": "Aucun mandat", "nl": "Geen mandaten"},
    "history": {"en": "History", "fr": "Historique", "nl": "Geschiedenis"},
    "no_history": {"en": "No changes yet", "fr": "Aucune modification", "nl": "Nog geen wijzigingen"},
    "loading": {"en": "Loading…", "fr": "Chargement…", "nl": "Laden…"},
    "empty": {"en": "—", "fr": "—", "nl": "—"},
    "document_version": {"en": "document v{version}", "fr": "document v{version}", "nl": "document v{version}"},
    "needs_representation": {
        "en": "to present again",
        "fr": "à présenter à nouveau",
        "nl": "opnieuw voor te leggen",
    },
    "editing": {"en": "Editing", "fr": "Modification", "nl": "Bewerken"},
    "saving": {"en": "Saving…", "fr": "Enregistrement…", "nl": "Opslaan…"},
    "saved": {"en": "Saved", "fr": "Enregistré", "nl": "Opgeslagen"},
    "nothing_to_save": {"en": "Nothing to save", "fr": "Rien à enregistrer", "nl": "Niets op te slaan"},
    "drop_changes": {
        "en": "Drop your unsaved changes?",
        "fr": "Abandonner vos modifications non enregistrées?",
        "nl": "Uw niet-opgeslagen wijzigingen verwerpen?",
    },
    "drop": {"en": "Drop them", "fr": "Abandonner", "nl": "Verwerpen"},
    "keep_editing": {"en": "Keep editing", "fr": "Continuer", "nl": "Verder bewerken"},
    "yes": {"en": "Yes", "fr": "Oui", "nl": "Ja"},
    "no": {"en": "No", "fr": "Non", "nl": "Nee"},
    "conflict": {
        "en": "Someone saved this client while you were editing. For each field below, keep theirs or yours "
        "(space), or reload (ctrl+r); then save again.",
        "fr": "Quelqu'un a enregistré ce client pendant votre modification. Pour chaque champ ci-dessous, "
        "gardez sa valeur ou la vôtre (espace), ou rechargez (ctrl+r); puis enregistrez à nouveau.",
        "nl": "Iemand heeft deze klant opgeslagen terwijl u bewerkte. Kies per veld hieronder hun waarde of "
        "de uwe (spatie), of herlaad (ctrl+r); sla daarna opnieuw op.",
    },
    "theirs": {"en": "Theirs", "fr": "La leur", "nl": "Hun waarde"},
    "yours": {"en": "Yours", "fr": "La vôtre", "nl": "Uw waarde"},
    "reload_question": {
        "en": "Reload the client and drop what you typed?",
        "fr": "Recharger le client et abandonner ce que vous avez tapé?",
        "nl": "De klant herladen en wat u typte verwerpen?",
    },
    "reload": {"en": "Reload", "fr": "Recharger", "nl": "Herladen"},
    "folder_change": {"en": "{old} → {new}", "fr": "{old} → {new}", "nl": "{old} → {new}"},
    "mandates_count": {
        "en": "{count} unsigned mandate(s) to present again",
        "fr": "{count} mandat(s) non signé(s) à présenter à nouveau",
        "nl": "{count} niet-ondertekend(e) mandaat/mandaten opnieuw voor te leggen",
    },
    "impacted": {
        "en": "Mandates to present again: {name}",
        "fr": "Mandats à présenter à nouveau: {name}",
        "nl": "Opnieuw voor te leggen mandaten: {name}",
    },
    "client_mandates": {"en": "Mandates of {name}", "fr": "Mandats de {name}", "nl": "Mandaten van {name}"},
    "not_available": {"en": "not available", "fr": "indisponible", "nl": "niet beschikbaar"},
    "archive_question": {
        "en": "Archive the mandate at {bank} ({ibans})? It stops the delivery of its statements.",
        "fr": "Archiver le mandat chez {bank} ({ibans})? La livraison de ses extraits s'arrête.",
        "nl": "Het mandaat bij {bank} ({ibans}) archiveren? De levering van de uittreksels stopt.",
    },
    "downloaded": {"en": "Saved the PDF to {path}", "fr": "PDF enregistré dans {path}", "nl": "PDF bewaard in {path}"},
    "twikey_link": {
        "en": "Signing link (copied): {url}",
        "fr": "Lien de signature (copié): {url}",
        "nl": "Ondertekeningslink (gekopieerd): {url}",
    },
    "archived": {"en": "Archived", "fr": "Archivé", "nl": "Gearchiveerd"},
    "resent": {
        "en": "Queued e-mail {message_id}",
        "fr": "E-mail {message_id} en file",
        "nl": "E-mail {message_id} in wachtrij",
    },
    "outbox_file": {
        "en": "No mail server: the e-mail was written to {path}",
        "fr": "Pas de serveur mail: l'e-mail a été écrit dans {path}",
        "nl": "Geen mailserver: de e-mail werd geschreven naar {path}",
    },
    "mail_sent": {"en": "Sent to {to}", "fr": "Envoyé à {to}", "nl": "Verzonden naar {to}"},
    "mail_failed": {
        "en": "Sending failed: {error}",
        "fr": "L'envoi a échoué: {error}",
        "nl": "Verzenden mislukt: {error}",
    },
    "working": {"en": "Working…", "fr": "En cours…", "nl": "Bezig…"},
    "offline": {
        "en": "The server does not answer: nothing was changed",
        "fr": "Le serveur ne répond pas: rien n'a été modifié",
        "nl": "De server antwoordt niet: er werd niets gewijzigd",
    },
    "draft_offer": {
        "en": "An unsaved edit of {name} ({code}) from {time}",
        "fr": "Une modification non enregistrée de {name} ({code}) du {time}",
        "nl": "Een niet-opgeslagen wijziging van {name} ({code}) van {time}",
    },
    "draft_more": {"en": "… and {count} more", "fr": "… et {count} de plus", "nl": "… en nog {count}"},
    "draft_restore": {"en": "Restore", "fr": "Restaurer", "nl": "Herstellen"},
    "draft_discard": {"en": "Discard", "fr": "Supprimer", "nl": "Weggooien"},
    "draft_later": {"en": "Later", "fr": "Plus tard", "nl": "Later"},
}
"""Everything else the screens say."""


def _pick(table: dict[str, str], language: str) -> str:
    return table.get(language) or table[DEFAULT_UI_LANGUAGE]


def say(key: str, language: str = DEFAULT_UI_LANGUAGE, /, **params: Any) -> str:
    """The TUI's words for `key` in `language`, with `{name}` parameters filled in (values as given)."""
    template = _pick(WORDS[key], language)
    return template.format(**params) if params else template


def status_label(status: str, language: str = DEFAULT_UI_LANGUAGE) -> str:
    """A mandate status in words; an unknown code from a newer server is shown as it came."""
    table = STATUS_LABELS.get(status)
    return clean(status) if table is None else _pick(table, language)


def field_label(field: str, language: str = DEFAULT_UI_LANGUAGE) -> str:
    table = FIELD_LABELS.get(field)
    return clean(field.replace("_", " ").capitalize()) if table is None else _pick(table, language)


def action_label(action: str, language: str = DEFAULT_UI_LANGUAGE) -> str:
    table = ACTION_LABELS.get(action)
    return action if table is None else _pick(table, language)


def reason_text(reason: str | None, language: str = DEFAULT_UI_LANGUAGE) -> str:
    """Local wording of an action's reason code (the server's message is preferred when there is one)."""
    table = REASONS.get(reason or "")
    return say("not_available", language) if table is None else _pick(table, language)


def language_name(code: str, language: str = DEFAULT_UI_LANGUAGE) -> str:
    table = LANGUAGE_NAMES.get(code)
    return code if table is None else _pick(table, language)


def enterprise_number(value: str | None) -> str:
    """`0403019261` as `0403.019.261`; anything that is not ten digits is shown as it is, cleaned like all server
    text (a stored number is not always ten digits: it reaches the screen through this function alone)."""
    if value is None:
        return ""
    if len(value) == 10 and value.isdigit():
        return f"{value[:4]}.{value[4:7]}.{value[7:]}"
    return clean(value)


def iban(value: str) -> str:
    """An IBAN in groups of four characters, as printed on bank documents."""
    compact = "".join(value.split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
