"""What the last action on a mandate did, in words, under the action sheet's list."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widgets import Static

from api_client.models import Delivery, Mandate
from tui.safe_text import clean
from tui.widgets.words import say

DONE_STYLE = "$text-success"
FAILED_STYLE = "bold $text-error"


@dataclass(frozen=True)
class Outcome:
    """What an action did: the words, and whether it reads as done or failed."""

    text: str
    style: str = DONE_STYLE


def delivered(mandate: Mandate, message_id: str) -> bool:
    """True once the e-mail `message_id` of `mandate` was sent, written as a file, or failed for good."""
    delivery = mandate.delivery
    return delivery is not None and delivery.message_id == message_id and delivery.status in ("sent", "failed")


def delivery_outcome(delivery: Delivery | None, message_id: str, language: str) -> Outcome:
    """What became of a resent e-mail, in words: queued, sent, written as an `.eml` file, or failed."""
    text = say("resent", language, message_id=clean(message_id))
    if delivery is None or delivery.message_id != message_id:
        return Outcome(text)
    if delivery.status == "failed":
        return Outcome(f"{text}\n{say('mail_failed', language, error=clean(delivery.error))}", FAILED_STYLE)
    if delivery.outbox_path:
        return Outcome(f"{text}\n{say('outbox_file', language, path=clean(delivery.outbox_path))}")
    if delivery.status == "sent":
        return Outcome(f"{text}\n{say('mail_sent', language, to=clean(delivery.to))}")
    return Outcome(text)


class ActionOutcome(Static):
    """The outcome of the selected mandate's last action; hidden when there is none."""

    def show(self, outcome: Outcome | None) -> None:
        self.update(Content.styled(outcome.text, outcome.style) if outcome else "")
        self.display = outcome is not None

    @property
    def text(self) -> str:
        """The outcome as plain text ("" when none)."""
        return str(self.visual) if self.display else ""
