"""HTTP handlers for mandates and their actions (SPEC §6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/mandates", tags=["mandates"])
