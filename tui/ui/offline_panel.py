"""Shown over the panes while no engine answers: which endpoint, the engine's words, what to do."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..engine import EngineError, EngineUnreachable


class OfflinePanel(Static):
    def show_error(self, endpoint: str, error: EngineError, retry_in: float | None,
                   lost: bool = False, loaded: bool = False) -> None:
        if lost:
            title = "Lost the Docker engine"
        elif isinstance(error, EngineUnreachable) and error.reason == "permission":
            title = "The Docker engine refuses you"
        else:
            title = "No Docker engine answers"
        # What to do comes first and the retry right after: on a small terminal the engine's own
        # (long) words are what gets cut, not the way out.
        text = Text()
        text.append(f"{title}", style="bold red")
        text.append(f"  {endpoint or '?'}\n", style="bold")
        if error.hint:
            text.append("What to do: ", style="bold")
            text.append(f"{error.hint}\n")
        if retry_in is not None:
            shown = ("The panes show the last known state; actions" if loaded else "Actions")
            text.append(f"Retrying in {retry_in:g}s (Ctrl+R retries now). {shown} are disabled "
                        "until the engine is back.\n", style="italic")
        text.append("Engine said: ", style="bold")
        text.append(f"{error.message}\n")
        text.append("Other engines: jtui --host ssh://user@host, --host tcp://host:2376, "
                    "--context NAME, or DOCKER_HOST.", style="dim")
        self.update(text)
        self.display = True
