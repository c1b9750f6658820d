"""Issue 13, engine-free: at the sizes people's terminals have, the keys that matter are in the
footer and the selected Jupyter's URL, token and all, is on screen. (The pictures are in
test_snapshots.py; this asserts what they must show.)"""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tests.app.test_snapshots import SERVER, _app, _select_jupyter


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (140, 40), (200, 50)])
async def test_url_and_the_keys_that_matter_are_in_sight(size):
    width, height = size
    app = _app()
    async with app.run_test(size=size) as pilot:
        await _select_jupyter(pilot)
        await pilot.pause()
        shown = {}
        for key in app.screen.query(FooterKey):
            region = key.region
            if region.width and region.right <= width and 0 <= region.y < height:
                shown[key.key] = region
        assert {"l", "u", "question_mark"} <= set(shown), sorted(shown)
        details = app.main.details
        assert 0 <= details.region.y and details.region.bottom <= height
        # The whole URL is drawn (wrapped if it must be), not cut.
        drawn = "".join(str(line.text) for line in details.render_lines(details.region.reset_offset)).replace(" ", "")
        assert SERVER.url in drawn, drawn
        # The row says it is ready, in a column on screen without scrolling.
        table = app.containers
        url_column = table.get_column_index("url")
        x = sum(c.get_render_width(table) for c in table.ordered_columns[:url_column])
        assert x + len("ready :8888") <= table.region.width
