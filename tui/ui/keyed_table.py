"""A DataTable whose rows are keyed by an id and brought up to date in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from .rows import Cells

if TYPE_CHECKING:
    from ..app import JtuiApp


class KeyedTable(DataTable[Text]):
    """Rows keyed by an id: remove what went, update only changed cells, add what is new, keep
    the cursor on the same key. Moves with j/k as lazydocker users expect."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("g", "scroll_top", "Top", show=False, id="cursor-top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="cursor-bottom"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id)
        self._rendered: dict[str, Cells] = {}  # key -> the cells last drawn for it

    @property
    def jtui(self) -> JtuiApp:
        """The app, typed: the engine, the settings and the shared actions live there."""
        return cast("JtuiApp", self.app)

    def apply_rows(self, wanted: list[tuple[str, Cells]], columns: tuple[str, ...],
                   keep: str | None) -> None:
        """Make the table show `wanted` (key, cells) in that order."""
        wanted_keys = [key for key, _ in wanted]
        wanted_set = set(wanted_keys)
        with self.app.batch_update():
            for key in [k for k in self._rendered if k not in wanted_set]:
                self.remove_row(key)
                del self._rendered[key]
            for key, cells in wanted:
                old = self._rendered.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                    self._rendered[key] = cells
                elif old != cells:
                    stored = list(old)
                    for i, (col, new, before) in enumerate(zip(columns, cells, old, strict=True)):
                        if new != before:
                            self.update_cell(key, col, new)
                            stored[i] = new
                    self._rendered[key] = tuple(stored)
            if [row.key.value for row in self.ordered_rows] != wanted_keys:
                # DataTable sorts by cell values and its key function never sees the row key:
                # recognise each row by the identity of its first cell, which the table holds.
                position = {id(self._rendered[key][0]): i for i, key in enumerate(wanted_keys)}
                self.sort(key=lambda values: position.get(id(values[0]), 1 << 30))
            if keep in self._rendered:
                self.move_cursor(row=self.get_row_index(keep), animate=False)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except (RowDoesNotExist, IndexError):
            return None
        return value
