"""Issue 12, logs: search that highlights (n/N, count, regex toggle, a bad regex told), stderr,
Jupyter levels and ANSI colours drawn as colours, copy of a line and of the screen, and the part of
the log read again from the engine (tail N, since a time), against the real engine.

What is on screen is read from the compositor, as in test_log_view.py."""

from __future__ import annotations

from rich.color import Color
from textual.widgets import Input

from tests.app.conftest import select_container, wait_for
from tests.app.test_log_view import log_rows
from tui.app import create_app

# Known lines: stdout, stderr, Jupyter levels, ANSI colours (printf makes \033 an ESC). The engine
# reads stdout and stderr apart: a short sleep keeps their order.
COLOURS = r"""
echo "plain stdout"; sleep 0.1
echo "needle two on stderr" >&2
echo "[W 2026-11-28 01:02:03.456 ServerApp] a warning" >&2
echo "[E 2026-11-28 01:02:03.456 ServerApp] an error" >&2
echo "[I 2026-11-28 01:02:03.456 ServerApp] info on stderr" >&2; sleep 0.1
printf '\033[31mred needle\033[0m and \033[1;32mbold green\033[0m\n'
printf 'title\033]2;pwned\007 gone\n'
sleep 3600
"""
# More lines than the screen shows, with four matches of "needle" (smart case: "Needle" too).
SEARCH = r"""
i=0; while [ $i -lt 60 ]; do echo "out line $i"; i=$((i+1)); done
echo "needle one"; sleep 0.1; echo "needle two on stderr" >&2; sleep 0.1
printf '\033[31mred needle\033[0m and \033[1;32mbold green\033[0m\n'
i=0; while [ $i -lt 60 ]; do echo "more line $i"; i=$((i+1)); done
echo "Needle three"
sleep 3600
"""


def subtitle(app) -> str:
    return str(app.log_pane.border_subtitle)


def strip_of(app, text: str):
    """The drawn strip (segments with styles) of the row on screen that contains `text`."""
    view = app.log_pane.log_view
    for y, row in enumerate(log_rows(app)):
        if text in row:
            return view.render_line(y)
    raise AssertionError(f"{text!r} not on screen: {log_rows(app)}")


def style_of(strip, text: str):
    return next(seg.style for seg in strip if text in seg.text)


async def test_stderr_levels_and_ansi_colours_are_drawn(engine, spec_factory, config):
    d = engine.create_and_start(spec_factory(command=["sh", "-c", COLOURS]))
    app = create_app(config)
    async with app.run_test(size=(160, 40)) as pilot:
        await select_container(app, pilot, d.id)
        pane = app.log_pane
        view = pane.log_view
        await wait_for(pilot, lambda: any(r.text.endswith(" gone") for r in pane.lines), what="lines")
        await pilot.pause(0.2)
        assert "title gone" in log_rows(app)  # the title escape removed, the text kept
        assert [r.stream for r in pane.lines][:3] == ["stdout", "stderr", "stderr"]
        assert style_of(strip_of(app, "needle two on stderr"), "stderr").color == \
            view.get_component_rich_style("line-view--stderr", partial=True).color
        assert style_of(strip_of(app, "plain stdout"), "plain").color == view.rich_style.color
        warning = view.get_component_rich_style("line-view--warning", partial=True).color
        error = view.get_component_rich_style("line-view--error", partial=True).color
        assert style_of(strip_of(app, "a warning"), "warning").color == warning
        assert style_of(strip_of(app, "an error"), "error").color == error
        assert len({warning, error, view.rich_style.color}) == 3
        # Jupyter logs its info to stderr too: those keep the normal colour.
        assert style_of(strip_of(app, "info on stderr"), "info").color == view.rich_style.color
        red = strip_of(app, "red needle and bold green")
        assert style_of(red, "red").color == Color.from_ansi(1)
        assert style_of(red, "bold green").color == Color.from_ansi(2) and style_of(red, "bold green").bold


async def test_search_highlights_counts_and_moves(engine, spec_factory, config):
    d = engine.create_and_start(spec_factory(command=["sh", "-c", SEARCH]))
    app = create_app(config)
    async with app.run_test(size=(160, 40)) as pilot:
        await select_container(app, pilot, d.id)
        pane = app.log_pane
        view = pane.log_view
        await wait_for(pilot, lambda: any(r.text == "Needle three" for r in pane.lines), what="lines")
        assert len(pane.lines) == 124 and view.row_count > 60 > len(log_rows(app))

        # "/" on the logs pane searches (it does not filter): every line stays.
        await pilot.press("3")
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#log-search", Input)
        await pilot.press(*"needle")
        await wait_for(pilot, lambda: "4 matches" in subtitle(app), what="count")  # smart case: N too
        assert view.row_count == 124
        match = view.get_component_rich_style("line-view--match", partial=True)
        await pilot.press("enter")  # to the newest match
        await pilot.pause(0.1)
        assert "4/4 matches" in subtitle(app), subtitle(app)
        assert "paused" in str(pane.border_title)
        current = view.get_component_rich_style("line-view--match-current", partial=True)
        assert style_of(strip_of(app, "Needle three"), "Needle").bgcolor == current.bgcolor
        await pilot.press("N")
        await pilot.pause(0.1)
        assert "3/4 matches" in subtitle(app)
        assert style_of(strip_of(app, "red needle"), "needle").bgcolor == current.bgcolor
        await pilot.press("N", "N")
        await pilot.pause(0.1)
        assert "1/4 matches" in subtitle(app)
        assert style_of(strip_of(app, "needle one"), "needle").bgcolor == current.bgcolor
        assert style_of(strip_of(app, "needle two"), "needle").bgcolor == match.bgcolor
        assert match.bgcolor != current.bgcolor
        # The view moved: the first lines of the log are on screen, not the last.
        assert not any("Needle three" in row for row in log_rows(app))
        await pilot.press("n")
        await pilot.pause(0.1)
        assert "2/4 matches" in subtitle(app)

        # Regex on: a pattern; a broken one is told, and nothing breaks.
        await pilot.press("slash")
        await pilot.press("ctrl+u", *"needle (one|two)")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "/needle (one|two)/: 2 matches" in subtitle(app), what="regex")
        await pilot.press("ctrl+u", *"needle (")
        await wait_for(pilot, lambda: "not a valid regular expression" in subtitle(app), what="error")
        error_line = app.screen.query_one("#log-search-error")
        assert error_line.display and "missing )" in str(error_line.render())
        await pilot.press("backspace", "backspace")
        await wait_for(pilot, lambda: "/needle/: 4 matches" in subtitle(app), what="fixed")
        # Esc clears the search; the highlights go.
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert "search" not in subtitle(app)
        assert style_of(strip_of(app, "needle one"), "needle").bgcolor != match.bgcolor

        # & still filters (hides lines).
        await pilot.press("ampersand", *"more line 3")
        await pilot.pause(0.2)
        assert [r for r in log_rows(app) if r] == ["more line 3"] + [f"more line {i}" for i in range(30, 40)]
        assert view.row_count == 11


async def test_y_copies_the_current_line_and_Y_the_screen_as_plain_text(engine, spec_factory, config):
    d = engine.create_and_start(spec_factory(command=["sh", "-c", SEARCH]))
    app = create_app(config)
    async with app.run_test(size=(160, 40)) as pilot:
        await select_container(app, pilot, d.id)
        pane = app.log_pane
        await wait_for(pilot, lambda: any(r.text == "Needle three" for r in pane.lines), what="lines")
        await pilot.press("3", "y")  # no search: the last line on screen, the newest
        assert app.clipboard == "Needle three"
        await pilot.press("slash", *"red", "enter", "y")
        assert app.clipboard == "red needle and bold green"  # the colours' codes left out
        await pilot.press("Y")
        shown = [row for row in log_rows(app) if row]
        assert app.clipboard.splitlines() == shown
        assert "\x1b" not in app.clipboard


async def test_tail_and_since_read_the_log_again(engine, spec_factory, config):
    script = ("for i in 1 2 3 4 5; do echo early $i; done; sleep 2; "
              "for i in 1 2 3; do echo late $i; done; sleep 3600")
    d = engine.create_and_start(spec_factory(command=["sh", "-c", script]))
    app = create_app(config)
    async with app.run_test(size=(160, 40)) as pilot:
        await select_container(app, pilot, d.id)
        pane = app.log_pane
        await wait_for(pilot, lambda: len(pane.lines) == 8, timeout=20, what="8 lines")
        texts = lambda: [r.text for r in pane.lines]  # noqa: E731
        await pilot.press("3", "T")
        box = app.screen.query_one("#field-range", Input)
        box.value = "2"
        await pilot.press("enter")
        await wait_for(pilot, lambda: texts() == ["late 2", "late 3"], what="tail 2")
        assert "last 2 lines" in str(pane.border_title)
        assert [r for r in log_rows(app) if r] == ["late 2", "late 3"]
        # Since the second the late lines were logged in (UTC, as the engine stamps them).
        late = pane.lines[0].timestamp[:19] + "Z"
        await pilot.press("T")
        app.screen.query_one("#field-range", Input).value = "yesterday"
        await pilot.press("enter")
        assert "is not a number of lines" in str(app.screen.query_one("#form-error").render())
        app.screen.query_one("#field-range", Input).value = late
        await pilot.press("enter")
        await wait_for(pilot, lambda: texts() == ["late 1", "late 2", "late 3"], what="since")
        assert f"since {late}" in str(pane.border_title)
        await pilot.press("T")
        app.screen.query_one("#field-range", Input).value = "all"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(texts()) == 8, what="all")
        assert texts()[0] == "early 1"
