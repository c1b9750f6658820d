"""The engine picker: the docker contexts, DOCKER_HOST, engine URLs used before and the local
socket, plus a box to type a new URL. Dismisses with the EngineChoice to switch to."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from ..config import engine_url_problem
from ..engine.choices import EngineChoice
from ..engine.connection import Endpoint


class EnginePicker(ModalScreen[EngineChoice | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="engine-picker-close")]

    def __init__(self, choices: list[EngineChoice], current: Endpoint | None) -> None:
        super().__init__()
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="engine-picker-body"):
            yield Static("Switch engine: Enter connects (jtui remembers the choice for next time)",
                         markup=False)
            # Context names, URLs and descriptions are the user's text: never markup.
            options = []
            for i, choice in enumerate(self.choices):
                here = "● " if choice.matches(self.current) else "  "
                line = Text(f"{here}{choice.label}")
                if choice.kind == "context":
                    line.append(f"  {choice.url}", style="dim")
                if choice.description:
                    line.append(f"  · {choice.description}", style="dim")
                options.append(Option(line, id=str(i)))
            yield OptionList(*options, id="engine-list")
            yield Static("Or type an engine URL (ssh://user@host, tcp://host:2376, unix:///path):",
                         markup=False)
            yield Input(id="engine-url", placeholder="ssh://me@gpu-box")
            yield Static("", id="engine-url-problem", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        engines = self.query_one("#engine-list", OptionList)
        for i, choice in enumerate(self.choices):
            if choice.matches(self.current):
                engines.highlighted = i
        engines.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    @on(Input.Submitted, "#engine-url")
    def _typed(self, event: Input.Submitted) -> None:
        url = event.value.strip()
        problem = engine_url_problem(url) if url else "type an engine URL, or pick one above"
        if problem:
            self.query_one("#engine-url-problem", Static).update(Text(problem, style="bold red"))
            return
        self.dismiss(EngineChoice("host", url, url))
