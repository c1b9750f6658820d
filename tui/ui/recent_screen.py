"""Recent launches to relaunch (a new token each time: none is ever stored)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..jupyter.launch import LaunchRequest


class RecentScreen(ModalScreen[LaunchRequest | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="recent-close")]

    def __init__(self, requests: list[LaunchRequest]) -> None:
        super().__init__()
        self.requests = requests

    def compose(self) -> ComposeResult:
        with Vertical(id="recent-body"):
            yield Static("Recent launches: Enter opens the form again (new token, new name if taken)",
                         markup=False)
            # Names, images and folders are the user's text: Text prompts are never markup.
            options = [Option(Text(f"{r.name}  ·  {r.image}  ·  port {r.host_port or 'auto'}  ·  "
                                   f"{r.mounts[0][0] if r.mounts else 'no folder'}"), id=str(i))
                       for i, r in enumerate(self.requests)]
            yield OptionList(*options, id="recent-list")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.requests[int(event.option.id or 0)])
