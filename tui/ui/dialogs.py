"""Small reusable screens: a confirmation, a short form, and a live output window."""

from __future__ import annotations

import threading
from typing import Callable

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Log, ProgressBar, Static


class ConfirmScreen(ModalScreen[str | None]):
    """A question with a few answers; dismisses with the chosen answer's id (None on Esc)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="confirm-cancel")]

    def __init__(self, title: str, body: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.choices = choices  # (id, label, variant)

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.body, id="confirm-body")
            with Horizontal(classes="dialog-buttons"):
                for cid, label, variant in self.choices:
                    yield Button(label, id=f"choice-{cid}", variant=variant)
                yield Button("Cancel (Esc)", id="choice-cancel")

    def on_mount(self) -> None:
        self.query_one("#choice-cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = (event.button.id or "").removeprefix("choice-")
        self.dismiss(None if choice == "cancel" else choice)


class FormScreen(ModalScreen[dict | None]):
    """A few text fields; Enter in the last field or the OK button submits."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="form-cancel")]

    def __init__(self, title: str, fields: list[tuple[str, str, str, str]], ok: str = "OK",
                 check: Callable[[dict], str | None] | None = None, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields  # (id, label, value, placeholder)
        self.ok = ok
        self.check = check
        self.note = note

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            if self.note:
                yield Static(self.note, classes="dim")
            for fid, label, value, placeholder in self.fields:
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield Input(value, placeholder=placeholder, id=f"field-{fid}")
            yield Static("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.ok, id="form-ok", variant="primary")
                yield Button("Cancel (Esc)", id="form-cancel")

    def values(self) -> dict:
        return {fid: self.query_one(f"#field-{fid}", Input).value for fid, *_ in self.fields}

    def _submit(self) -> None:
        values = self.values()
        problem = self.check(values) if self.check else None
        if problem:
            self.query_one("#form-error", Static).update(f"⚠ {problem}")
            return
        self.dismiss(values)

    @on(Input.Submitted)
    def _entered(self) -> None:
        self._submit()

    @on(Button.Pressed, "#form-ok")
    def _ok(self) -> None:
        self._submit()

    @on(Button.Pressed, "#form-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class OutputScreen(ModalScreen[None]):
    """Live output of something running in a worker (a command, a build, a pull): Esc cancels it
    while it runs and closes the window when it is done."""

    BINDINGS = [Binding("escape", "close", "Cancel / close", id="output-close")]

    def __init__(self, title: str, *, progress: bool = False, max_lines: int = 20_000) -> None:
        super().__init__()
        self.title_text = title
        self.with_progress = progress
        self.max_lines = max_lines
        self.cancel = threading.Event()
        self.finished = False
        self.result = ""  # the final status line, for the user and for tests
        self.lines: list[str] = []

    def compose(self):
        with Vertical(classes="dialog output-dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Log(id="output-log", max_lines=self.max_lines, highlight=False)
            if self.with_progress:
                yield ProgressBar(total=1.0, show_eta=False, id="output-progress")
            yield Static("running… (Esc cancels)", id="output-status")

    def write(self, lines: list[str]) -> None:
        self.lines.extend(lines)
        del self.lines[:-self.max_lines]
        self.query_one("#output-log", Log).write_lines(lines)

    def progress(self, fraction: float, text: str) -> None:
        if self.with_progress:
            self.query_one("#output-progress", ProgressBar).update(progress=fraction)
        self.query_one("#output-status", Static).update(text)

    def finish(self, text: str, error: bool = False) -> None:
        self.finished = True
        self.result = text
        status = self.query_one("#output-status", Static)
        status.update(f"{text}   (Esc closes)")
        status.set_class(error, "-error")

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(None)
        else:
            self.cancel.set()
            self.query_one("#output-status", Static).update("cancelling…")
