"""SQLite: a bulk load pauses the trigram index's insert trigger with a row, not by dropping the trigger.

`seed_demo` used to drop `clients_trigrams_insert` for its bulk insert and create it again: a schema change,
after which a pooled connection holding statements prepared before it could fail its next INSERT with
SQLITE_SCHEMA ("no such table: clients"). The trigger now fires unless `search_index_paused` holds a row; the
bulk load writes that row in its own write transaction (which keeps every other writer out) and deletes it
before committing. PostgreSQL is unchanged (it has no such trigger).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAUSABLE_TRIGGER = (
    "CREATE TRIGGER clients_trigrams_insert AFTER INSERT ON clients "
    "WHEN NOT EXISTS (SELECT 1 FROM search_index_paused) BEGIN "
    "INSERT INTO clients_trigrams(rowid, indexed) VALUES (new.firm_id * 4294967296 + new.id, "
    "new.search_text || char(30, 30) || CASE WHEN new.email IS NULL THEN char(29, 29, 29) ELSE '' END); END"
)
PLAIN_TRIGGER = (
    "CREATE TRIGGER clients_trigrams_insert AFTER INSERT ON clients BEGIN "
    "INSERT INTO clients_trigrams(rowid, indexed) VALUES (new.firm_id * 4294967296 + new.id, "
    "new.search_text || char(30, 30) || CASE WHEN new.email IS NULL THEN char(29, 29, 29) ELSE '' END); END"
)
"""The trigger as migration 0002 made it."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE search_index_paused (paused INTEGER PRIMARY KEY CHECK (paused = 1))")
    op.execute("DROP TRIGGER IF EXISTS clients_trigrams_insert")
    op.execute(PAUSABLE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS clients_trigrams_insert")
    op.execute(PLAIN_TRIGGER)
    op.execute("DROP TABLE IF EXISTS search_index_paused")
