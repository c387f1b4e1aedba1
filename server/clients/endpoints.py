"""HTTP handlers for clients (SPEC §6): parse, call the service, answer."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/clients", tags=["clients"])
