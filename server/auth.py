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
    """The principal of a valid, unrevoked token; None otherwise."""
    row = session.execute(
        select(User, Firm)
        .join(ApiToken, ApiToken.user_id == User.id)
        .join(Firm, Firm.id == User.firm_id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    user, firm = row
    return Principal(
        user_id=user.id,
        user_name=user.name,
        user_email=user.email,
        firm_id=firm.id,
        firm_name=firm.name,
        mandate_management=firm.mandate_management,
        delivery_root=firm.delivery_root,
    )
