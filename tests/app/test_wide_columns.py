"""Column widths follow the rows shown: a container publishing 100 ports widens the Ports column
(bounded) only while it is there; once it is removed the column shrinks back."""

from __future__ import annotations

from tests.app.conftest import row_ids, wait_for
from tui.app import create_app
from tui.ui.rows import MAX_CELL


def _widest(table, column: str) -> int:
    col = table.columns[column]
    return max([col.label.cell_len, *(table.get_cell(key, column).cell_len for key in row_ids_of(table))])


def row_ids_of(table) -> list[str]:
    return [row.key.value for row in table.ordered_rows]


def _others_width(table) -> int:
    return sum(column.get_render_width(table) for key, column in table.columns.items()
               if key.value != "ports")


async def test_a_hundred_ports_widen_the_column_only_while_the_container_exists(engine, spec_factory,
                                                                               config):
    app = create_app(config)
    async with app.run_test(size=(200, 50)) as pilot:
        table = app.containers
        await wait_for(pilot, lambda: app.connected and app.images.images, what="the first list")
        ports = table.columns["ports"]
        spec = spec_factory(ports={f"{8000 + i}/tcp": ("127.0.0.1", None) for i in range(100)})
        wide = engine.create_and_start(spec)
        try:
            await wait_for(pilot, lambda: wide.id in row_ids(app)
                           and len(table.containers[wide.id].ports) == 100, timeout=30,
                           what="the row with its 100 ports")
            await pilot.pause()
            assert ports.content_width == MAX_CELL  # as wide as the capped cell, no wider
            wide_size = table.virtual_size.width
            others = _others_width(table)
        finally:
            engine.remove(wide.id, force=True)
        await wait_for(pilot, lambda: wide.id not in row_ids(app), what="the row to go")
        await wait_for(pilot, lambda: ports.content_width < MAX_CELL, timeout=5,
                       what="the Ports column to shrink")
        await pilot.pause()
        # As wide as the widest cell still shown (or its label), and the table narrower again.
        assert ports.content_width == _widest(table, "ports")
        # (Other columns may have widened meanwhile: a CPU or memory reading came in.)
        grown = max(0, _others_width(table) - others)
        assert table.virtual_size.width <= wide_size - (MAX_CELL - ports.content_width) + grown
        # Every other column too: none is wider than what it shows. (Which columns are shown
        # depends on the other containers on the engine: the pane drops what does not fit.)
        shown = [key for key in ("name", "state", "status", "image", "url") if key in table.columns]
        assert {"name", "state", "url"} <= set(shown), shown
        for key in shown:
            assert table.columns[key].content_width == _widest(table, key), key
