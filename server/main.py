"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from server.body_limit import BodyLimitMiddleware
from server.clients.endpoints import router as clients_router
from server.clients.list_endpoint import router as client_list_router
from server.config import Settings
from server.db import Database
from server.errors import error_responses, install_error_handlers
from server.mandates.endpoints import router as mandates_router
from server.me import router as me_router

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the API app. The database is migrated by the caller (`codadesk-server migrate` or embedded)."""
    settings = settings or Settings.from_env()
    app = FastAPI(title="codadesk API", version="1.0.0")
    app.state.settings = settings
    app.state.database = database or Database(settings.database_url)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Every route may answer these; a route declares its own other errors (`responses=` on the route).
    shared_errors = error_responses(401, 413, 422)
    for router in (me_router, client_list_router, clients_router, mandates_router):
        app.include_router(router, prefix=API_PREFIX, responses=shared_errors)
    return app
