"""The `?` screen: how to launch Jupyter, every key (generated from the bindings, with the
user's keymap applied, so it can never fall behind), and where the log file is."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from .keys import KeyRow

HOW_TO = """How to launch Jupyter
 1. Press 2 for the images pane; pick a stack (◆ has Jupyter, ○ not pulled yet).
 2. Press l: the form shows what will run. Ctrl+L launches.
 3. When Jupyter answers, its URL is on the row: u copies it, o opens it.
 4. x runs a command inside (pip install ...); m or b keep it in an image.
 ✔ marks containers (space) for an action on several at once.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help", id="help-close")]

    def __init__(self, rows: list[KeyRow], log_file: Path | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.log_file = log_file

    def compose(self) -> ComposeResult:
        table = Table(title="jtui keys", expand=True, show_lines=False)
        table.add_column("Where", style="dim")
        table.add_column("Key", style="bold cyan")
        table.add_column("Action")
        for row in self.rows:
            table.add_row(row.where, row.keys, row.description)
        with VerticalScroll(id="help-body"):
            yield Static(HOW_TO, markup=False, id="help-howto")
            yield Static(table)
            log_line = f"Log file (attach it to bug reports): {self.log_file}. " if self.log_file else ""
            yield Static(f"{log_line}Esc closes. Mouse: click a row to select it, scroll with the "
                         "wheel. Ctrl+P opens the command palette with every action.",
                         classes="dim", markup=False)
        yield Footer()
