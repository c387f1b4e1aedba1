"""`GET /api/v1/me`: who the token belongs to, and the firm's settings the TUI needs."""

from __future__ import annotations

from fastapi import APIRouter

from api_client import models as wire
from server.deps import PrincipalDep

router = APIRouter()


@router.get("/me", response_model=wire.Me)
def read_me(principal: PrincipalDep) -> wire.Me:
    return wire.Me(
        user=wire.User(id=principal.user_id, name=principal.user_name, email=principal.user_email),
        firm=wire.Firm(
            id=principal.firm_id,
            name=principal.firm_name,
            mandate_management=principal.mandate_management,
            delivery_root=principal.delivery_root,
        ),
    )
