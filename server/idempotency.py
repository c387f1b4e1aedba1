"""`Idempotency-Key` for the POSTs that act: a repeat replays the first answer and acts once.

A key belongs to the user who sent it. The first request with a key stores its answer in
`idempotency_keys` in the same transaction as the action, so an action is never done without its record,
nor recorded without being done. The record is inserted before the action runs: a concurrent duplicate's
insert then waits on the unique constraint (PostgreSQL) or its transaction waits to begin (SQLite), and
once the first commits it fails and replays the first answer instead of acting. State lives only in the
database, so several server processes share it.

Only successful answers are stored. An error acted on nothing, so the repeat is evaluated afresh: a resend
refused with 429 goes through when retried after `Retry-After` with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db import Database
from server.deps import LanguageDep, PrincipalDep
from server.errors import ValidationFailed
from server.i18n import translate
from server.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
KEY_LIFETIME = timedelta(hours=24)
"""After a day a key may be used again for a new action (and its record is pruned)."""
IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Any 1-200 visible ASCII characters (spaces around are ignored): a repeat replays the first answer",
    "schema": {"type": "string", "pattern": f"^ *[!-~]([ -~]{{0,{MAX_KEY_LENGTH - 2}}}[!-~])? *$"},
}
"""The header as the OpenAPI document of an acting POST declares it (it is read from the request)."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as it is sent and as it is stored: status and the exact JSON text."""

    status_code: int
    body: str
    replayed: bool = False
    """True when this is the stored answer of an earlier request with the same key."""

    def response(self) -> Response:
        headers = {REPLAYED_HEADER: "true"} if self.replayed else None
        return Response(self.body, status_code=self.status_code, media_type="application/json", headers=headers)


@dataclass(frozen=True)
class IdempotencyKey:
    """A request's key and what makes two requests "the same": user, method, path and body."""

    user_id: int
    key: str
    method: str
    path: str
    request_hash: str
    language: str

    def mismatch(self) -> ValidationFailed:
        message = translate("error.idempotency_key_reused", self.language)
        return ValidationFailed(message, fields={HEADER: [message]})


def request_hash(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the method, the path and the body; a JSON body counts by its content, not its spacing."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


async def get_idempotency_key(
    request: Request, principal: PrincipalDep, language: LanguageDep
) -> IdempotencyKey | None:
    """The request's key, or None without the header; 422 naming the header when it is not usable."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not _valid_key(key):
        message = translate("error.idempotency_key_invalid", language, max=MAX_KEY_LENGTH)
        raise ValidationFailed(message, fields={HEADER: [message]})
    body = await request.body()
    path = request.url.path
    return IdempotencyKey(
        user_id=principal.user_id,
        key=key,
        method=request.method,
        path=path,
        request_hash=request_hash(request.method, path, body),
        language=language,
    )


IdempotencyKeyDep = Annotated[IdempotencyKey | None, Depends(get_idempotency_key)]


def find(session: Session, key: IdempotencyKey, *, now: datetime) -> IdempotencyRecord | None:
    """The live, finished record of this user's key."""
    record = session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == key.user_id, IdempotencyRecord.key == key.key)
    ).one_or_none()
    if record is None or record.created_at <= now - KEY_LIFETIME or record.status_code == 0:
        return None
    return record


def replay(record: IdempotencyRecord, key: IdempotencyKey) -> Answer:
    """The stored answer, byte for byte; 422 when the key was used for a different request."""
    if (record.method, record.path, record.request_hash) != (key.method, key.path, key.request_hash):
        raise key.mismatch()
    return Answer(record.status_code, record.response_body, replayed=True)


def replay_if_done(database: Database, key: IdempotencyKey | None, *, now: datetime) -> Answer | None:
    """The stored answer when this key already acted; for actions that do slow work before their transaction."""
    if key is None:
        return None
    with database.read() as session:
        record = find(session, key, now=now)
    return None if record is None else replay(record, key)


def run(
    database: Database,
    key: IdempotencyKey | None,
    action: Callable[[Session], Answer],
    *,
    now: datetime,
) -> Answer:
    """Run `action` in one write transaction, recording its answer under `key` in that same transaction.

    Without a key the action simply runs. With one: a finished record replays; otherwise the record is
    claimed first, the action runs, and a successful answer is stored. A concurrent duplicate that loses the
    race on the unique constraint replays the winner's answer.
    """
    if key is None:
        with database.write() as session:
            return action(session)
    try:
        with database.write() as session:
            record = find(session, key, now=now)
            if record is not None:
                return replay(record, key)
            # Expired records of this user go, so the key can be claimed again and the table stays small.
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == key.user_id, IdempotencyRecord.created_at <= now - KEY_LIFETIME
                )
            )
            claim = IdempotencyRecord(
                user_id=key.user_id,
                key=key.key,
                method=key.method,
                path=key.path,
                request_hash=key.request_hash,
                status_code=0,
                response_body="",
                created_at=now,
            )
            session.add(claim)
            session.flush()
            answer = action(session)
            if 200 <= answer.status_code < 300:
                claim.status_code = answer.status_code
                claim.response_body = answer.body
            else:
                session.delete(claim)
            return answer
    except IntegrityError:
        with database.read() as session:
            record = find(session, key, now=now)
        if record is None:
            raise
        return replay(record, key)
