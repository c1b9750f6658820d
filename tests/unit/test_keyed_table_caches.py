"""The tables' render caches hold two screens of lines, not Textual's 1,000 (issue 14: the
stale entries of a changing table are what filled memory), and grow with a taller terminal,
where a cache smaller than the screen would draw every line anew on each refresh."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.ui.keyed_table import RENDER_CACHE_LINES, KeyedTable


class TableApp(App[None]):
    CSS = "KeyedTable { height: 1fr; }"  # as in the app: the table fills its pane

    def compose(self) -> ComposeResult:
        yield KeyedTable(id="t")


def _sizes(table: KeyedTable) -> tuple[int, int, int, int]:
    return (table._row_render_cache.maxsize, table._row_renderable_cache.maxsize,
            table._line_cache.maxsize, table._cell_render_cache.maxsize)


async def test_caches_are_two_screens_and_grow_with_a_tall_terminal():
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(KeyedTable)
        assert _sizes(table) == (RENDER_CACHE_LINES,) * 3 + (RENDER_CACHE_LINES * 10,)
        assert RENDER_CACHE_LINES >= 2 * 50  # a 200x50 screen fits twice as it is
        await pilot.resize_terminal(120, 150)
        await pilot.pause()
        height = table.size.height
        assert height > RENDER_CACHE_LINES // 2
        assert _sizes(table) == (2 * height,) * 3 + (20 * height,)
        await pilot.resize_terminal(80, 24)  # smaller again: what was drawn may stay
        await pilot.pause()
        assert _sizes(table) == (2 * height,) * 3 + (20 * height,)
