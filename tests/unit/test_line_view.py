"""The line view on its own (no engine): rows on screen follow the end past `max_lines`, follow
survives layout changes and only a user's scroll leaves it, rows match the records however they
are filtered, wrapped and dropped."""

from __future__ import annotations

import random
from dataclasses import dataclass

from textual import events
from textual.app import App, ComposeResult
from textual.scrollbar import ScrollTo
from textual.widgets import Static

from tui.logtext import REPLACEMENT, display_text, wrap_cells
from tui.ui.line_view import LineView, Marker


@dataclass(frozen=True)
class Rec:
    text: str


class ViewApp(App[None]):
    CSS = "#box { dock: bottom; height: 3; }"

    def __init__(self, max_lines: int = 100) -> None:
        super().__init__()
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield LineView(max_lines=self.max_lines, id="view")
        yield Static("a box like the filter input", id="box")

    def on_mount(self) -> None:
        self.query_one("#box").display = False


def screen_rows(app: App) -> list[str]:
    """The screen as the compositor draws it now, row by row."""
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]


def view_rows(app: App) -> list[str]:
    """The rows of the view on screen (the scrollbar column cut off)."""
    view = app.query_one(LineView)
    region = view.region
    strips = app.screen._compositor.render_strips()[region.y:region.y + region.height]
    right = region.x + view.scrollable_content_region.width
    return [strip.crop(region.x, right).text.rstrip() for strip in strips]


def last_row(app: App) -> str:
    """The last non-blank row of the view on screen."""
    return next((row for row in reversed(view_rows(app)) if row), "")


async def test_the_newest_line_stays_on_screen_past_max_lines():
    # Seen with Textual's Log(max_lines=N): the screen froze once N lines were kept.
    app = ViewApp(max_lines=100)
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(LineView)
        for batch in range(40):
            view.extend([Rec(f"line {batch * 10 + i}") for i in range(10)])
            await pilot.pause()
            assert last_row(app) == f"line {batch * 10 + 9}", batch
        assert len(view.records) == 100 and view.follow


async def test_follow_survives_the_view_getting_shorter():
    app = ViewApp()
    async with app.run_test(size=(40, 20)) as pilot:
        view = app.query_one(LineView)
        view.extend([Rec(f"line {i}") for i in range(60)])
        await pilot.pause()
        assert last_row(app) == "line 59"
        app.query_one("#box").display = True  # like the filter box opening under the log
        await pilot.pause()
        assert view.follow and last_row(app) == "line 59"
        await pilot.resize_terminal(40, 9)  # a smaller terminal
        await pilot.pause()
        assert view.follow and last_row(app) == "line 59"
        view.extend([Rec("line 60")])
        await pilot.pause()
        assert last_row(app) == "line 60"
        app.query_one("#box").display = False
        await pilot.resize_terminal(40, 30)
        await pilot.pause()
        assert view.follow and last_row(app) == "line 60"


async def test_only_a_user_scroll_leaves_follow_and_end_resumes():
    app = ViewApp(max_lines=100)
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(LineView)
        view.focus()
        view.extend([Rec(f"line {i}") for i in range(80)])
        await pilot.pause()
        await pilot.press("up")
        assert not view.follow
        paused = view_rows(app)
        assert paused[-1] == "line 78"
        # New lines, some pushing old ones out of the ring: the paused view keeps its rows.
        view.extend([Rec(f"more {i}") for i in range(30)])
        await pilot.pause()
        assert view_rows(app) == paused
        await pilot.press("end")
        assert view.follow and last_row(app) == "more 29"
        # The mouse wheel and the scrollbar are user scrolls too.
        view.post_message(events.MouseScrollUp(view, 1, 1, 0, -1, 0, False, False, False))
        await pilot.pause()
        assert not view.follow
        view.post_message(ScrollTo(y=view.max_scroll_y))  # the scrollbar dragged to the bottom
        await pilot.pause()
        assert view.follow
        view.post_message(ScrollTo(y=0))
        await pilot.pause()
        assert not view.follow and view_rows(app)[0] == "line 10"
        view.follow_end()
        await pilot.pause()
        assert view.follow and last_row(app) == "more 29"


async def test_rows_are_drawn_cleaned_cut_and_on_one_line():
    app = ViewApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LineView)
        view.extend([Rec("a\u2028b\u2029c"), Rec("esc \x1b]52;c;aGFja2Vk\x07\x1b[2Jgone\x01"),
                     Rec("x" * 20_000), Marker("… 5 lines skipped …")])
        await pilot.pause()
        rows = view_rows(app)
        assert f"a{REPLACEMENT}b{REPLACEMENT}c" in rows  # one row, not three
        assert f"esc gone{REPLACEMENT}" in rows
        assert not any("\x1b" in row for row in screen_rows(app))
        assert view.lines[2].endswith("[+10,000 characters]")
        assert view.lines[3] == "… 5 lines skipped …"
        view.set_filter(lambda r: "zzz" in r.text)
        await pilot.pause()
        assert view.lines == ["… 5 lines skipped …"]  # markers are never filtered out


async def test_a_partial_line_shows_last_and_is_replaced():
    app = ViewApp()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(LineView)
        view.extend([Rec("first")])
        view.set_partial(Rec("progress 10%"))
        await pilot.pause()
        assert last_row(app) == "progress 10%"
        view.set_partial(None)
        view.extend([Rec("progress done")])
        await pilot.pause()
        rows = [r for r in view_rows(app) if r]
        assert rows == ["first", "progress done"]


def model_rows(records, keep, wrap, width, partial):
    shown = [r for r in records if isinstance(r, Marker) or keep is None or keep(r)]
    if partial is not None and (keep is None or keep(partial)):
        shown.append(partial)
    rows = []
    for r in shown:
        text = display_text(r.text)
        rows.extend(wrap_cells(text, width) if wrap else [text])
    return rows


async def test_rows_match_the_records_under_any_mix_of_changes():
    # A seeded random walk over extend / filter / wrap / partial / clear: the rows are always the
    # records kept, filtered and wrapped as a plain model computes them, and the screen shows
    # their end while following.
    app = ViewApp(max_lines=50)
    words = ["alpha", "beta", "x" * 75, "界" * 30, "tab\there", "é" * 41, "", "gamma" * 9]
    async with app.run_test(size=(30, 10)) as pilot:
        view = app.query_one(LineView)
        rng = random.Random(9)
        records: list = []
        keep = None
        partial = None
        for step in range(250):
            op = rng.random()
            if op < 0.55:
                batch = [Rec(f"{step}-{i} {rng.choice(words)}") for i in range(rng.choice([1, 3, 20, 70]))]
                if rng.random() < 0.1:
                    batch.insert(0, Marker(f"… {step} skipped …"))
                view.extend(batch)
                records = (records + batch)[-50:]
            elif op < 0.65:
                needle = rng.choice(["a", "x", "界", "1", None])
                keep = None if needle is None else (lambda r, n=needle: n in r.text)
                view.set_filter(keep)
            elif op < 0.75:
                view.wrap = not view.wrap
            elif op < 0.85:
                partial = rng.choice([None, Rec(f"partial {step} " + rng.choice(words))])
                view.set_partial(partial)
            elif op < 0.88:
                view.clear()
                records, partial = [], None
            else:
                await pilot.resize_terminal(rng.choice([20, 30, 45]), rng.choice([6, 10]))
            await pilot.pause()
            width = view.scrollable_content_region.width
            expected = model_rows(records, keep, view.wrap, width, partial)
            assert view.lines == expected, step
            assert view.row_count == len(expected)
            if expected:
                shown = view_rows(app)
                assert wrap_cells(expected[-1], width)[0].rstrip() in shown, step
