"""Search indexes scoped to the firm: what `GET /clients` needs to answer in about a millisecond.

- Name order with the search text in the index, so a frequent term is found by reading the firm's index
  in name order without touching the table (and the same for clients without e-mail, a partial index).
- Terms found through an index of the firm's rows only, so that a rare term costs its few matches, not
  the matches of every firm. SQLite: a contentless FTS5 trigram table whose rowid is
  `firm_id * 2**32 + id`, asked for one firm's rowid range; the indexed text ends with two `\\x1e` so
  every 1- or 2-character term starts a trigram (found through the vocabulary table), and carries
  `\\x1d\\x1d\\x1d` when the client has no e-mail. PostgreSQL: one GIN index on the firm (btree_gin), the search
  text (pg_trgm), and the search text with every character written three times, for terms too short for
  trigrams (`xy` is asked as `xxxyyy`).
- `(client_id, status)` on mandates: a page's unsigned-mandate counts read the index only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 15:00:00
"""

# ruff: noqa: S608 - fixed statements built from constants

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_ROWID = "{row}.firm_id * 4294967296 + {row}.id"
SQLITE_INDEXED = "{row}.search_text || char(30, 30) || CASE WHEN {row}.email IS NULL THEN char(29, 29, 29) ELSE '' END"


def _sqlite_values(row: str) -> str:
    return f"{SQLITE_ROWID.format(row=row)}, {SQLITE_INDEXED.format(row=row)}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()
    op.execute("CREATE INDEX ix_mandates_client_status ON mandates (client_id, status)")


def _upgrade_sqlite() -> None:
    for trigger in ("clients_search_insert", "clients_search_delete", "clients_search_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS clients_search")
    op.execute("CREATE VIRTUAL TABLE clients_trigrams USING fts5(indexed, content='', tokenize='trigram')")
    op.execute("CREATE VIRTUAL TABLE clients_trigrams_vocab USING fts5vocab(clients_trigrams, 'row')")
    op.execute(
        "CREATE TRIGGER clients_trigrams_insert AFTER INSERT ON clients BEGIN "
        f"INSERT INTO clients_trigrams(rowid, indexed) VALUES ({_sqlite_values('new')}); END"
    )
    op.execute(
        "CREATE TRIGGER clients_trigrams_delete AFTER DELETE ON clients BEGIN "
        f"INSERT INTO clients_trigrams(clients_trigrams, rowid, indexed) VALUES ('delete', {_sqlite_values('old')}); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER clients_trigrams_update AFTER UPDATE OF search_text, email, firm_id ON clients BEGIN "
        f"INSERT INTO clients_trigrams(clients_trigrams, rowid, indexed) VALUES ('delete', {_sqlite_values('old')}); "
        f"INSERT INTO clients_trigrams(rowid, indexed) VALUES ({_sqlite_values('new')}); END"
    )
    op.execute(f"INSERT INTO clients_trigrams(rowid, indexed) SELECT {_sqlite_values('clients')} FROM clients")
    op.execute("CREATE INDEX ix_clients_firm_name_search ON clients (firm_id, name_key, id, search_text)")
    op.execute(
        "CREATE INDEX ix_clients_missing_email_search ON clients (firm_id, name_key, id, search_text) "
        "WHERE email IS NULL"
    )


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("DROP INDEX IF EXISTS ix_clients_search_trgm")
    # One GIN index for both, so that the planner has no GIN index on the firm alone to prefer.
    op.execute(
        "CREATE INDEX ix_clients_firm_text ON clients USING gin (firm_id, search_text gin_trgm_ops, "
        "regexp_replace(search_text, '(.)', '\\1\\1\\1', 'g') gin_trgm_ops)"
    )
    op.execute(
        'CREATE INDEX ix_clients_firm_name_search ON clients (firm_id, name_key COLLATE "C", id) INCLUDE (search_text)'
    )
    op.execute(
        'CREATE INDEX ix_clients_missing_email_search ON clients (firm_id, name_key COLLATE "C", id) '
        "INCLUDE (search_text) WHERE email IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_mandates_client_status")
    op.execute("DROP INDEX IF EXISTS ix_clients_missing_email_search")
    op.execute("DROP INDEX IF EXISTS ix_clients_firm_name_search")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("clients_trigrams_insert", "clients_trigrams_delete", "clients_trigrams_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS clients_trigrams_vocab")
        op.execute("DROP TABLE IF EXISTS clients_trigrams")
        op.execute(
            "CREATE VIRTUAL TABLE clients_search USING fts5("
            "search_text, content='clients', content_rowid='id', tokenize='trigram')"
        )
        op.execute(
            "CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN "
            "INSERT INTO clients_search(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN "
            "INSERT INTO clients_search(clients_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER clients_search_update AFTER UPDATE OF search_text ON clients BEGIN "
            "INSERT INTO clients_search(clients_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO clients_search(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute("INSERT INTO clients_search(clients_search) VALUES ('rebuild')")
    else:
        op.execute("DROP INDEX IF EXISTS ix_clients_firm_text")
        op.execute("CREATE INDEX ix_clients_search_trgm ON clients USING gin (search_text gin_trgm_ops)")
