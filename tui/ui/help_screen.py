"""The `?` screen: every key, generated from the bindings so it can never fall behind."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static
from rich.table import Table


def binding_rows(app, widgets) -> list[tuple[str, str, str]]:
    """(where, keys, description) for every binding of the app and the given widget classes."""
    rows: list[tuple[str, str, str]] = []
    keymap = getattr(app, "_keymap", {}) or {}
    for where, owner in [("everywhere", type(app)), *widgets]:
        for binding in owner.BINDINGS:
            if not isinstance(binding, Binding):
                binding = Binding(*binding)
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            rows.append((where, app.get_key_display(Binding(keys, "")) if keys else keys,
                         binding.description or binding.action))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help", id="help-close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self):
        table = Table(title="jtui keys", expand=True, show_lines=False)
        table.add_column("Where", style="dim")
        table.add_column("Key", style="bold cyan")
        table.add_column("Action")
        for where, keys, description in self.rows:
            table.add_row(where, keys, description)
        with VerticalScroll(id="help-body"):
            yield Static(table)
            yield Static("Esc closes. Mouse: click a row to select it, scroll with the wheel. "
                         "Ctrl+P opens the command palette with every action.", classes="dim")
