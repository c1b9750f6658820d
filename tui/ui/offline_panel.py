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
        text = Text()
        text.append(f"{title}\n\n", style="bold red")
        text.append("Endpoint: ", style="bold")
        text.append(f"{endpoint or '?'}\n")
        text.append("Engine said: ", style="bold")
        text.append(f"{error.message}\n\n")
        if error.hint:
            text.append("What to do: ", style="bold")
            text.append(f"{error.hint}\n")
        text.append("\nOther engines: jtui --host ssh://user@host, --host tcp://host:2376, "
                    "--context NAME, or DOCKER_HOST.\n", style="dim")
        if retry_in is not None:
            shown = ("The panes show the last known state; actions" if loaded else "Actions")
            text.append(f"\nRetrying in {retry_in:g}s (press Ctrl+R to retry now). {shown} are "
                        "disabled until the engine is back.", style="italic")
        self.update(text)
        self.display = True
