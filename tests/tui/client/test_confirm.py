"""The yes/no question: every key that answers it, and a question quoting server text stays literal."""

from __future__ import annotations

import pytest
from textual.app import App

from tui.screens.confirm import ConfirmScreen

pytestmark = pytest.mark.anyio


class Asking(App[None]):
    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question
        self.answers: list[bool | None] = []

    def on_mount(self) -> None:
        self.ask()

    def ask(self) -> None:
        self.push_screen(ConfirmScreen(self.question, yes="Archive", no="Keep"), callback=self.answers.append)


@pytest.mark.parametrize(
    ("keys", "answer"),
    [(("y",), True), (("enter",), True), (("n",), False), (("escape",), False), (("tab", "enter"), False)],
)
async def test_each_key_answers(keys: tuple[str, ...], answer: bool) -> None:
    app = Asking("Archive the mandate?")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(*keys)
        await pilot.pause()
        assert app.answers == [answer]
        assert not isinstance(app.screen, ConfirmScreen)


async def test_the_question_is_shown_literally() -> None:
    app = Asking("Archive at [b]Bank[/b] [@click=app.quit]?\x1b[2J")
    async with app.run_test() as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#confirm-question").visual)
        assert text == "Archive at [b]Bank[/b] [@click=app.quit]?[2J"
        await pilot.press("n")
        await pilot.pause()
        assert app.answers == [False]
