"""Bearer tokens: created once, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.models import ApiToken, User

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


PRINCIPAL_QUERY = text(
    "SELECT u.id, u.name, u.email, f.id, f.name, f.mandate_management, f.delivery_root "
    "FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id JOIN firms AS f ON f.id = u.firm_id "
    "WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL"
)
"""Asked on every request. A fixed statement: building the same query from ORM attributes cost 0.5 ms a
request on SQLite."""


def principal_for(session: Session, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None otherwise. No cache: a revoked token is refused by
    the very next request, in every server process."""
    row = session.execute(PRINCIPAL_QUERY, {"token_hash": hash_token(token)}).first()
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
