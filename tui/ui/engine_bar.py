"""The header line: which engine, its version, and whether we are connected."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from .. import __version__


class EngineBar(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.endpoint = ""
        self.version = ""
        self.state = "connecting"
        self.detail = ""

    def show_state(self, state: str, endpoint: str = "", version: str = "", detail: str = "") -> None:
        self.state = state
        if endpoint:
            self.endpoint = endpoint
        if version:
            self.version = version
        self.detail = detail
        dot = {"connected": ("●", "green"), "connecting": ("◌", "yellow"),
               "disconnected": ("●", "red")}.get(state, ("?", "white"))
        text = Text.assemble((f" jtui {__version__} ", "bold"), " ", (dot[0], dot[1]), f" {state} ",
                             (self.endpoint, "bold"))
        if self.version:
            text.append(f"  {self.version}", style="dim")
        if detail:
            text.append(f"  {detail}", style="yellow")
        self.set_class(state != "connected", "-offline")
        self.update(text)
