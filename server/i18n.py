"""Words for the codes the server returns, in English, French, Dutch and German.

Messages follow the request's `Accept-Language` (SPEC §6): English first, French and Dutch follow; German
is there because clients receive documents in German too. A missing translation falls back to English.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "fr", "nl", "de")
DEFAULT_LANGUAGE = "en"

MESSAGES: dict[str, dict[str, str]] = {
    # locks
    "lock.enterprise_number_locked": {
        "en": "The enterprise number cannot be changed",
        "fr": "Le numéro d'entreprise ne peut pas être modifié",
        "nl": "Het ondernemingsnummer kan niet gewijzigd worden",
        "de": "Die Unternehmensnummer kann nicht geändert werden",
    },
    "lock.enterprise_number_missing": {
        "en": "Enter the enterprise number first",
        "fr": "Introduisez d'abord le numéro d'entreprise",
        "nl": "Vul eerst het ondernemingsnummer in",
        "de": "Geben Sie zuerst die Unternehmensnummer ein",
    },
    # warnings
    "warning.client_code_changed": {
        "en": "Future files will be delivered to {new_path} instead of {old_path}",
        "fr": "Les prochains fichiers seront livrés dans {new_path} au lieu de {old_path}",
        "nl": "Toekomstige bestanden worden geleverd in {new_path} in plaats van {old_path}",
        "de": "Künftige Dateien werden nach {new_path} statt nach {old_path} geliefert",
    },
    "warning.enterprise_number_set": {
        "en": "The enterprise number cannot be changed after saving; the company name unlocks after saving",
        "fr": "Le numéro d'entreprise ne pourra plus être modifié; le nom de l'entreprise sera modifiable "
        "après l'enregistrement",
        "nl": "Het ondernemingsnummer kan na het opslaan niet meer gewijzigd worden; de bedrijfsnaam wordt "
        "na het opslaan bewerkbaar",
        "de": "Die Unternehmensnummer kann nach dem Speichern nicht mehr geändert werden; der Firmenname "
        "wird nach dem Speichern bearbeitbar",
    },
    "warning.email_changed": {
        "en": "Reminders about signing and activating mandates will go to {new}",
        "fr": "Les rappels de signature et d'activation des mandats seront envoyés à {new}",
        "nl": "Herinneringen om mandaten te ondertekenen en te activeren gaan naar {new}",
        "de": "Erinnerungen zum Unterzeichnen und Aktivieren von Mandaten gehen an {new}",
    },
    "warning.email_removed": {
        "en": "Without an e-mail address, no reminder about signing and activating mandates can be sent",
        "fr": "Sans adresse e-mail, aucun rappel de signature ou d'activation des mandats ne peut être envoyé",
        "nl": "Zonder e-mailadres kan geen herinnering voor het ondertekenen en activeren van mandaten "
        "verstuurd worden",
        "de": "Ohne E-Mail-Adresse können keine Erinnerungen zum Unterzeichnen und Aktivieren von Mandaten "
        "gesendet werden",
    },
    "warning.mandates_to_represent": {
        "en": "{count} unsigned mandate(s) must be presented to the client again",
        "fr": "{count} mandat(s) non signé(s) doivent être présentés à nouveau au client",
        "nl": "{count} niet-ondertekend(e) mandaat/mandaten moeten opnieuw aan de klant voorgelegd worden",
        "de": "{count} nicht unterzeichnete(s) Mandat(e) müssen dem Kunden erneut vorgelegt werden",
    },
    "warning.language_changed": {
        "en": "Documents and e-mails to the client will be in {new_name} instead of {old_name}",
        "fr": "Les documents et e-mails au client seront en {new_name} au lieu de {old_name}",
        "nl": "Documenten en e-mails aan de klant worden in het {new_name} opgesteld in plaats van {old_name}",
        "de": "Dokumente und E-Mails an den Kunden werden auf {new_name} statt {old_name} verfasst",
    },
    # action reasons
    "reason.bank_no_paper": {
        "en": "This bank accepts no paper mandate: it is signed digitally only",
        "fr": "Cette banque n'accepte pas de mandat papier: la signature est uniquement numérique",
        "nl": "Deze bank aanvaardt geen papieren mandaat: ondertekenen kan enkel digitaal",
        "de": "Diese Bank akzeptiert kein Papiermandat: es wird nur digital unterzeichnet",
    },
    "reason.bank_no_twikey": {
        "en": "This bank does not sign mandates through Twikey",
        "fr": "Cette banque ne fait pas signer les mandats via Twikey",
        "nl": "Deze bank laat mandaten niet via Twikey ondertekenen",
        "de": "Diese Bank lässt Mandate nicht über Twikey unterzeichnen",
    },
    "reason.status_not_signable": {
        "en": "A mandate with a problem cannot be signed; resolve the problem first",
        "fr": "Un mandat en problème ne peut pas être signé; résolvez d'abord le problème",
        "nl": "Een mandaat met een probleem kan niet ondertekend worden; los eerst het probleem op",
        "de": "Ein Mandat mit einem Problem kann nicht unterzeichnet werden; lösen Sie zuerst das Problem",
    },
    "reason.twikey_not_configured": {
        "en": "Twikey is not configured on this server",
        "fr": "Twikey n'est pas configuré sur ce serveur",
        "nl": "Twikey is niet geconfigureerd op deze server",
        "de": "Twikey ist auf diesem Server nicht eingerichtet",
    },
    "reason.firm_manages_mandates": {
        "en": "Your office manages its clients' mandates: the service sends nothing to the client",
        "fr": "Votre bureau gère les mandats de ses clients: le service n'envoie rien au client",
        "nl": "Uw kantoor beheert de mandaten van zijn klanten: de dienst stuurt niets naar de klant",
        "de": "Ihr Büro verwaltet die Mandate seiner Kunden: der Dienst sendet dem Kunden nichts",
    },
    "reason.client_has_no_email": {
        "en": "The client has no e-mail address",
        "fr": "Le client n'a pas d'adresse e-mail",
        "nl": "De klant heeft geen e-mailadres",
        "de": "Der Kunde hat keine E-Mail-Adresse",
    },
    "reason.mandate_not_unsigned": {
        "en": "The mandate is already signed: there is nothing to present",
        "fr": "Le mandat est déjà signé: il n'y a rien à présenter",
        "nl": "Het mandaat is al ondertekend: er is niets voor te leggen",
        "de": "Das Mandat ist bereits unterzeichnet: es gibt nichts vorzulegen",
    },
    "reason.mandate_archived": {
        "en": "The mandate is archived",
        "fr": "Le mandat est archivé",
        "nl": "Het mandaat is gearchiveerd",
        "de": "Das Mandat ist archiviert",
    },
    # language names (for warnings)
    "language.fr": {"en": "French", "fr": "français", "nl": "Frans", "de": "Französisch"},
    "language.nl": {"en": "Dutch", "fr": "néerlandais", "nl": "Nederlands", "de": "Niederländisch"},
    "language.de": {"en": "German", "fr": "allemand", "nl": "Duits", "de": "Deutsch"},
    "language.en": {"en": "English", "fr": "anglais", "nl": "Engels", "de": "Englisch"},
}


def pick_language(accept_language: str | None) -> str:
    """The first supported language of an `Accept-Language` header, by quality; English otherwise."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def translate(key: str, language: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The message for `key` in `language` (English if missing), with `{name}` parameters filled in."""
    texts = MESSAGES.get(key)
    if texts is None:
        raise KeyError(f"no message {key!r}")
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    return template.format(**params) if params else template
