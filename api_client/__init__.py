"""Typed async client for codadesk's HTTP API v1 (SPEC §6).

    from api_client import Client, StaleVersionError

    async with Client("https://codadesk.example", token=token) as api:
        me = await api.me()

The wire models are in `api_client.models`; the errors in `api_client.errors`.
"""

from api_client.client import Client
from api_client.errors import (
    ActionUnavailableError,
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    ConflictError,
    DuplicateError,
    FieldLockedError,
    InvalidResponseError,
    NotFoundError,
    PreconditionRequiredError,
    RateLimitedError,
    ServerError,
    StaleVersionError,
    UnauthorizedError,
    UpstreamError,
    ValidationError,
)

__all__ = [
    "ActionUnavailableError",
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "Client",
    "ConflictError",
    "DuplicateError",
    "FieldLockedError",
    "InvalidResponseError",
    "NotFoundError",
    "PreconditionRequiredError",
    "RateLimitedError",
    "ServerError",
    "StaleVersionError",
    "UnauthorizedError",
    "UpstreamError",
    "ValidationError",
]
