"""What workers tell the screens: past-tense messages, one per outcome of a request.

Workers never touch widgets; they post one of these and the screen (or the table) that handles it updates
what the user sees. Every message that answers a search carries the `PageRequest` it answers, so an answer
to an older query is recognised and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from api_client import ApiError
from api_client import Client as ApiClient
from api_client.models import Client, ClientPage, Me, SaveResult
from tui.result_window import PageRequest


@dataclass
class Connected(Message):
    """The client of the server is open (the embedded server is ready)."""

    api: ApiClient


@dataclass
class MeLoaded(Message):
    """The server said who the user is and which firm they work for."""

    me: Me


@dataclass
class ClientsLoaded(Message):
    """A page of the client table arrived."""

    request: PageRequest
    page: ClientPage


@dataclass
class EmailSaved(Message):
    """An e-mail typed in place was saved."""

    row: int
    typed: str
    result: SaveResult


@dataclass
class EmailRefused(Message):
    """The server refused an e-mail typed in place (invalid, duplicate, locked): `message` says why."""

    row: int
    typed: str
    message: str


@dataclass
class ClientChangedMeanwhile(Message):
    """Someone else saved the client first (412): `current` is the client as it is now."""

    row: int
    typed: str
    current: Client


@dataclass
class RequestFailed(Message):
    """A request got no usable answer (offline, timeout, 5xx): nothing was shown as done."""

    action: str
    """What the user was doing, as a phrase: "loading clients", "saving the e-mail"."""
    error: ApiError
