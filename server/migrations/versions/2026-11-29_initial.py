"""Initial schema: firms, users, tokens, banks, clients and their search index, mandates, history,
outbox, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 13:41:31.510722
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("channels", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("bic"),
    )
    op.create_table(
        "firms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("mandate_management", sa.String(length=10), nullable=False),
        sa.Column("delivery_root", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_code", sa.String(length=40), nullable=False),
        sa.Column("client_code_key", sa.String(length=40), nullable=False),
        sa.Column("company_name", sa.String(length=120), nullable=False),
        sa.Column("enterprise_number", sa.String(length=10), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("representative_name", sa.String(length=120), nullable=False),
        sa.Column("representative_function", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("firm_id", "client_code_key", name="uq_clients_firm_code"),
        sa.UniqueConstraint("firm_id", "enterprise_number", name="uq_clients_firm_enterprise_number"),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clients_firm_missing_email",
            ["firm_id", "name_key", "id"],
            unique=False,
            sqlite_where=sa.text("email IS NULL"),
            postgresql_where=sa.text("email IS NULL"),
        )
        batch_op.create_index("ix_clients_firm_name", ["firm_id", "name_key", "id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("firm_id", "email", name="uq_users_firm_email"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "client_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("client_history", schema=None) as batch_op:
        batch_op.create_index("ix_client_history_client", ["client_id", "id"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),
    )
    op.create_table(
        "mandates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("bank_bic", sa.String(length=11), nullable=False),
        sa.Column("ibans", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("needs_representation", sa.Boolean(), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_to_client_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("last_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("twikey_mndt_id", sa.String(length=64), nullable=True),
        sa.Column("twikey_url", sa.String(length=500), nullable=True),
        sa.Column("twikey_document_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_bic"],
            ["banks.bic"],
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mandates_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_mandates_status_firm", ["status", "firm_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outbox_path", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"],
            ["mandates.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_mandate_id"), ["mandate_id"], unique=False)
        batch_op.create_index("ix_outbox_status_next", ["status", "next_attempt_at"], unique=False)

    _create_search_index()
    _seed_banks()


BANKS = [
    # (BIC, name, signing channels) as DOMAIN.md §4 lists them; Belfius signs through Twikey only.
    ("GEBABEBB", "BNP Paribas Fortis", "twikey,paper"),
    ("GKCCBEBB", "Belfius", "twikey"),
    ("NICABEBB", "Crelan", "twikey,paper"),
    ("ABERBE22", "Bank J. Van Breda", "twikey,paper"),
    ("KREDBEBB", "KBC", "bank_app,paper"),
    ("CREGBEBB", "CBC", "bank_app,paper"),
    ("BBRUBEBB", "ING", "paper"),
    ("ARSPBE22", "Argenta", "paper"),
    ("CTBKBEBX", "Beobank", "paper"),
    ("CPHBBE75", "CPH", "paper"),
    ("TRIOBEBB", "Triodos", "paper"),
    ("EURBBE99", "Europabank", "paper"),
    ("VDSPBE91", "vdk bank", "paper"),
    ("BNAGBEBB", "Nagelmackers", "paper"),
]


def _seed_banks() -> None:
    banks = sa.table("banks", sa.column("bic"), sa.column("name"), sa.column("channels"))
    op.bulk_insert(banks, [{"bic": b, "name": n, "channels": c} for b, n, c in BANKS])


def _create_search_index() -> None:
    """A trigram index on the folded search text: rare terms are found without scanning the firm."""
    if op.get_bind().dialect.name == "sqlite":
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
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_clients_search_trgm ON clients USING gin (search_text gin_trgm_ops)")


def _drop_search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("clients_search_insert", "clients_search_delete", "clients_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS clients_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_clients_search_trgm")


def downgrade() -> None:
    _drop_search_index()
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next")
        batch_op.drop_index(batch_op.f("ix_outbox_mandate_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.drop_index("ix_mandates_status_firm")
        batch_op.drop_index(batch_op.f("ix_mandates_client_id"))

    op.drop_table("mandates")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("client_history", schema=None) as batch_op:
        batch_op.drop_index("ix_client_history_client")

    op.drop_table("client_history")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_firm_id"))

    op.drop_table("users")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index("ix_clients_firm_name")
        batch_op.drop_index(
            "ix_clients_firm_missing_email",
            sqlite_where=sa.text("email IS NULL"),
            postgresql_where=sa.text("email IS NULL"),
        )

    op.drop_table("clients")
    op.drop_table("firms")
    op.drop_table("banks")
