"""Cheaper writes: drop the indexes the search indexes superseded, and index pairs of characters only.

Every insert and save paid for them, and a 100,000-client demo took over a minute on PostgreSQL.
- `ix_clients_firm_name` and `ix_clients_firm_missing_email` are prefixes of `ix_clients_firm_name_search`
  and `ix_clients_missing_email_search`; `ix_mandates_client_id` is a prefix of
  `ix_mandates_client_status`. No query needs the shorter ones (on PostgreSQL the search orders by
  `name_key COLLATE "C"`, which the old indexes did not even serve).
- PostgreSQL: the GIN index's third column holds the text's pairs of characters (`codadesk_pairs`), not
  single characters too: a 2-character term is still answered exactly, a 1-character one is frequent
  enough for the name-ordered scan (or else read by it to the end), and the index has a third fewer keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PAIRS_FUNCTION = (
    "CREATE FUNCTION codadesk_pairs(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT ARRAY(SELECT pg_catalog.substr(t, i, 2) "
    "FROM pg_catalog.generate_series(1, pg_catalog.length(t) - 1) AS i) $$"
)


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_clients_firm_name")
    op.execute("DROP INDEX IF EXISTS ix_clients_firm_missing_email")
    op.execute("DROP INDEX IF EXISTS ix_mandates_client_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PAIRS_FUNCTION)
        op.execute("DROP INDEX IF EXISTS ix_clients_firm_text")
        op.execute(
            "CREATE INDEX ix_clients_firm_text ON clients USING gin "
            "(firm_id, search_text gin_trgm_ops, codadesk_pairs(search_text))"
        )
        op.execute("DROP FUNCTION IF EXISTS codadesk_short_grams(text)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION codadesk_short_grams(t text) RETURNS text[] "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
            "SELECT pg_catalog.regexp_split_to_array(t, '') || ARRAY(SELECT pg_catalog.substr(t, i, 2) "
            "FROM pg_catalog.generate_series(1, pg_catalog.length(t) - 1) AS i) $$"
        )
        op.execute("DROP INDEX IF EXISTS ix_clients_firm_text")
        op.execute(
            "CREATE INDEX ix_clients_firm_text ON clients USING gin "
            "(firm_id, search_text gin_trgm_ops, codadesk_short_grams(search_text))"
        )
        op.execute("DROP FUNCTION IF EXISTS codadesk_pairs(text)")
    op.create_index("ix_mandates_client_id", "mandates", ["client_id"])
    op.create_index("ix_clients_firm_name", "clients", ["firm_id", "name_key", "id"])
    op.create_index(
        "ix_clients_firm_missing_email",
        "clients",
        ["firm_id", "name_key", "id"],
        sqlite_where=sa.text("email IS NULL"),
        postgresql_where=sa.text("email IS NULL"),
    )
