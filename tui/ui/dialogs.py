"""Small reusable screens: a confirmation, a short form, and a live output window."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, ProgressBar, Static
from textual.widgets.button import ButtonVariant

from ..engine.jobs import Done, Failed, Job
from ..logtext import clean
from .jobs import JobRunner, JobUpdate
from .line_view import LineView, Marker


class ConfirmScreen(ModalScreen[str | None]):
    """A question with a few answers; dismisses with the chosen answer's id (None on Esc)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="confirm-cancel")]

    def __init__(self, title: str, body: str, choices: list[tuple[str, str, ButtonVariant]]) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.choices = choices  # (id, label, variant)

    def compose(self) -> ComposeResult:
        # Names of containers and images are other people's text: never markup.
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(clean(self.body), id="confirm-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for cid, label, variant in self.choices:
                    yield Button(label, id=f"choice-{cid}", variant=variant, compact=True)
                yield Button("Cancel (Esc)", id="choice-cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#choice-cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = (event.button.id or "").removeprefix("choice-")
        self.dismiss(None if choice == "cancel" else choice)


FormValues = dict[str, str]


class FormScreen(ModalScreen[FormValues | None]):
    """A few text fields; Enter in the last field or the OK button submits."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="form-cancel")]

    def __init__(self, title: str, fields: list[tuple[str, str, str, str]], ok: str = "OK",
                 check: Callable[[FormValues], str | None] | None = None, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields  # (id, label, value, placeholder)
        self.ok = ok
        self.check = check
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            if self.note:
                yield Static(self.note, classes="dim", markup=False)
            for fid, label, value, placeholder in self.fields:
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label", markup=False)
                    yield Input(value, placeholder=placeholder, id=f"field-{fid}", compact=True)
            yield Static("", id="form-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.ok, id="form-ok", variant="primary", compact=True)
                yield Button("Cancel (Esc)", id="form-cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(f"#field-{self.fields[0][0]}", Input).focus()

    def values(self) -> FormValues:
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


class JobScreen(ModalScreen[None]):
    """Live output of a job (a command, a build, a pull). Esc closes it whatever the job is
    doing: a running job is cancelled and its outcome arrives as a notification."""

    BINDINGS = [Binding("escape", "close", "Close (cancels a running job)", id="output-close")]

    def __init__(self, title: str, job: Job, *, progress: bool = False,
                 on_outcome: Callable[[Done | Failed], None] | None = None,
                 max_lines: int = 20_000) -> None:
        super().__init__()
        self.title_text = title
        self.with_progress = progress
        self.max_lines = max_lines
        self.runner: JobRunner | None = None  # made in on_mount, when the app is known
        self._job = job
        self._on_outcome = on_outcome
        # The same view and cleaning as the logs pane: bounded, drawn on demand, never frozen.
        self.output = LineView(id="output-log", max_lines=max_lines)

    @property
    def lines(self) -> list[str]:
        """The output kept, one cleaned line per line the job printed (and the skip markers)."""
        return self.output.texts()

    @property
    def finished(self) -> bool:
        return self.runner is not None and self.runner.finished

    @property
    def result(self) -> str:
        """The final status line, as shown."""
        outcome = self.runner.outcome if self.runner else None
        return outcome.summary if isinstance(outcome, Done) else (outcome.text if outcome else "")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog output-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield self.output
            if self.with_progress:
                yield ProgressBar(total=1.0, show_eta=False, id="output-progress")
            yield Static("running… (Esc cancels and closes)", id="output-status", markup=False)

    def on_mount(self) -> None:
        self.runner = JobRunner(self.app, self._job, title=self.title_text, target=self,
                                on_outcome=self._on_outcome)
        self.runner.start()

    def on_job_update(self, message: JobUpdate) -> None:
        message.stop()
        batch = message.runner.take()
        if batch.skipped:
            self.output.extend([Marker(f"… {batch.skipped:,} lines skipped (output faster than "
                                       f"the screen) …")])
        self.output.extend(batch.lines)
        if batch.progress is not None:
            if self.with_progress and batch.progress.fraction is not None:
                self.query_one("#output-progress", ProgressBar).update(progress=batch.progress.fraction)
            self._status(batch.progress.text)
        outcome = batch.outcome
        if outcome is not None:
            if isinstance(outcome, Done) and self.with_progress and not outcome.error:
                self.query_one("#output-progress", ProgressBar).update(progress=1.0)
            error = isinstance(outcome, Failed) or outcome.error
            text = outcome.text if isinstance(outcome, Failed) else outcome.summary
            self._status(f"{text}   (Esc closes)", error)

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#output-status", Static)
        status.update(clean(text))
        status.set_class(error, "-error")

    def action_close(self) -> None:
        runner = self.runner
        if runner is not None and not runner.finished:
            runner.cancel.set()
            runner.redirect_to_app()
            self.notify(f"Cancelling: {self.title_text}")
        self.dismiss(None)
