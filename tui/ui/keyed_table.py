"""A DataTable whose rows are keyed by an id and brought up to date in place."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowDoesNotExist, RowKey

from .rows import Cells

if TYPE_CHECKING:
    from ..app import JtuiApp

RENDER_CACHE_LINES = 100  # lines of a table's render caches: two screens of 50 lines (grown if taller)


class KeyedTable(DataTable[Text]):
    """Rows keyed by an id: remove what went, update only changed cells, add what is new, keep
    the cursor on the same key. Moves with j/k as lazydocker users expect.

    Two ways in: `apply_rows` makes the table show a whole list (a re-list, a new filter), and
    `patch_rows` touches only the rows named (engine events): its cost does not grow with the
    number of rows, except for one sort when the order changed. Column widths follow the cells
    shown, both ways: a wide cell widens its column only while it is there."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("g", "scroll_top", "Top", show=False, id="cursor-top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="cursor-bottom"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id)
        # DataTable's render caches hold 1,000 lines and 10,000 cells, and their keys carry an
        # update count: every changed cell (a stats reading, an age) leaves stale entries that
        # stay until evicted, so an idle jtui grew from 52 to 70 MB in 40 s until they were full
        # (tracemalloc: textual/cache.py, strip.py and the segments were the top allocators).
        # Twice the lines on screen give the same hits (they grow with a taller table, see
        # on_resize); 100 rather than 300 lines held 1.2 MB less with 1,000 containers.
        self._row_render_cache = LRUCache(RENDER_CACHE_LINES)
        self._cell_render_cache = LRUCache(RENDER_CACHE_LINES * 10)
        self._row_renderable_cache = LRUCache(RENDER_CACHE_LINES)
        self._line_cache = LRUCache(RENDER_CACHE_LINES)
        self._rendered: dict[str, Cells] = {}  # key -> the cells last drawn for it
        self._sort_keys: dict[str, Any] = {}  # key -> where it sorts
        self._widths: list[Counter[int]] = []  # per column: how many cells have each width
        # Every column's key, in the order of the cells; the ones the table has now (None: all).
        # A narrow pane drops columns (`show_columns`) while the rows keep every cell.
        self._all_columns: tuple[str, ...] = ()
        self._shown: tuple[str, ...] | None = None
        self._changed: set[RowKey] = set()  # rows whose cells changed in place, not drawn yet
        self._title = ""

    def on_resize(self, event: events.Resize) -> None:
        # A table taller than half the caches would draw every line anew on each refresh.
        lines = 2 * event.size.height
        for cache in (self._row_render_cache, self._row_renderable_cache, self._line_cache):
            cache.grow(lines)
        self._cell_render_cache.grow(lines * 10)

    def set_title(self, title: str) -> None:
        """The border title, as text: names and filters are not ours, never markup. Textual
        redraws the whole widget on each assignment, changed or not: every age tick and stats
        reading redrew the 1,000-row table for the same words (issue 14)."""
        if title != self._title:
            self._title = title
            self.border_title = Content(title)

    @property
    def jtui(self) -> JtuiApp:
        """The app, typed: the engine, the settings and the shared actions live there."""
        return cast("JtuiApp", self.app)

    # --- the two ways in ------------------------------------------------------------------------
    def apply_rows(self, wanted: list[tuple[str, Cells]], columns: tuple[str, ...],
                   keep: str | None, sort_keys: list[Any] | None = None) -> None:
        """Make the table show `wanted` (key, cells) in that order. `sort_keys` (one per row,
        in the same order) lets later `patch_rows` calls place rows among these."""
        wanted_keys = [key for key, _ in wanted]
        wanted_set = set(wanted_keys)
        with self.app.batch_update():
            self._drop([k for k in self._rendered if k not in wanted_set])
            for key, cells in wanted:
                self._put(key, cells, columns)
            self._sort_keys = dict(zip(wanted_keys, sort_keys if sort_keys is not None
                                       else range(len(wanted_keys)), strict=True))
            if [row.key.value for row in self.ordered_rows] != wanted_keys:
                self._reorder(wanted_keys)
            self._finish(keep)

    def patch_rows(self, rows: Iterable[tuple[str, Any, Cells]], gone: Iterable[str],
                   columns: tuple[str, ...], keep: str | None) -> None:
        """Update or add the rows given as (key, sort key, cells) and remove the keys in `gone`;
        every other row stays as it is."""
        reorder = False
        with self.app.batch_update():
            self._drop([key for key in dict.fromkeys(gone) if key in self._rendered])
            for key, sort_key, cells in rows:
                added = self._put(key, cells, columns)
                if added or self._sort_keys.get(key) != sort_key:
                    reorder = True
                self._sort_keys[key] = sort_key
            if reorder:
                self._reorder(sorted(self._rendered, key=self._sort_keys.__getitem__))
            self._finish(keep)

    # --- rows -----------------------------------------------------------------------------------
    def _put(self, key: str, cells: Cells, columns: tuple[str, ...]) -> bool:
        """Add or update one row; True when it was added."""
        if not self._widths:
            self._widths = [Counter() for _ in columns]
            self._all_columns = columns
        old = self._rendered.get(key)
        if old is None:
            self.add_row(*self._present(cells), key=key)
            self._rendered[key] = cells
            for i, cell in enumerate(cells):
                self._count(i, cell)
            return True
        if old != cells:
            stored = list(old)
            row_key = RowKey(key)
            data = self._data[row_key]
            for i, (col, new, before) in enumerate(zip(columns, cells, old, strict=True)):
                if new != before:
                    if self._shown is None or col in self._shown:
                        data[ColumnKey(col)] = new  # drawn by _redraw_changed, not update_cell
                        self._changed.add(row_key)
                    stored[i] = new
                    self._uncount(i, before)
                    self._count(i, new)
            self._rendered[key] = tuple(stored)
        return False

    def _redraw_changed(self) -> None:
        """Redraw the rows whose cells `_put` changed in place, and only those.

        DataTable.update_cell (Textual 8.2) counts an update, and that count is part of the key
        of every render cache: one new reading or age invalidated every line, and the table
        was drawn anew, 45 lines of it at 200x50, even for a row scrolled out of view. With
        1,000 containers that was most of an idle jtui's CPU (17 ms a redraw, the compositor
        ~0.23 % of a core: a per-call count in the note of issue 14). Here only the changed
        rows' entries leave the caches, and only the lines of those on screen are redrawn;
        one off screen is drawn when it is scrolled to, from its new cells."""
        changed, self._changed = self._changed, set()
        if not changed:
            return
        changed &= self.rows.keys()
        indexes = {self._row_locations.get(key) for key in changed}
        header = self.header_height if self.show_header else 0
        offsets = self._y_offsets  # virtual line (below the header) -> (row key, line in row)

        def row_at(y: int) -> RowKey | None:
            return offsets[y - header][0] if header <= y < header + len(offsets) else None

        caches: list[tuple[LRUCache[Any, Any], Callable[[Any], bool]]] = [
            (self._row_render_cache, lambda k: k[0] in changed),  # (row key, ...)
            (self._cell_render_cache, lambda k: k[0] in changed),  # (row key, column key, ...)
            (self._row_renderable_cache, lambda k: k[1] in indexes),  # (count, row index)
            (self._line_cache, lambda k: row_at(k[0]) in changed),  # (virtual y, ...)
        ]
        for cache, stale in caches:
            for cache_key in [k for k in cache.keys() if stale(k)]:
                cache.discard(cache_key)
        top = int(self.scroll_y)
        width = max(self.size.width, self.virtual_size.width)
        for line in range(top, min(len(offsets), top + self.size.height)):
            if offsets[line][0] in changed:
                self._refresh_region(Region(0, header + line, width, 1))

    def _drop(self, keys: list[str]) -> None:
        if not keys:
            return
        if len(keys) == 1:
            self.remove_row(keys[0])
        else:
            self._remove_rows(keys)
        for key in keys:
            for i, cell in enumerate(self._rendered.pop(key)):
                self._uncount(i, cell)
            self._sort_keys.pop(key, None)

    def _remove_rows(self, keys: list[str]) -> None:
        """DataTable.remove_row, for many rows at once. remove_row renumbers every remaining row
        on each call (Textual 8.2): under churn with 1,000 rows that was most of the time spent
        applying a batch. This does what it does, renumbering once."""
        gone = {RowKey(key) for key in keys}
        survivors = [row.key for row in self.ordered_rows if row.key not in gone]
        for row_key in gone:
            del self.rows[row_key]
            for column_key in self._data.pop(row_key):
                self._updated_cells.discard(CellKey(row_key, column_key))
            self._new_rows.discard(row_key)
        self._row_locations = TwoWayDict({key: index for index, key in enumerate(survivors)})
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = self.cursor_coordinate  # clamped to the rows left
        self.hover_coordinate = self.hover_coordinate
        self.refresh(layout=True)

    def _count(self, column: int, cell: Text) -> None:
        self._widths[column][cell.cell_len] += 1

    def _uncount(self, column: int, cell: Text) -> None:
        counter = self._widths[column]
        width = cell.cell_len
        counter[width] -= 1
        if counter[width] <= 0:
            del counter[width]

    def _reorder(self, order: list[str]) -> None:
        # DataTable sorts by cell values and its key function never sees the row key: recognise
        # each row by the identity of its first cell, which the table holds.
        position = {id(self._rendered[key][0]): i for i, key in enumerate(order)}
        self.sort(key=lambda values: position.get(id(values[0]), 1 << 30))

    def _finish(self, keep: str | None) -> None:
        self._redraw_changed()
        self._fit_columns()
        if keep in self._rendered:
            index = self.get_row_index(keep)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False)

    def _fit_columns(self) -> None:
        """Each column as wide as its widest cell shown (or its label). DataTable (Textual 8.2)
        widens a column for a wider cell but never narrows it again, even when that row goes:
        one container with 100 published ports would keep the Ports column wide for ever."""
        changed = False
        index = {key: i for i, key in enumerate(self._all_columns)}
        for column in self.ordered_columns:
            i = index.get(column.key.value or "")
            if not column.auto_width or i is None or i >= len(self._widths):
                continue
            counter = self._widths[i]
            want = max(column.label.cell_len, max(counter, default=0))
            if column.content_width != want:
                column.content_width = want
                changed = True
        if changed:
            # What DataTable itself does after changing widths: cached cell renders hold the old
            # width, and the scrollable size is recomputed when idle.
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()

    # --- which columns ----------------------------------------------------------------------------
    def _present(self, cells: Cells) -> Cells:
        """The cells of the columns the table has now."""
        if self._shown is None:
            return cells
        return tuple(cell for key, cell in zip(self._all_columns, cells, strict=True)
                     if key in self._shown)

    def content_widths(self, labels: dict[str, str]) -> dict[str, int]:
        """Each column's width if shown: its widest cell now, or its label."""
        widths = {key: len(label) for key, label in labels.items()}
        for key, counter in zip(self._all_columns, self._widths, strict=False):
            widths[key] = max(widths.get(key, 0), max(counter, default=0))
        return widths

    def show_columns(self, shown: tuple[str, ...], labels: dict[str, str], keep: str | None) -> bool:
        """Have the table show only these columns (in this order); True when that changed. The
        rows are put back from the cells kept, in their order: this costs a re-draw of every row,
        so it is done only when the set changes (a resize across a threshold), not on each resize."""
        if shown == (self._shown or tuple(str(key.value) for key in self.columns)):
            return False
        self._shown = shown
        order = [row.key.value for row in self.ordered_rows if row.key.value in self._rendered]
        with self.app.batch_update():
            self.clear(columns=True)
            for key in shown:
                self.add_column(Text(labels[key]), key=key)
            for key in order:
                self.add_row(*self._present(self._rendered[key]), key=key)
            self._finish(keep)
        return True

    def get_cell(self, row_key: RowKey | str, column_key: ColumnKey | str) -> Text:
        """A row's cell, its column shown or not: a narrow pane drops columns, the rows keep
        every cell (what the row holds is the same at any width)."""
        row = str(getattr(row_key, "value", row_key))
        column = str(getattr(column_key, "value", column_key))
        cells = self._rendered.get(row)
        if cells is not None and column in self._all_columns:
            return cells[self._all_columns.index(column)]
        return super().get_cell(row_key, column_key)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except (RowDoesNotExist, IndexError):
            return None
        return value
