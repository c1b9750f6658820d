"""The header line: which engine, its version, and whether we are connected (or it stopped
answering, and for how long)."""

from __future__ import annotations

import time

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from .. import __version__

DOTS = {"connected": ("●", "green"), "connecting": ("◌", "yellow"), "disconnected": ("●", "red"),
        "not answering": ("●", "red")}


class EngineBar(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.endpoint = ""
        self.version = ""
        self.state = "connecting"
        self.detail = ""
        self.stalled_since: float | None = None  # time.monotonic of the engine's last answer
        self._ticker: Timer | None = None

    def show_state(self, state: str, endpoint: str = "", version: str = "", detail: str = "") -> None:
        self.state = state
        if endpoint:
            self.endpoint = endpoint
        if version:
            self.version = version
        self.detail = detail
        if state != "not answering":
            self.stalled_since = None
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None
        self._draw()

    def show_stalled(self, since: float) -> None:
        """The engine stopped answering at `since`: say so, counting the seconds."""
        self.stalled_since = since
        self.show_state("not answering")
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self._draw)

    @property
    def label(self) -> str:
        """The state in words, as drawn."""
        if self.state == "not answering" and self.stalled_since is not None:
            return f"engine not answering for {max(0, int(time.monotonic() - self.stalled_since))}s"
        return self.state

    def _draw(self) -> None:
        dot = DOTS.get(self.state, ("?", "white"))
        text = Text.assemble((f" jtui {__version__} ", "bold"), " ", (dot[0], dot[1]),
                             f" {self.label} ", (self.endpoint, "bold"))
        if self.version:
            text.append(f"  {self.version}", style="dim")
        if self.detail:
            text.append(f"  {self.detail}", style="yellow")
        self.set_class(self.state != "connected", "-offline")
        self.update(text)
