"""Bearer tokens: created once, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import ApiToken, Firm, User

TOKEN_PREFIX = "cdk_"  # noqa: S105 - a public prefix, not a secret


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh token: 256 random bits, with a prefix that secret scanners can recognise."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def issue_token(session: Session, user: User, *, label: str = "") -> str:
    """Store a new token for `user` and return its text, which is never stored."""
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), label=label))
    session.flush()
    return token


@dataclass(frozen=True)
class Principal:
    """Who calls: the user, and the firm every query of the request is scoped to."""

    user_id: int
    user_name: str
    user_email: str
    firm_id: int
    firm_name: str
    mandate_management: str
    delivery_root: str


def principal_for(session: Session, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None otherwise.

    Columns, not ORM objects: every request asks this, and loading `User` (with its joined `firm`) and
    `Firm` entities cost twice the query itself.
    """
    row = session.execute(
        select(
            User.id,
            User.name,
            User.email,
            Firm.id,
            Firm.name,
            Firm.mandate_management,
            Firm.delivery_root,
        )
        .join(ApiToken, ApiToken.user_id == User.id)
        .join(Firm, Firm.id == User.firm_id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    user_id, user_name, user_email, firm_id, firm_name, mandate_management, delivery_root = row
    return Principal(
        user_id=user_id,
        user_name=user_name,
        user_email=user_email,
        firm_id=firm_id,
        firm_name=firm_name,
        mandate_management=mandate_management,
        delivery_root=delivery_root,
    )
