"""The words of the e-mails a client receives, in the four languages of SPEC §2 (`fr`, `nl`, `de`, `en`).

Kept apart from `server.i18n` (the API's words for the office's staff): these are read by the firm's
clients, in a letter's register. `{placeholders}` are filled by `server.mail.compose`.
"""

from __future__ import annotations

MAIL_LANGUAGES = ("fr", "nl", "de", "en")
FALLBACK_LANGUAGE = "en"

MAIL_TEXTS: dict[str, dict[str, str]] = {
    "subject.mandate": {
        "fr": "Mandat CODA à signer pour {bank}",
        "nl": "CODA-mandaat te ondertekenen voor {bank}",
        "de": "CODA-Mandat für {bank} zu unterzeichnen",
        "en": "CODA mandate to sign for {bank}",
    },
    "subject.reminder": {
        "fr": "Rappel {number}/{total} : mandat CODA à signer pour {bank}",
        "nl": "Herinnering {number}/{total}: CODA-mandaat te ondertekenen voor {bank}",
        "de": "Erinnerung {number}/{total}: CODA-Mandat für {bank} zu unterzeichnen",
        "en": "Reminder {number}/{total}: CODA mandate to sign for {bank}",
    },
    "greeting.named": {
        "fr": "Bonjour {name},",
        "nl": "Beste {name},",
        "de": "Guten Tag {name},",
        "en": "Dear {name},",
    },
    "greeting.anonymous": {
        "fr": "Madame, Monsieur,",
        "nl": "Geachte heer, geachte mevrouw,",
        "de": "Sehr geehrte Damen und Herren,",
        "en": "Dear Sir or Madam,",
    },
    "intro.mandate": {
        "fr": "{firm}, votre bureau comptable, vous demande de signer le mandat CODA ci-joint pour {company} "
        "auprès de {bank} (BIC {bic}). Avec ce mandat, votre banque transmet chaque jour vos extraits de "
        "compte (fichiers CODA) à votre bureau comptable.",
        "nl": "{firm}, uw boekhoudkantoor, vraagt u het bijgevoegde CODA-mandaat voor {company} bij {bank} "
        "(BIC {bic}) te ondertekenen. Met dit mandaat bezorgt uw bank uw rekeninguittreksels "
        "(CODA-bestanden) elke dag aan uw boekhoudkantoor.",
        "de": "{firm}, Ihr Buchhaltungsbüro, bittet Sie, das beigefügte CODA-Mandat für {company} bei {bank} "
        "(BIC {bic}) zu unterzeichnen. Mit diesem Mandat übermittelt Ihre Bank Ihre Kontoauszüge "
        "(CODA-Dateien) täglich an Ihr Buchhaltungsbüro.",
        "en": "{firm}, your accounting office, asks you to sign the attached CODA mandate for {company} with "
        "{bank} (BIC {bic}). With this mandate, your bank sends your account statements (CODA files) to "
        "your accounting office every day.",
    },
    "intro.reminder": {
        "fr": "Nous n'avons pas encore reçu le mandat CODA signé pour {company} auprès de {bank} (BIC {bic}), "
        "envoyé le {sent_on} à la demande de {firm}, votre bureau comptable. Vous le trouverez à nouveau "
        "en pièce jointe.",
        "nl": "We hebben het ondertekende CODA-mandaat voor {company} bij {bank} (BIC {bic}), verstuurd op "
        "{sent_on} op vraag van {firm}, uw boekhoudkantoor, nog niet ontvangen. U vindt het opnieuw in "
        "bijlage.",
        "de": "Wir haben das unterzeichnete CODA-Mandat für {company} bei {bank} (BIC {bic}), das am "
        "{sent_on} im Auftrag von {firm}, Ihrem Buchhaltungsbüro, versandt wurde, noch nicht erhalten. "
        "Sie finden es erneut im Anhang.",
        "en": "We have not yet received the signed CODA mandate for {company} with {bank} (BIC {bic}), sent "
        "on {sent_on} on behalf of {firm}, your accounting office. You will find it attached again.",
    },
    "accounts": {
        "fr": "Compte(s) concerné(s) :",
        "nl": "Betrokken rekening(en):",
        "de": "Betroffene(s) Konto/Konten:",
        "en": "Account(s) concerned:",
    },
    "sign.twikey": {
        "fr": "Signez en ligne (carte d'identité, itsme ou carte bancaire) via ce lien sécurisé de Twikey :",
        "nl": "Onderteken online (identiteitskaart, itsme of bankkaart) via deze beveiligde link van Twikey:",
        "de": "Unterzeichnen Sie online (Personalausweis, itsme oder Bankkarte) über diesen sicheren Link von Twikey:",
        "en": "Sign online (identity card, itsme or bank card) through this secure Twikey link:",
    },
    "sign.paper": {
        "fr": "Imprimez le document joint ({filename}), signez-le à la main sans le modifier et renvoyez-le "
        "complet, en PDF, en réponse à cet e-mail.",
        "nl": "Druk het bijgevoegde document ({filename}) af, onderteken het met de hand zonder het te "
        "wijzigen en stuur het volledig, als PDF, terug als antwoord op deze e-mail.",
        "de": "Drucken Sie das beigefügte Dokument ({filename}) aus, unterzeichnen Sie es handschriftlich, "
        "ohne es zu ändern, und senden Sie es vollständig als PDF als Antwort auf diese E-Mail zurück.",
        "en": "Print the attached document ({filename}), sign it by hand without changing it and send it back "
        "complete, as a PDF, in reply to this e-mail.",
    },
    "sign.paper_alternative": {
        "fr": "Vous pouvez aussi imprimer le document joint ({filename}), le signer à la main sans le modifier "
        "et le renvoyer complet, en PDF, en réponse à cet e-mail.",
        "nl": "U kunt ook het bijgevoegde document ({filename}) afdrukken, het met de hand ondertekenen "
        "zonder het te wijzigen en het volledig, als PDF, terugsturen als antwoord op deze e-mail.",
        "de": "Sie können auch das beigefügte Dokument ({filename}) ausdrucken, handschriftlich "
        "unterzeichnen, ohne es zu ändern, und es vollständig als PDF als Antwort auf diese E-Mail "
        "zurücksenden.",
        "en": "You can also print the attached document ({filename}), sign it by hand without changing it and "
        "send it back complete, as a PDF, in reply to this e-mail.",
    },
    "sign.digital_only": {
        "fr": "{bank} accepte uniquement la signature électronique : votre bureau comptable vous enverra le "
        "lien de signature. Le document joint ({filename}) vous permet d'en vérifier le contenu.",
        "nl": "{bank} aanvaardt enkel een elektronische handtekening: uw boekhoudkantoor bezorgt u de "
        "ondertekeningslink. Met het bijgevoegde document ({filename}) kunt u de inhoud nakijken.",
        "de": "{bank} akzeptiert nur eine elektronische Unterschrift: Ihr Buchhaltungsbüro sendet Ihnen den "
        "Link zum Unterzeichnen. Mit dem beigefügten Dokument ({filename}) können Sie den Inhalt prüfen.",
        "en": "{bank} accepts an electronic signature only: your accounting office will send you the signing "
        "link. The attached document ({filename}) lets you check its content.",
    },
    "sign.bank_app": {
        "fr": "{bank} vous demande aussi d'activer l'envoi des fichiers CODA dans son application bancaire.",
        "nl": "{bank} vraagt u ook het versturen van CODA-bestanden te activeren in de bankapp.",
        "de": "{bank} bittet Sie außerdem, den Versand der CODA-Dateien in der Banking-App zu aktivieren.",
        "en": "{bank} also asks you to activate the sending of CODA files in its banking app.",
    },
    "reference": {
        "fr": "Référence du mandat : {mandate_id}, version {version}",
        "nl": "Referentie van het mandaat: {mandate_id}, versie {version}",
        "de": "Referenz des Mandats: {mandate_id}, Version {version}",
        "en": "Mandate reference: {mandate_id}, version {version}",
    },
    "questions": {
        "fr": "Pour toute question, adressez-vous à votre bureau comptable, {firm}.",
        "nl": "Met vragen kunt u terecht bij uw boekhoudkantoor, {firm}.",
        "de": "Bei Fragen wenden Sie sich bitte an Ihr Buchhaltungsbüro, {firm}.",
        "en": "If you have any questions, please contact your accounting office, {firm}.",
    },
    "closing": {
        "fr": "Meilleures salutations,",
        "nl": "Met vriendelijke groeten,",
        "de": "Mit freundlichen Grüßen",
        "en": "Kind regards,",
    },
    "signature": {
        "fr": "Le service des mandats CODA, pour le compte de {firm}",
        "nl": "De dienst CODA-mandaten, namens {firm}",
        "de": "Der CODA-Mandatsdienst, im Auftrag von {firm}",
        "en": "The CODA mandate service, on behalf of {firm}",
    },
}

DATE_FORMATS = {"fr": "%d/%m/%Y", "nl": "%d/%m/%Y", "de": "%d.%m.%Y", "en": "%d/%m/%Y"}


def mail_text(key: str, language: str, /, **params: object) -> str:
    """The text for `key` in `language` (English if the language is unknown), with parameters filled in."""
    texts = MAIL_TEXTS[key]
    return texts.get(language, texts[FALLBACK_LANGUAGE]).format(**params)
