"""FastAPI dependencies: the database, the caller, the caller's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from server.auth import Principal, principal_for
from server.config import Settings
from server.db import Database
from server.errors import Unauthorized
from server.i18n import pick_language


# `async def` although they do no I/O: FastAPI runs a plain `def` dependency in its thread pool, and each
# hop there costs a context switch per request (milliseconds on a busy machine).
async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_language(accept_language: Annotated[str | None, Header()] = None) -> str:
    """The language of messages in the answer, from `Accept-Language`."""
    return pick_language(accept_language)


BEARER = HTTPBearer(auto_error=False, description="A token from `codadesk-server token create`")
"""Declares the bearer scheme in the OpenAPI document; `get_principal` answers the 401 in SPEC §6's shape."""


def get_principal(
    database: Annotated[Database, Depends(get_database)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Principal:
    """The caller of a bearer token; 401 without a valid one."""
    with database.read() as session:
        return authenticate(session, credentials)


def authenticate(session: Session, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """`get_principal` in a session the caller goes on using (one connection checkout for a whole request)."""
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise Unauthorized("A valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    principal = principal_for(session, token)
    if principal is None:
        raise Unauthorized("The token is not valid", headers={"WWW-Authenticate": "Bearer"})
    return principal


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LanguageDep = Annotated[str, Depends(get_language)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
