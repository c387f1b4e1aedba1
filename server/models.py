"""The database tables (SQLAlchemy 2 declarative). Every row that belongs to a firm carries `firm_id`.

Changes to these classes need an Alembic migration in `server/migrations/versions/`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from server.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and gives back an aware datetime, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Firm(Base):
    __tablename__ = "firms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    mandate_management: Mapped[str] = mapped_column(String(10))  # "firm" | "service"
    delivery_root: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("firm_id", "email", name="uq_users_firm_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    firm: Mapped[Firm] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token, stored as the SHA-256 of its text: the database never holds a usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="joined")


class Bank(Base):
    """A bank by BIC, with its signing channels (comma-separated: `twikey`, `paper`, `bank_app`)."""

    __tablename__ = "banks"

    bic: Mapped[str] = mapped_column(String(11), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    channels: Mapped[str] = mapped_column(String(60))

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (
        # Client codes name folders: two codes that differ only in case would share one on Windows.
        UniqueConstraint("firm_id", "client_code_key", name="uq_clients_firm_code"),
        UniqueConstraint("firm_id", "enterprise_number", name="uq_clients_firm_enterprise_number"),
        # The search's indexes (name order with the search text, trigrams per firm) differ between SQLite
        # and PostgreSQL: they live in migrations 0002-0004 and `server/clients/search*.py`.
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    client_code: Mapped[str] = mapped_column(String(40))
    client_code_key: Mapped[str] = mapped_column(String(40))
    company_name: Mapped[str] = mapped_column(String(120))
    enterprise_number: Mapped[str | None] = mapped_column(String(10), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="BE")
    representative_name: Mapped[str] = mapped_column(String(120), default="")
    representative_function: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    name_key: Mapped[str] = mapped_column(String(120))
    """The company name folded (lower case, no accents): the table's sort order."""
    search_text: Mapped[str] = mapped_column(Text)
    """Folded company name, client code, e-mail and enterprise number: what `q` matches."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    firm: Mapped[Firm] = relationship(lazy="raise")
    mandates: Mapped[list[Mandate]] = relationship(back_populates="client", lazy="raise", order_by="Mandate.id")


class Mandate(Base):
    __tablename__ = "mandates"
    __table_args__ = (
        Index("ix_mandates_status_firm", "status", "firm_id"),
        Index("ix_mandates_client_status", "client_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(String(10), default="coda")
    bank_bic: Mapped[str] = mapped_column(ForeignKey("banks.bic"))
    ibans: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    needs_representation: Mapped[bool] = mapped_column(Boolean, default=False)
    document_version: Mapped[int] = mapped_column(Integer, default=1)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_to_client_at: Mapped[datetime | None] = mapped_column(default=None)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_at: Mapped[datetime | None] = mapped_column(default=None)
    twikey_mndt_id: Mapped[str | None] = mapped_column(String(64), default=None)
    twikey_url: Mapped[str | None] = mapped_column(String(500), default=None)
    twikey_document_version: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="mandates", lazy="raise")
    bank: Mapped[Bank] = relationship(lazy="joined")


class ClientHistory(Base):
    """One save: who changed which fields from what to what."""

    __tablename__ = "client_history"
    __table_args__ = (Index("ix_client_history_client", "client_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)

    user: Mapped[User] = relationship(lazy="joined")


class OutboxMessage(Base):
    """An e-mail written in the same transaction as the change that caused it; a worker delivers it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("mandates.id"), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(20))  # "mandate" | "reminder"
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    """The whole RFC 5322 message, fixed when queued, so a retry sends the same bytes."""
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    outbox_path: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    """The first answer to an acting POST, replayed for a repeat with the same key from the same user."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
