"""A changed cell redraws its own row and nothing else (issue 14: DataTable.update_cell made every
line of the table stale, and a reading or an age of a row out of view redrew the whole screen),
and what is drawn is always the row's current cells, on screen, scrolled to, or after the cursor
moved."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from tui.ui.keyed_table import KeyedTable

COLUMNS = ("name", "value")


class TableApp(App[None]):
    CSS = "KeyedTable { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield KeyedTable(id="t")


def _rows(values: dict[int, str]) -> list[tuple[str, int, tuple[Text, Text]]]:
    return [(f"r{i}", i, (Text(f"row{i:03d}"), Text(v))) for i, v in values.items()]


def _line_of(table: KeyedTable, key: str) -> str:
    """The text drawn on screen for the row `key` (it must be on screen)."""
    screen_y = table.header_height + table.get_row_index(key) - int(table.scroll_y)
    assert table.header_height <= screen_y < table.size.height, f"{key} is not on screen"
    return table.render_line(screen_y).text


async def _table(pilot, app: TableApp) -> KeyedTable:  # type: ignore[no-untyped-def]
    table = app.query_one(KeyedTable)
    for key in COLUMNS:
        table.add_column(key, key=key)
    table.apply_rows([(k, cells) for k, _, cells in _rows({i: "old" for i in range(200)})],
                     COLUMNS, keep=None, sort_keys=list(range(200)))
    await pilot.pause()
    return table


async def test_a_changed_row_on_screen_is_drawn_with_its_new_cells_and_the_rest_is_not_redrawn():
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = await _table(pilot, app)
        assert "old" in _line_of(table, "r3")
        kept = table.render_line(table.header_height + 5)  # row r5's strip, from the cache
        table.patch_rows(_rows({3: "NEW"}), [], COLUMNS, keep=None)
        await pilot.pause()
        assert "NEW" in _line_of(table, "r3")
        assert "row003" in _line_of(table, "r3")
        # r5 did not change: its line is the very strip drawn before, not drawn again.
        assert table.render_line(table.header_height + 5) is kept
        assert table.get_cell("r3", "value").plain == "NEW"


async def test_a_row_changed_out_of_view_redraws_nothing_and_shows_its_new_cells_when_scrolled_to():
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = await _table(pilot, app)
        # Draw r150 once (so the caches hold its old line), then come back to the top.
        table.move_cursor(row=150)
        await pilot.pause()
        assert "old" in _line_of(table, "r150")
        table.move_cursor(row=0)
        await pilot.pause()
        visible = [table.render_line(y) for y in range(table.size.height)]
        table.patch_rows(_rows({150: "NEW"}), [], COLUMNS, keep=None)
        await pilot.pause()
        assert [table.render_line(y) for y in range(table.size.height)] == visible
        assert all(a is b for a, b in zip(
            visible, (table.render_line(y) for y in range(table.size.height)), strict=True))
        table.move_cursor(row=150)
        await pilot.pause()
        assert "NEW" in _line_of(table, "r150")


async def test_the_cursor_row_is_drawn_anew_when_it_changes_and_after_the_cursor_leaves():
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = await _table(pilot, app)
        table.move_cursor(row=4)
        await pilot.pause()
        table.patch_rows(_rows({4: "NEW"}), [], COLUMNS, keep=None)
        await pilot.pause()
        assert "NEW" in _line_of(table, "r4")
        table.move_cursor(row=6)  # r4 is drawn without the cursor now: from its new cells too
        await pilot.pause()
        assert "NEW" in _line_of(table, "r4")
        assert "old" in _line_of(table, "r6")


async def test_a_wider_cell_still_widens_its_column():
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = await _table(pilot, app)
        table.patch_rows(_rows({2: "a much longer value"}), [], COLUMNS, keep=None)
        await pilot.pause()
        assert "a much longer value" in _line_of(table, "r2")
        assert table.ordered_columns[1].content_width == len("a much longer value")
