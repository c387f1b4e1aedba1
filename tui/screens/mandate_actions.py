"""The mandate action sheet: the mandates to act on, and download, Twikey, archive and resend for the selected one."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from api_client import Client as ApiClient
from api_client.errors import ActionUnavailableError, ApiConnectionError, ApiError
from api_client.models import ActionName, Mandate
from tui import paths
from tui.safe_text import clean
from tui.screens.confirm import ConfirmScreen
from tui.widgets.action_outcome import FAILED_STYLE, ActionOutcome, Outcome, delivered, delivery_outcome
from tui.widgets.mandate_action_list import MandateActionList, reason_of
from tui.widgets.mandate_summary import mandate_content
from tui.widgets.words import DEFAULT_UI_LANGUAGE, UI_LANGUAGES, action_label, iban, say

DOWNLOAD_DIR_VARIABLE = "CODADESK_DOWNLOAD_DIR"


def download_folder() -> Path:
    """Where downloaded mandates go: `$CODADESK_DOWNLOAD_DIR`, else the user's download folder."""
    configured = os.environ.get(DOWNLOAD_DIR_VARIABLE)
    return Path(configured) if configured else paths.downloads_dir()


def api_of(app: App[Any]) -> ApiClient:
    """The API client the app talks through."""
    api = getattr(app, "api", None)
    if api is None:
        raise RuntimeError("the app has no API client")
    assert isinstance(api, ApiClient)
    return api


def ui_language(app: App[Any]) -> str:
    """The language the user chose in the config file (`en`, `fr` or `nl`); English otherwise."""
    config = getattr(app, "config", None)
    language = getattr(config, "language", None)
    return language if isinstance(language, str) and language in UI_LANGUAGES else DEFAULT_UI_LANGUAGE


class MandateActionsScreen(ModalScreen[None]):
    """The mandates of a client to act on, one selected at a time (arrows).

    `d` downloads the PDF into the download folder, `t` gets the Twikey link and copies it (OSC 52), `a`
    archives after asking, `r` e-mails the mandate again. An unavailable action is dimmed with its reason, and
    pressing its key says that reason. Each action runs in a worker; the mandate is read again afterwards, and an
    action is only shown as done once the server said so.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "act('download')", "Download", id="mandates.download", tooltip="Save the mandate PDF"),
        Binding("t", "act('sign_twikey')", "Sign", id="mandates.sign_twikey", tooltip="Get and copy the Twikey link"),
        Binding("a", "act('archive')", "Archive", id="mandates.archive", tooltip="Archive the mandate (asks first)"),
        Binding("r", "act('resend')", "Resend", id="mandates.resend", tooltip="E-mail the mandate to the client again"),
        Binding("escape", "close", "Close", id="mandates.close", tooltip="Close the action sheet"),
    ]

    DELIVERY_CHECKS = 20
    """How many times the sheet reads a resent mandate again to say where its e-mail went."""
    DELIVERY_CHECK_DELAY = 0.5
    """Seconds between those reads."""

    @dataclass
    class ActionDone(Message):
        """The server did the action; `mandate` is the mandate as it is now."""

        mandate: Mandate
        action: ActionName
        outcome: Outcome
        link: str | None = None

    @dataclass
    class ActionFailed(Message):
        """The action was refused or got no answer: nothing is shown as done."""

        mandate_id: int
        action: ActionName
        error: ApiError

    @dataclass
    class DeliveryFollowed(Message):
        """The e-mail a resend queued was sent, written as a file, or failed."""

        mandate: Mandate
        outcome: Outcome

    @dataclass
    class MandateRefreshed(Message):
        """The mandate as it is now, read again after a refused action."""

        mandate: Mandate

    def __init__(
        self,
        mandates: Sequence[Mandate],
        *,
        client_name: str,
        title: str | None = None,
        download_dir: Path | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Initialise the sheet.

        Args:
            mandates: The mandates to act on (usually the ones a save impacted).
            client_name: The client they belong to (server text: shown literally).
            title: The sheet's title; None says these mandates must be presented again.
            download_dir: Where downloads go; None for `download_folder()`.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.mandates = list(mandates)
        self.client_name = client_name
        self.title_text = title
        self.download_dir = download_dir
        self.outcomes: dict[int, Outcome] = {}
        self.busy: tuple[int, ActionName] | None = None

    def compose(self) -> ComposeResult:
        language = self.language
        with Vertical(id="sheet"):
            title = self.title_text or say("impacted", language, name=clean(self.client_name))
            yield Static(Content(clean(title)), id="sheet-title")
            yield OptionList(
                *[Option(mandate_content(m, language), id=str(m.id)) for m in self.mandates], id="sheet-mandates"
            )
            yield MandateActionList(id="sheet-actions")
            yield ActionOutcome(id="sheet-outcome")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.mandates:
            options.highlighted = 0
        options.focus()
        self._show_selected()

    @property
    def language(self) -> str:
        return ui_language(self.app)

    @property
    def selected(self) -> Mandate | None:
        """The mandate the actions apply to."""
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.mandates):
            return None
        return self.mandates[index]

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_selected()

    # --- actions --------------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_act(self, name: ActionName) -> None:
        mandate = self.selected
        if mandate is None:
            return
        if self.busy is not None:
            self.notify(say("working", self.language), markup=False)
            return
        entry = mandate.action(name)
        if not entry.available:
            label = action_label(name, self.language)
            self.notify(f"{label}: {reason_of(entry, self.language)}", severity="warning", markup=False)
            return
        if name == "archive":
            ibans = ", ".join(iban(clean(value)) for value in mandate.ibans)
            question = say("archive_question", self.language, bank=clean(mandate.bank.name), ibans=ibans)
            self.app.push_screen(
                ConfirmScreen(question, yes=action_label("archive", self.language), no=say("no", self.language)),
                callback=lambda confirmed: self._archive_answered(mandate.id, confirmed),
            )
            return
        self._start(mandate.id, name)

    def _archive_answered(self, mandate_id: int, confirmed: bool | None) -> None:
        if confirmed:
            self._start(mandate_id, "archive")

    def _start(self, mandate_id: int, name: ActionName) -> None:
        self.busy = (mandate_id, name)
        self.outcomes.pop(mandate_id, None)
        self._show_selected()
        self.act(mandate_id, name)

    @work(group="mandate-action")
    async def act(self, mandate_id: int, name: ActionName) -> None:
        """Do the action on the server, then read the mandate again."""
        api = api_of(self.app)
        language = self.language
        link: str | None = None
        message_id: str | None = None
        try:
            if name == "download":
                folder = self.download_dir or download_folder()
                folder.mkdir(parents=True, exist_ok=True)
                path = await api.download_mandate(mandate_id, folder)
                outcome = Outcome(say("downloaded", language, path=str(path)))
            elif name == "sign_twikey":
                signed = await api.sign_twikey(mandate_id)
                link = clean(signed.url)
                outcome = Outcome(say("twikey_link", language, url=link))
            elif name == "archive":
                await api.archive_mandate(mandate_id)
                outcome = Outcome(say("archived", language))
            else:
                resent = await api.resend_mandate(mandate_id)
                message_id = resent.message_id
                outcome = delivery_outcome(resent.mandate.delivery, message_id, language)
        except ApiError as error:
            self.post_message(self.ActionFailed(mandate_id, name, error))
            return
        except OSError as error:  # the download folder cannot be written
            self.post_message(self.ActionFailed(mandate_id, name, ApiError(str(error), code="download_failed")))
            return
        try:
            mandate = await api.mandate(mandate_id)
        except ApiError:
            mandate = next(m for m in self.mandates if m.id == mandate_id)
        if message_id is not None:
            outcome = delivery_outcome(mandate.delivery, message_id, language)
        self.post_message(self.ActionDone(mandate, name, outcome, link))
        if message_id is not None and not delivered(mandate, message_id):
            self.follow_delivery(mandate_id, message_id)

    @work(group="mandate-delivery")
    async def follow_delivery(self, mandate_id: int, message_id: str) -> None:
        """Read the mandate a few times until its e-mail left (or was written as a file), to say where it went."""
        api = api_of(self.app)
        for _ in range(self.DELIVERY_CHECKS):
            await asyncio.sleep(self.DELIVERY_CHECK_DELAY)
            try:
                mandate = await api.mandate(mandate_id)
            except ApiError:
                return
            if delivered(mandate, message_id):
                outcome = delivery_outcome(mandate.delivery, message_id, self.language)
                self.post_message(self.DeliveryFollowed(mandate, outcome))
                return

    @on(DeliveryFollowed)
    def _delivery_followed(self, message: DeliveryFollowed) -> None:
        self.outcomes[message.mandate.id] = message.outcome
        self._replace(message.mandate)

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        self.busy = None
        if message.link is not None:
            self.app.copy_to_clipboard(message.link)
        self.outcomes[message.mandate.id] = message.outcome
        self._replace(message.mandate)

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        self.busy = None
        error = message.error
        label = action_label(message.action, self.language)
        if isinstance(error, ApiConnectionError):
            text = say("offline", self.language)
        elif isinstance(error, ActionUnavailableError) and not error.message:
            text = label
        else:
            text = clean(error.message)
        self.outcomes[message.mandate_id] = Outcome(f"{label}: {text}", FAILED_STYLE)
        self.notify(f"{label}: {text}", severity="error", markup=False)
        self._show_selected()
        if isinstance(error, ActionUnavailableError):
            self.refresh_mandate(message.mandate_id)

    @work(group="mandate-refresh")
    async def refresh_mandate(self, mandate_id: int) -> None:
        """Read a mandate again after a refused action (its actions may have changed)."""
        try:
            mandate = await api_of(self.app).mandate(mandate_id)
        except ApiError:
            return
        self.post_message(self.MandateRefreshed(mandate))

    @on(MandateRefreshed)
    def _refreshed(self, message: MandateRefreshed) -> None:
        self._replace(message.mandate)

    # --- display --------------------------------------------------------------------------------------

    def _replace(self, mandate: Mandate) -> None:
        for index, current in enumerate(self.mandates):
            if current.id == mandate.id:
                self.mandates[index] = mandate
                self.query_one(OptionList).replace_option_prompt_at_index(
                    index, mandate_content(mandate, self.language)
                )
        self._show_selected()

    def _show_selected(self) -> None:
        mandate = self.selected
        busy = self.busy[1] if self.busy is not None and mandate is not None and self.busy[0] == mandate.id else ""
        keys = self._keys()
        self.query_one(MandateActionList).show(mandate, self.language, keys=keys, busy=busy)
        outcome = None if mandate is None else self.outcomes.get(mandate.id)
        self.query_one(ActionOutcome).show(outcome)

    def _keys(self) -> dict[str, str]:
        """The keys the actions are bound to now (a keymap may have moved them)."""
        keys: dict[str, str] = {}
        for active in self.active_bindings.values():
            binding_id = active.binding.id
            if active.node is self and binding_id and binding_id.startswith("mandates."):
                keys.setdefault(binding_id.removeprefix("mandates."), self.app.get_key_display(active.binding))
        return keys
