"""Client rows to wire `Client`s: locks in words, the delivery folder, the mandates with their actions."""

from __future__ import annotations

from api_client import models as wire
from server import rules
from server.auth import Principal
from server.i18n import translate
from server.mandates.present import present_mandate
from server.models import Client, Mandate, OutboxMessage


def stored_values(client: Client) -> dict[str, str | None]:
    """The editable fields of a client as the rules compare them."""
    return {name: getattr(client, name) for name in wire.EDITABLE_FIELDS}


def present_locks(client: Client, language: str) -> dict[str, wire.Lock]:
    return {
        name: wire.Lock(code=code, message=translate(f"lock.{code}", language))
        for name, code in rules.locks(stored_values(client)).items()
    }


def present_client(
    client: Client,
    mandates: list[Mandate],
    principal: Principal,
    *,
    twikey_configured: bool,
    language: str,
    last_messages: dict[int, OutboxMessage] | None = None,
) -> wire.Client:
    messages = last_messages or {}
    return wire.Client(
        id=client.id,
        version=client.version,
        client_code=client.client_code,
        company_name=client.company_name,
        enterprise_number=client.enterprise_number,
        email=client.email,
        language=client.language,
        street=client.street,
        postal_code=client.postal_code,
        city=client.city,
        country=client.country,
        representative_name=client.representative_name,
        representative_function=client.representative_function,
        phone=client.phone,
        delivery_folder=rules.delivery_folder(principal.delivery_root, client.client_code),
        locks=present_locks(client, language),
        mandates=[
            present_mandate(
                m,
                mode=principal.mandate_management,
                client_has_email=bool(client.email),
                twikey_configured=twikey_configured,
                language=language,
                last_message=messages.get(m.id),
            )
            for m in mandates
        ],
        created_at=client.created_at,
        updated_at=client.updated_at,
    )
