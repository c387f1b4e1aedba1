"""Demo data (SPEC §9): Belgian-looking firms and clients with mandates, the same rows for the same seed.

Every value comes from one `random.Random` per firm seeded with text, and every timestamp is counted back
from `BASE_DATE`, so two runs with one seed write identical rows (ids too, on an empty database) and TUI
snapshots stay stable. Only the tokens are random: they are secrets.

Clients and mandates are written in bulk (Core `insert()` executemany on SQLite, `COPY` on PostgreSQL)
with ids taken up front, because the ORM's unit of work would spend minutes on 100,000 clients. E-mail
domains end in `.example` (RFC 2606) so that a demo connected to a real SMTP server mails nobody.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Table, insert, text, update
from sqlalchemy.orm import Session

from server.auth import issue_token
from server.clients.folding import SEPARATOR, fold
from server.clients.search import search_index_deferred
from server.db import Database
from server.models import ApiToken, Client, Firm, Mandate, User

T = TypeVar("T")

BASE_DATE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Demo time stands still here: every timestamp is this date or before it."""


@dataclass(frozen=True)
class DemoAccount:
    """A seeded firm and the token of its one user (shown once: it is stored hashed)."""

    firm_id: int
    firm_name: str
    mandate_management: str
    user_email: str
    token: str


# --- the Belgian scenery ------------------------------------------------------------------------------

# (postal code, city in French or the local language, city in Dutch, region); Brussels has both names.
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("1000", "Bruxelles", "Brussel", "bru"),
    ("1030", "Schaerbeek", "Schaarbeek", "bru"),
    ("1050", "Ixelles", "Elsene", "bru"),
    ("1060", "Saint-Gilles", "Sint-Gillis", "bru"),
    ("1070", "Anderlecht", "Anderlecht", "bru"),
    ("1180", "Uccle", "Ukkel", "bru"),
    ("1200", "Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe", "bru"),
    ("2000", "Antwerpen", "Antwerpen", "nl"),
    ("2018", "Antwerpen", "Antwerpen", "nl"),
    ("2300", "Turnhout", "Turnhout", "nl"),
    ("2800", "Mechelen", "Mechelen", "nl"),
    ("3000", "Leuven", "Leuven", "nl"),
    ("3500", "Hasselt", "Hasselt", "nl"),
    ("3600", "Genk", "Genk", "nl"),
    ("8000", "Brugge", "Brugge", "nl"),
    ("8400", "Oostende", "Oostende", "nl"),
    ("8500", "Kortrijk", "Kortrijk", "nl"),
    ("8800", "Roeselare", "Roeselare", "nl"),
    ("9000", "Gent", "Gent", "nl"),
    ("9100", "Sint-Niklaas", "Sint-Niklaas", "nl"),
    ("9300", "Aalst", "Aalst", "nl"),
    ("1800", "Vilvoorde", "Vilvoorde", "nl"),
    ("4000", "Liège", "Luik", "fr"),
    ("4032", "Chênée", "Chênée", "fr"),
    ("4800", "Verviers", "Verviers", "fr"),
    ("5000", "Namur", "Namen", "fr"),
    ("6000", "Charleroi", "Charleroi", "fr"),
    ("7000", "Mons", "Bergen", "fr"),
    ("7500", "Tournai", "Doornik", "fr"),
    ("7600", "Péruwelz", "Péruwelz", "fr"),
    ("7190", "Écaussinnes", "Écaussinnes", "fr"),
    ("6997", "Érezée", "Érezée", "fr"),
    ("1300", "Wavre", "Waver", "fr"),
    ("1348", "Louvain-la-Neuve", "Louvain-la-Neuve", "fr"),
    ("1357", "Hélécine", "Hélécine", "fr"),
    ("6700", "Arlon", "Aarlen", "fr"),
    ("4700", "Eupen", "Eupen", "de"),
    ("4780", "Sankt Vith", "Sankt Vith", "de"),
    ("4760", "Büllingen", "Büllingen", "de"),
)
REGION_WEIGHTS = {"nl": 50, "fr": 30, "bru": 17, "de": 3}
BRUSSELS_LANGUAGES = (("fr", 65), ("nl", 25), ("en", 10))

SURNAMES = {
    "nl": "Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|Wouters|De Smet|Vermeulen|Van den Broeck|"
    "Hermans|Aerts|Verstraete|Desmet|Coppens|Van Damme|Lemmens|Declercq|Vandenberghe|Martens|Pauwels|Smets|"
    "Verhoeven|Wuyts|De Backer|Segers|Bogaerts|Van de Velde|Quackelbeen|Dewulf|Vercammen|Geerts",
    "fr": "Dubois Lambert Dupont Martin Simon Laurent Leclercq Renard Lejeune Lemaire Denis Collard François "
    "Mathieu Fontaine Gérard Mercier Hubert Lecomte Wathelet Noël Fournier Delhaye Piérard Thiry Gilson "
    "Xhonneux Bodart Henrard Jacquemin Grégoire Lefèvre Masson",
    "de": "Schmitz Müller Schröder Kessler Heinen Jost Mreyen Lentz Cremer Fickers Kohnen Zimmermann Weynand",
    "en": "Smith Walker Hughes O'Brien Turner Evans Patel Murphy Clarke Bennett",
}
FIRST_NAMES = {
    "nl": "Jan An Pieter Els Koen Sofie Wim Lien Bart Katrien Joris Hanne Stijn Griet Tom Liesbeth",
    "fr": "Jean Marie Luc Sophie Michel Nathalie François Hélène Céline Jérôme Benoît Anaïs Cédric Léa",
    "de": "Jürgen Monika Klaus Günther Ursula Stefan Anja Lukas Jörg Käthe",
    "en": "James Emma Oliver Charlotte Daniel Grace Thomas Chloe",
}
ACTIVITIES = {
    "nl": "Bouw Bakkerij Schrijnwerkerij Transport Garage Immo Consult Tandartspraktijk Apotheek Dakwerken "
    "Elektro Tuinaanleg Slagerij Brouwerij Architecten Verzekeringen Drukkerij Loodgieterij Kapsalon Software",
    "fr": "Construction Boulangerie Menuiserie Transports Garage Immobilière Conseil Pharmacie Toitures "
    "Électricité Jardins Boucherie Brasserie Architectes Assurances Imprimerie Plomberie Coiffure Informatique "
    "Pâtisserie Traiteur",
    "de": "Bäckerei Schreinerei Bau Transporte Metzgerei Dachdeckerei Elektro Gartenbau Brauerei Apotheke",
    "en": "Consulting Logistics Software Trading Media Design Capital",
}
ASSOCIATIONS = {
    "nl": "Sportclub Jeugdhuis Muziekvereniging Toneelkring Voetbalclub",
    "fr": "Cercle|Club de tennis|Harmonie|Maison de jeunes|Football Club",
    "de": "Sportverein Musikverein Jugendtreff",
    "en": "Foundation Society",
}
PLACES = {"nl": "Kempen Vlaanderen Schelde Leie Noord", "fr": "Ardennes Meuse Sambre Wallonie Hainaut"}
LEGAL_FORMS = {
    "nl": (("BV", 60), ("NV", 30), ("CommV", 5)),
    "fr": (("SRL", 60), ("SA", 32), ("SComm", 3)),
    "de": (("GmbH", 60), ("AG", 35)),
    "en": (("SRL", 45), ("BV", 35), ("SA", 20)),
}
NON_PROFIT_FORMS = {"nl": "VZW", "fr": "ASBL", "de": "VoG", "en": "ASBL"}
FUNCTIONS = {
    "nl": "Zaakvoerder Bestuurder Gedelegeerd bestuurder Voorzitter",
    "fr": "Gérant Administrateur Administrateur délégué Président",
    "de": "Geschäftsführer Verwalter Vorsitzender",
    "en": "Managing director|Director|Chairman",
}
STREETS = {
    "nl": "Kerkstraat|Stationsstraat|Molenstraat|Dorpsstraat|Nieuwstraat|Kapelstraat|Grote Markt|Leopoldlaan",
    "fr": "Rue de la Station|Rue de l'Église|Chaussée de Bruxelles|Rue du Moulin|Place Saint-Lambert|Rue Haute",
    "de": "Kirchstraße|Bahnhofstraße|Hauptstraße|Aachener Straße|Klosterstraße",
    "en": "Avenue Louise|Rue Neuve|Boulevard Anspach|Chaussée d'Ixelles",
}
MAILBOXES = {
    "nl": "info boekhouding administratie factuur",
    "fr": "info compta comptabilite administration",
    "de": "info buchhaltung verwaltung",
    "en": "info accounts finance",
}
FIRMS = (
    ("Fiduciaire Lambert & Associés", "Sophie Lambert"),
    ("Boekhoudkantoor Vermeulen", "Pieter Vermeulen"),
    ("Accountancy De Smet & Partners", "Els De Smet"),
    ("Bureau comptable Renard", "Luc Renard"),
    ("Steuerberatung Schmitz", "Anja Schmitz"),
    ("Kantoor Claes Accountants", "Koen Claes"),
)

# (BIC, weight, bank codes valid for it in the NBB list that python-stdnum ships, DOMAIN.md §4).
BANKS: tuple[tuple[str, int, tuple[int, ...]], ...] = (
    ("GEBABEBB", 22, (1, 29, 140, 210, 230, 290)),
    ("GKCCBEBB", 16, (68, 75, 91, 553)),
    ("KREDBEBB", 16, (400, 431, 456, 735)),
    ("BBRUBEBB", 18, (310, 340, 363, 377)),
    ("CREGBEBB", 4, (191, 193, 732)),
    ("NICABEBB", 5, (103, 106, 850)),
    ("ARSPBE22", 5, (973, 979)),
    ("ABERBE22", 3, (111,)),
    ("CTBKBEBX", 2, (109, 954)),
    ("TRIOBEBB", 2, (523,)),
    ("VDSPBE91", 2, (890, 891)),
    ("EURBBE99", 1, (671,)),
    ("CPHBBE75", 1, (126,)),
    ("BNAGBEBB", 2, (132, 635)),
)
COVERAGE_BANKS = ("GEBABEBB", "GKCCBEBB", "KREDBEBB", "BBRUBEBB")
"""The first clients' banks cycle through these: Twikey with paper, Twikey only, the bank's app, paper only."""

WAITING = "waiting"
"""Placeholder status: `sent_to_client` or `in_preparation` in mode `service`, `available_online` in `firm`."""
STATUS_WEIGHTS = (
    ("active", 45),
    (WAITING, 26),
    ("archived", 8),
    ("bank_procedure", 7),
    ("signed", 5),
    ("problem", 6),
    ("registered", 3),
)
COVERAGE_STATUSES = {
    "service": ("in_preparation", "sent_to_client", "problem", "registered", "signed", "bank_procedure", "active"),
    "firm": ("available_online", "problem", "registered", "signed", "bank_procedure", "active", "archived"),
}
"""Every status a firm of that mode shows, given to its first clients so that even a tiny demo has them all."""


def _words(text: str) -> list[str]:
    """A word list written as one string: split on `|` where words have spaces, else on spaces."""
    return text.split("|") if "|" in text else text.split()


def _ascii_slug(text: str, sep: str = "-") -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isascii() and c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return sep.join(kept.split())


def enterprise_number(base: int) -> str:
    """The ten digits of a valid enterprise number from its first eight: check digits 97 - base mod 97."""
    return f"{base:08d}{97 - base % 97:02d}"


def belgian_iban(bank_code: int, account: int) -> str:
    """A Belgian IBAN: bank code, account number, national check (mod 97, 0 → 97), IBAN check digits."""
    first_ten = bank_code * 10_000_000 + account
    national = first_ten % 97 or 97
    bban = f"{first_ten:010d}{national:02d}"
    check = 98 - int(bban + "111400") % 97  # "BE00" moved to the end, letters as numbers (B=11, E=14)
    return f"BE{check:02d}{bban}"


# --- generation ---------------------------------------------------------------------------------------


class FirmGenerator:
    """The rows of one demo firm, drawn from its own random stream.

    Speed matters (100,000 clients in seconds): word lists are split once, weighted draws use cumulative
    weights and `random()`, and folded names are cached, as names repeat.
    """

    def __init__(self, *, seed: int, firm_index: int, firm_id: int, mode: str) -> None:
        self.rng = random.Random(f"codadesk-demo:{seed}:{firm_index}")
        self.firm_id = firm_id
        self.mode = mode
        self.numbers: set[str] = set()
        self.folded: dict[str, str] = {}
        self.regions = _Weighted(tuple(REGION_WEIGHTS.items()))
        self.brussels = _Weighted(BRUSSELS_LANGUAGES)
        self.cities = {r: [c for c in CITIES if c[3] == r] for r in REGION_WEIGHTS}
        self.banks = _Weighted(tuple((b[0], b[1]) for b in BANKS))
        self.bank_codes = {b[0]: b[2] for b in BANKS}
        self.statuses = _Weighted(STATUS_WEIGHTS)
        self.forms = {language: _Weighted(forms) for language, forms in LEGAL_FORMS.items()}
        self.mandate_counts = _Weighted(((0, 15), (1, 55), (2, 22), (3, 8)))
        self.iban_counts = _Weighted(((1, 75), (2, 20), (3, 5)))
        self.words = {
            name: {language: _words(text) for language, text in table.items()}
            for name, table in (
                ("surname", SURNAMES),
                ("first", FIRST_NAMES),
                ("activity", ACTIVITIES),
                ("association", ASSOCIATIONS),
                ("place", PLACES),
                ("function", FUNCTIONS),
                ("street", STREETS),
                ("mailbox", MAILBOXES),
            )
        }

    def below(self, n: int) -> int:
        """A whole number in [0, n): `random()` is several times cheaper than `randrange`."""
        return int(self.rng.random() * n)

    def pick(self, table: str, language: str) -> str:
        words = self.words[table][language]
        return words[self.below(len(words))]

    def fold(self, text: str) -> str:
        found = self.folded.get(text)
        if found is None:
            found = self.folded[text] = fold(text)
        return found

    def slug(self, text: str, sep: str = "") -> str:
        key = sep + "\x00" + text
        found = self.folded.get(key)
        if found is None:
            found = self.folded[key] = _ascii_slug(text, sep)
        return found

    def new_enterprise_number(self) -> str:
        while True:
            # 0400.000.000 - 0899.999.999, and the newer numbers from 1000.000.000
            base = 4_000_000 + self.below(5_000_000) if self.rng.random() < 0.85 else 10_000_000 + self.below(200_000)
            number = enterprise_number(base)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def company_name(self, language: str, city: str) -> tuple[str, str]:
        """The company name and the words its client code and e-mail domain are made from."""
        rng = self.rng
        surname = self.pick("surname", language)
        if rng.random() < 0.06:
            club = self.pick("association", language)
            return f"{club} {city} {NON_PROFIT_FORMS[language]}", club
        activity = self.pick("activity", language)
        form = self.forms[language].draw(rng)
        shape = rng.random()
        if shape < 0.35:
            core = f"{activity} {surname}"
        elif shape < 0.6:
            core = f"{surname} {activity}"
        elif shape < 0.75 and language in PLACES:
            core = f"{activity} {self.pick('place', language)}"
        elif shape < 0.85:
            core = f"{surname} & {self.pick('surname', language)}"
        else:
            core = f"{activity} {city}"
        return f"{core} {form}", core

    def client(self, index: int, client_id: int, coverage_status: str | None) -> dict[str, Any]:
        rng, below = self.rng, self.below
        region = self.regions.draw(rng)
        cities = self.cities[region]
        postal_code, city_fr, city_nl, _ = cities[below(len(cities))]
        language = self.brussels.draw(rng) if region == "bru" else region
        city = city_nl if language == "nl" else city_fr
        name, core = self.company_name(language, city)
        number = None if rng.random() < 0.10 else self.new_enterprise_number()
        has_email = rng.random() >= 0.15
        if coverage_status is not None and self.mode == "service":
            has_email = coverage_status != "in_preparation"
        first, last = self.pick("first", language), self.pick("surname", language)
        slug = self.slug(core, "-")
        email = None
        if has_email and rng.random() < 0.3:
            email = f"{self.slug(first)}.{self.slug(last)}@{slug}.example"
        elif has_email:
            email = f"{self.pick('mailbox', language)}@{slug}.example"
        code = f"{(slug.replace('-', '').upper() + 'XXXX')[:4]}-{index + 1:05d}"
        created = BASE_DATE - timedelta(days=30 + below(2470), seconds=below(86_400))
        updated = min(BASE_DATE, created + timedelta(days=below(400), seconds=below(86_400)))
        phone = None
        if rng.random() < 0.7:
            zone = ("2", "3", "4", "9", "470", "486")[below(6)]
            phone = f"+32 {zone} {100 + below(900)} {10 + below(90)} {10 + below(90)}"
        name_key = self.fold(name)
        # What `folding.search_text` gives, without re-folding ASCII the code and e-mail always are.
        searchable = SEPARATOR.join((name_key, code.lower(), email or "", number or ""))
        return {
            "id": client_id,
            "firm_id": self.firm_id,
            "version": 1,
            "client_code": code,
            "client_code_key": code.lower(),
            "company_name": name,
            "enterprise_number": number,
            "email": email,
            "language": language,
            "street": f"{self.pick('street', language)} {1 + below(250)}",
            "postal_code": postal_code,
            "city": city,
            "country": "BE",
            "representative_name": f"{first} {last}",
            "representative_function": self.pick("function", language),
            "phone": phone,
            "name_key": name_key,
            "search_text": searchable,
            "created_at": created,
            "updated_at": updated,
        }

    def mandates(self, index: int, client: dict[str, Any], coverage_status: str | None) -> list[dict[str, Any]]:
        """The client's mandates, without ids: one per bank, its first in the coverage status if given."""
        rng, below = self.rng, self.below
        count = self.mandate_counts.draw(rng)
        bics: list[str] = []
        if coverage_status is not None:
            bics.append(COVERAGE_BANKS[index % len(COVERAGE_BANKS)])
            count = max(count, 1)
        while len(bics) < count:
            bic = self.banks.draw(rng)
            if bic not in bics:
                bics.append(bic)
        rows = []
        for n, bic in enumerate(bics):
            status = coverage_status if n == 0 and coverage_status else self.status(client)
            changed = BASE_DATE - timedelta(days=below(400), seconds=below(86_400))
            sent_at, reminders, last_reminder = None, 0, None
            if status == "sent_to_client":
                sent_at, reminders = changed, min(3, (BASE_DATE - changed).days // 14)
                last_reminder = changed + timedelta(days=14 * reminders) if reminders else None
            codes = self.bank_codes[bic]
            ibans = [
                belgian_iban(codes[below(len(codes))], below(10_000_000)) for _ in range(self.iban_counts.draw(rng))
            ]
            rows.append(
                {
                    "firm_id": self.firm_id,
                    "client_id": client["id"],
                    "kind": "coda",
                    "bank_bic": bic,
                    "ibans": ibans,
                    "status": status,
                    "needs_representation": False,
                    "document_version": 1,
                    "status_changed_at": changed,
                    "sent_to_client_at": sent_at,
                    "reminders_sent": reminders,
                    "last_reminder_at": last_reminder,
                    "created_at": changed - timedelta(days=below(60)),
                }
            )
        return rows

    def status(self, client: dict[str, Any]) -> str:
        status = self.statuses.draw(self.rng)
        if status != WAITING:
            return status
        if self.mode == "firm":
            return "available_online"
        return "sent_to_client" if client["email"] else "in_preparation"

    def rows(self, client_ids: Sequence[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The firm's clients (with the given ids) and their mandates (ids still to give)."""
        coverage = COVERAGE_STATUSES[self.mode]
        clients, mandates = [], []
        for index, client_id in enumerate(client_ids):
            forced = coverage[index] if index < len(coverage) else None
            client = self.client(index, client_id, forced)
            clients.append(client)
            mandates.extend(self.mandates(index, client, forced))
        return clients, mandates


class _Weighted(Generic[T]):
    """A weighted draw: one `random()` and a bisection into cumulative weights."""

    def __init__(self, pairs: Sequence[tuple[T, int]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> T:
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


# --- writing ------------------------------------------------------------------------------------------


def firm_mode(firm_index: int) -> str:
    """The first firm lets the service manage its mandates, the second manages its own, then alternating."""
    return "service" if firm_index % 2 == 0 else "firm"


def seed_demo(database: Database, *, clients_per_firm: int, firms: int = 2, seed: int = 0) -> list[DemoAccount]:
    """Write `firms` demo firms of `clients_per_firm` clients each, with mandates, users and tokens.

    Deterministic for a seed (timestamps included); each firm is written in its own transaction.
    """
    accounts = []
    for firm_index in range(firms):
        with database.write() as session:
            accounts.append(_seed_firm(session, database, firm_index, clients_per_firm, seed))
    return accounts


def _seed_firm(session: Session, database: Database, firm_index: int, count: int, seed: int) -> DemoAccount:
    mode = firm_mode(firm_index)
    name, person = FIRMS[firm_index % len(FIRMS)]
    if firm_index >= len(FIRMS):
        name = f"{name} {firm_index // len(FIRMS) + 1}"
    slug = _ascii_slug(name)
    firm = Firm(name=name, mandate_management=mode, delivery_root=f"/srv/coda/{slug}", created_at=BASE_DATE)
    session.add(firm)
    session.flush()
    email = f"{_ascii_slug(person, '.')}@{slug}.example"
    user = User(firm_id=firm.id, name=person, email=email, created_at=BASE_DATE)
    session.add(user)
    session.flush()
    token = issue_token(session, user, label="demo")
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id).values(created_at=BASE_DATE))

    client_ids = _take_ids(session, database, "clients", count)
    generator = FirmGenerator(seed=seed, firm_index=firm_index, firm_id=firm.id, mode=mode)
    clients, mandates = generator.rows(client_ids)
    for row, mandate_id in zip(mandates, _take_ids(session, database, "mandates", len(mandates)), strict=True):
        row["id"] = mandate_id
    if client_ids:
        with search_index_deferred(
            session, is_sqlite=database.is_sqlite, first_id=min(client_ids), last_id=max(client_ids)
        ):
            _bulk_insert(session, database, Client, clients)
    _bulk_insert(session, database, Mandate, mandates)
    return DemoAccount(firm.id, name, mode, email, token)


def _take_ids(session: Session, database: Database, table: str, count: int) -> list[int]:
    """`count` fresh ids for `table`: from its sequence on PostgreSQL; after the largest on SQLite, whose
    write transaction (BEGIN IMMEDIATE) keeps every other writer out until we commit."""
    if count == 0:
        return []
    if database.is_sqlite:
        start = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
        return list(range(start + 1, start + count + 1))
    sequence = f"{table}_id_seq"
    rows = session.execute(
        text("SELECT nextval(:sequence) FROM generate_series(1, :count)"), {"sequence": sequence, "count": count}
    )
    return [int(r[0]) for r in rows]


def _bulk_insert(
    session: Session, database: Database, model: type[Client] | type[Mandate], rows: list[dict[str, Any]]
) -> None:
    if not rows:
        return
    columns = list(rows[0])
    if database.is_sqlite:
        # Core executemany on the connection: the ORM's bulk path would cost four times as much.
        session.connection().execute(insert(cast(Table, model.__table__)), rows)
        return
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c == "ibans" else row[c] for c in columns])
