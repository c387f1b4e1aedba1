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
    # mandate actions
    "error.mandate_not_found": {
        "en": "There is no mandate {id}",
        "fr": "Il n'y a pas de mandat {id}",
        "nl": "Er is geen mandaat {id}",
        "de": "Es gibt kein Mandat {id}",
    },
    "error.archive_confirm_required": {
        "en": 'Archiving stops the mandate: confirm it by sending {"confirm": true}',
        "fr": 'L\'archivage arrête le mandat: confirmez-le en envoyant {"confirm": true}',
        "nl": 'Archiveren stopt het mandaat: bevestig het door {"confirm": true} te sturen',
        "de": 'Das Archivieren beendet das Mandat: bestätigen Sie es, indem Sie {"confirm": true} senden',
    },
    "error.resend_rate_limited": {
        "en": "This mandate was already sent {limit} times in the last hour; try again in {minutes} min",
        "fr": "Ce mandat a déjà été envoyé {limit} fois au cours de la dernière heure; réessayez dans {minutes} min",
        "nl": "Dit mandaat werd het afgelopen uur al {limit} keer verstuurd; probeer opnieuw over {minutes} min",
        "de": "Dieses Mandat wurde in der letzten Stunde bereits {limit} Mal gesendet; versuchen Sie es in "
        "{minutes} Min. erneut",
    },
    "error.mandate_changed": {
        "en": "The client's data changed while the mandate was being prepared; try again",
        "fr": "Les données du client ont changé pendant la préparation du mandat; réessayez",
        "nl": "De gegevens van de klant zijn gewijzigd terwijl het mandaat werd voorbereid; probeer opnieuw",
        "de": "Die Daten des Kunden haben sich während der Vorbereitung des Mandats geändert; bitte erneut versuchen",
    },
    "error.email_undeliverable": {
        "en": "The client's e-mail address cannot receive mail; correct it on the client first",
        "fr": "L'adresse e-mail du client ne peut pas recevoir de courrier; corrigez-la d'abord sur le client",
        "nl": "Het e-mailadres van de klant kan geen mail ontvangen; verbeter het eerst bij de klant",
        "de": "Die E-Mail-Adresse des Kunden kann keine Mails empfangen; korrigieren Sie sie zuerst beim Kunden",
    },
    "error.twikey_failed": {
        "en": "Twikey refused the signing link: {message}",
        "fr": "Twikey a refusé le lien de signature: {message}",
        "nl": "Twikey weigerde de ondertekeningslink: {message}",
        "de": "Twikey hat den Unterzeichnungslink abgelehnt: {message}",
    },
    "error.twikey_template_missing": {
        "en": "Twikey is not fully configured on this server: the contract template "
        "(CODADESK_TWIKEY_TEMPLATE_ID) is missing",
        "fr": "Twikey n'est pas entièrement configuré sur ce serveur: le modèle de contrat "
        "(CODADESK_TWIKEY_TEMPLATE_ID) manque",
        "nl": "Twikey is niet volledig geconfigureerd op deze server: het contractsjabloon "
        "(CODADESK_TWIKEY_TEMPLATE_ID) ontbreekt",
        "de": "Twikey ist auf diesem Server nicht vollständig eingerichtet: die Vertragsvorlage "
        "(CODADESK_TWIKEY_TEMPLATE_ID) fehlt",
    },
    "error.idempotency_key_reused": {
        "en": "This Idempotency-Key was already used for a different request",
        "fr": "Cette Idempotency-Key a déjà servi pour une autre requête",
        "nl": "Deze Idempotency-Key werd al voor een ander verzoek gebruikt",
        "de": "Dieser Idempotency-Key wurde bereits für eine andere Anfrage verwendet",
    },
    "error.idempotency_key_invalid": {
        "en": "An Idempotency-Key is 1 to {max} visible ASCII characters",
        "fr": "Une Idempotency-Key compte de 1 à {max} caractères ASCII visibles",
        "nl": "Een Idempotency-Key telt 1 tot {max} zichtbare ASCII-tekens",
        "de": "Ein Idempotency-Key besteht aus 1 bis {max} sichtbaren ASCII-Zeichen",
    },
    # language names (for warnings)
    "language.fr": {"en": "French", "fr": "français", "nl": "Frans", "de": "Französisch"},
    "language.nl": {"en": "Dutch", "fr": "néerlandais", "nl": "Nederlands", "de": "Niederländisch"},
    "language.de": {"en": "German", "fr": "allemand", "nl": "Duits", "de": "Deutsch"},
    "language.en": {"en": "English", "fr": "anglais", "nl": "Engels", "de": "Englisch"},
    # client fields (named in error messages)
    "field.client_code": {"en": "Client code", "fr": "Code client", "nl": "Klantcode", "de": "Kundencode"},
    "field.company_name": {"en": "Company name", "fr": "Nom de l'entreprise", "nl": "Bedrijfsnaam", "de": "Firmenname"},
    "field.enterprise_number": {
        "en": "Enterprise number",
        "fr": "Numéro d'entreprise",
        "nl": "Ondernemingsnummer",
        "de": "Unternehmensnummer",
    },
    "field.email": {"en": "E-mail", "fr": "E-mail", "nl": "E-mail", "de": "E-Mail"},
    "field.language": {"en": "Language", "fr": "Langue", "nl": "Taal", "de": "Sprache"},
    "field.street": {"en": "Street", "fr": "Rue", "nl": "Straat", "de": "Straße"},
    "field.postal_code": {"en": "Postal code", "fr": "Code postal", "nl": "Postcode", "de": "Postleitzahl"},
    "field.city": {"en": "City", "fr": "Localité", "nl": "Gemeente", "de": "Ort"},
    "field.country": {"en": "Country", "fr": "Pays", "nl": "Land", "de": "Land"},
    "field.representative_name": {
        "en": "Representative",
        "fr": "Représentant",
        "nl": "Vertegenwoordiger",
        "de": "Vertreter",
    },
    "field.representative_function": {
        "en": "Representative's function",
        "fr": "Fonction du représentant",
        "nl": "Functie van de vertegenwoordiger",
        "de": "Funktion des Vertreters",
    },
    "field.phone": {"en": "Phone", "fr": "Téléphone", "nl": "Telefoon", "de": "Telefon"},
    # client field errors: "{field}" is the field's name above
    "error.unknown_field": {
        "en": "{field} is not a known field",
        "fr": "{field} n'est pas un champ connu",
        "nl": "{field} is geen gekend veld",
        "de": "{field} ist kein bekanntes Feld",
    },
    "error.required": {
        "en": "{field} is required",
        "fr": "{field} : ce champ est obligatoire",
        "nl": "{field}: dit veld is verplicht",
        "de": "{field}: dieses Feld ist erforderlich",
    },
    "error.too_long": {
        "en": "{field}: at most {max} characters ({length} given)",
        "fr": "{field} : {max} caractères au maximum ({length} saisis)",
        "nl": "{field}: hoogstens {max} tekens ({length} ingevoerd)",
        "de": "{field}: höchstens {max} Zeichen ({length} eingegeben)",
    },
    "error.control_character": {
        "en": "{field} contains a control character ({char})",
        "fr": "{field} : contient un caractère de contrôle ({char})",
        "nl": "{field}: bevat een stuurteken ({char})",
        "de": "{field}: enthält ein Steuerzeichen ({char})",
    },
    "error.bidi_character": {
        "en": "{field} contains a text-direction control character ({char})",
        "fr": "{field} : contient un caractère de contrôle du sens du texte ({char})",
        "nl": "{field}: bevat een teken dat de tekstrichting stuurt ({char})",
        "de": "{field}: enthält ein Steuerzeichen für die Textrichtung ({char})",
    },
    "error.client_code_character": {
        "en": "{field}: only letters, digits, spaces, '-', '_' and '.' are allowed, not '{char}'",
        "fr": "{field} : seuls les lettres, chiffres, espaces, '-', '_' et '.' sont admis, pas '{char}'",
        "nl": "{field}: enkel letters, cijfers, spaties, '-', '_' en '.' zijn toegelaten, niet '{char}'",
        "de": "{field}: nur Buchstaben, Ziffern, Leerzeichen, '-', '_' und '.' sind erlaubt, nicht '{char}'",
    },
    "error.client_code_dots": {
        "en": "{field} cannot be '.' or '..' (it names a folder)",
        "fr": "{field} : ne peut pas être '.' ou '..' (il nomme un dossier)",
        "nl": "{field}: mag niet '.' of '..' zijn (hij benoemt een map)",
        "de": "{field}: darf nicht '.' oder '..' sein (er benennt einen Ordner)",
    },
    "error.enterprise_number_length": {
        "en": "{field} must have 10 digits, e.g. 0403.019.261",
        "fr": "{field} : doit compter 10 chiffres, p. ex. 0403.019.261",
        "nl": "{field}: moet 10 cijfers tellen, bv. 0403.019.261",
        "de": "{field}: muss 10 Ziffern haben, z. B. 0403.019.261",
    },
    "error.enterprise_number_format": {
        "en": "{field}: only digits, with an optional BE, dots and spaces",
        "fr": "{field} : uniquement des chiffres, avec éventuellement BE, des points et des espaces",
        "nl": "{field}: enkel cijfers, eventueel met BE, punten en spaties",
        "de": "{field}: nur Ziffern, optional mit BE, Punkten und Leerzeichen",
    },
    "error.enterprise_number_first_digit": {
        "en": "{field} must start with 0 or 1",
        "fr": "{field} : doit commencer par 0 ou 1",
        "nl": "{field}: moet met 0 of 1 beginnen",
        "de": "{field}: muss mit 0 oder 1 beginnen",
    },
    "error.enterprise_number_checksum": {
        "en": "{field} is not valid: its check digits do not match (check for a typing error)",
        "fr": "{field} : n'est pas valide, les chiffres de contrôle ne correspondent pas (faute de frappe ?)",
        "nl": "{field}: is niet geldig, de controlecijfers kloppen niet (tikfout?)",
        "de": "{field}: ist ungültig, die Prüfziffern stimmen nicht (Tippfehler?)",
    },
    "error.email_invalid": {
        "en": "{field} is not a valid e-mail address",
        "fr": "{field} : n'est pas une adresse e-mail valide",
        "nl": "{field}: is geen geldig e-mailadres",
        "de": "{field}: ist keine gültige E-Mail-Adresse",
    },
    "error.language_unknown": {
        "en": "{field} must be one of {allowed}",
        "fr": "{field} : doit être l'une de {allowed}",
        "nl": "{field}: moet een van {allowed} zijn",
        "de": "{field}: muss eine von {allowed} sein",
    },
    "error.country_unknown": {
        "en": "{field} must be a two-letter ISO country code, e.g. BE",
        "fr": "{field} : doit être un code pays ISO à deux lettres, p. ex. BE",
        "nl": "{field}: moet een ISO-landcode van twee letters zijn, bv. BE",
        "de": "{field}: muss ein zweistelliger ISO-Ländercode sein, z. B. BE",
    },
    "error.postal_code_belgian": {
        "en": "{field}: a Belgian postal code has 4 digits, from 1000 to 9999",
        "fr": "{field} : un code postal belge compte 4 chiffres, de 1000 à 9999",
        "nl": "{field}: een Belgische postcode telt 4 cijfers, van 1000 tot 9999",
        "de": "{field}: eine belgische Postleitzahl hat 4 Ziffern, von 1000 bis 9999",
    },
    "error.phone_characters": {
        "en": "{field}: only digits, spaces, '+' at the start, '/', '.', '-' and parentheses",
        "fr": "{field} : uniquement des chiffres, des espaces, '+' au début, '/', '.', '-' et des parenthèses",
        "nl": "{field}: enkel cijfers, spaties, '+' vooraan, '/', '.', '-' en haakjes",
        "de": "{field}: nur Ziffern, Leerzeichen, '+' am Anfang, '/', '.', '-' und Klammern",
    },
    "error.phone_digits": {
        "en": "{field} needs at least {min} digits",
        "fr": "{field} : il faut au moins {min} chiffres",
        "nl": "{field}: minstens {min} cijfers nodig",
        "de": "{field}: mindestens {min} Ziffern nötig",
    },
    "error.duplicate_client_code": {
        "en": "{field} is already used by another client of your office ({other})",
        "fr": "{field} : déjà utilisé par un autre client de votre bureau ({other})",
        "nl": "{field}: al in gebruik door een andere klant van uw kantoor ({other})",
        "de": "{field}: wird bereits von einem anderen Kunden Ihres Büros verwendet ({other})",
    },
    "error.duplicate_enterprise_number": {
        "en": "{field} is already used by another client of your office ({other})",
        "fr": "{field} : déjà utilisé par un autre client de votre bureau ({other})",
        "nl": "{field}: al in gebruik door een andere klant van uw kantoor ({other})",
        "de": "{field}: wird bereits von einem anderen Kunden Ihres Büros verwendet ({other})",
    },
    # client save errors (the top-level message of the error body)
    "client.not_found": {
        "en": "No such client",
        "fr": "Client introuvable",
        "nl": "Klant niet gevonden",
        "de": "Kunde nicht gefunden",
    },
    "client.if_match_required": {
        "en": 'Send the version you edited as If-Match: "<version>"',
        "fr": 'Envoyez la version modifiée dans If-Match: "<version>"',
        "nl": 'Stuur de bewerkte versie mee als If-Match: "<version>"',
        "de": 'Senden Sie die bearbeitete Version als If-Match: "<version>"',
    },
    "client.version_conflict": {
        "en": "Someone else saved this client in the meantime (now version {version}); nothing was saved",
        "fr": "Quelqu'un d'autre a enregistré ce client entre-temps (version {version}); rien n'a été enregistré",
        "nl": "Iemand anders heeft deze klant intussen opgeslagen (nu versie {version}); er is niets opgeslagen",
        "de": "Jemand anderes hat diesen Kunden inzwischen gespeichert (jetzt Version {version}); nichts "
        "wurde gespeichert",
    },
    "client.validation_error": {
        "en": "Some fields are not valid: {fields}",
        "fr": "Certains champs ne sont pas valides : {fields}",
        "nl": "Sommige velden zijn niet geldig: {fields}",
        "de": "Einige Felder sind ungültig: {fields}",
    },
    "client.field_locked": {
        "en": "Some fields cannot be changed now: {fields}",
        "fr": "Certains champs ne peuvent pas être modifiés maintenant : {fields}",
        "nl": "Sommige velden kunnen nu niet gewijzigd worden: {fields}",
        "de": "Einige Felder können jetzt nicht geändert werden: {fields}",
    },
    "client.duplicate": {
        "en": "Another client of your office already has this {fields}",
        "fr": "Un autre client de votre bureau a déjà ce {fields}",
        "nl": "Een andere klant van uw kantoor heeft al deze {fields}",
        "de": "Ein anderer Kunde Ihres Büros hat bereits diese(n) {fields}",
    },
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
