"""The pure parts of the logs pane's search, colours and tail/since (no engine): ANSI SGR codes
become styles over the same clean text that is searched and copied, matches are found and
counted a chunk at a time, n/N go from match to match, the user's tail/since words parse."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.color import Color
from textual.app import App, ComposeResult

from tui.log_range import BadLogRange, parse_log_range
from tui.log_search import BadPattern, LogQuery, match_spans
from tui.logtext import clean_line, display_text, sgr_runs, styled_display_text
from tui.ui.line_view import LineView, Marker
from tui.ui.log_pane import line_class

ESC = "\x1b"


def test_sgr_colours_become_runs_over_the_clean_text():
    text, runs = sgr_runs(f"{ESC}[31mred{ESC}[0m plain {ESC}[1;38;5;82mgreen{ESC}[22m thin{ESC}[m end")
    assert text == "red plain green thin end"
    (s1, e1, red), (s2, e2, green), (s3, e3, thin) = runs
    assert text[s1:e1] == "red" and red.color == Color.from_ansi(1)
    assert text[s2:e2] == "green" and green.bold and green.color == Color.from_ansi(82)
    assert text[s3:e3] == " thin" and not thin.bold and thin.color == Color.from_ansi(82)


def test_truecolour_background_and_bright_codes():
    _, [(_, _, style)] = sgr_runs(f"{ESC}[48;2;10;20;30;95mx")
    assert style.bgcolor == Color.from_rgb(10, 20, 30)
    assert style.color == Color.from_ansi(13)


def test_only_sgr_is_kept_every_other_escape_goes():
    # A title change, an OSC 52 clipboard write, a clear screen and a cursor move around colours.
    raw = f"{ESC}]2;pwned{ESC}\\{ESC}[2J{ESC}[32mok{ESC}]52;c;aGk=\x07{ESC}[10;1H{ESC}[0m!"
    text, runs = sgr_runs(raw)
    assert text == "ok!" and ESC not in text
    assert runs == [(0, 2, runs[0][2])] and runs[0][2].color == Color.from_ansi(2)


def test_broken_sgr_codes_do_not_raise():
    for raw in (f"{ESC}[38;5m x", f"{ESC}[38;2;1m x", f"{ESC}[;;m x", f"{ESC}[999m x", f"{ESC}[38:5:1m x"):
        text, _ = sgr_runs(raw)
        assert text == " x"


@given(st.text(alphabet=st.sampled_from(["a", "é", "\t", "\n", "\x07", ESC, "[", "3", "1", ";", "m",
                                         "]", "\\", "\u2028", "界"]), max_size=60))
def test_the_styled_text_is_exactly_the_clean_text(raw):
    text, runs = sgr_runs(raw)
    assert text == clean_line(raw)
    assert styled_display_text(raw, limit=20)[0] == display_text(raw, limit=20)
    for start, end, _ in runs:
        assert 0 <= start < end <= len(text)


def test_queries_plain_regex_and_smart_case():
    assert match_spans(LogQuery("a.c").compile(), "abc a.c") == [(4, 7)]
    assert match_spans(LogQuery("a.c", regex=True).compile(), "abc a.c") == [(0, 3), (4, 7)]
    assert match_spans(LogQuery("error").compile(), "Error ERROR error") == [(0, 5), (6, 11), (12, 17)]
    assert match_spans(LogQuery("Error").compile(), "Error ERROR error") == [(0, 5)]
    assert match_spans(LogQuery("x*", regex=True).compile(), "abc") == []  # empty matches: none
    assert LogQuery("").compile() is None


def test_a_bad_regex_says_why():
    with pytest.raises(BadPattern) as caught:
        LogQuery("a(", regex=True).compile()
    assert "Not a valid regular expression 'a('" in str(caught.value)
    assert LogQuery("a(").compile() is not None  # plain text: any characters


def test_log_levels_and_stderr_colours():
    assert line_class(("stderr", "[W 2026-11-28 01:02:03.456 ServerApp] slow", "")) == "warning"
    assert line_class(("stderr", "[E 2026-11-28 01:02:03.456 ServerApp] boom", "")) == "error"
    assert line_class(("stdout", "[C 2026-11-28 01:02:03.456 ServerApp] dead", "")) == "critical"
    assert line_class(("stderr", f"{ESC}[33m[W 2026-11-28 ServerApp]{ESC}[0m tty", "")) == "warning"
    # Jupyter logs everything to stderr: its info lines keep the normal colour.
    assert line_class(("stderr", "[I 2026-11-28 01:02:03.456 ServerApp] started", "")) is None
    assert line_class(("stderr", "Traceback (most recent call last):", "")) == "stderr"
    assert line_class(("stdout", "[Where] not a level", "")) is None
    assert line_class(Marker("… skipped …")) is None


def test_tail_and_since_words():
    assert parse_log_range("500").tail == 500
    assert parse_log_range("all").tail is None and parse_log_range("all").since is None
    assert parse_log_range("10m", now=10_000).since == 9_400
    assert parse_log_range("2h", now=10_000).since == 10_000 - 7200
    assert parse_log_range("2026-11-28T01:00:00Z").since == 1795827600
    assert parse_log_range("10m", now=10_000).engine_since() == "9400.000000000"
    with pytest.raises(BadLogRange):
        parse_log_range("yesterday")


class ViewApp(App[None]):
    def __init__(self, view: LineView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


def records(n: int) -> list:
    return [("stdout", f"line {i}{' needle' if i % 7 == 0 else ''}", "") for i in range(n)]


async def test_matches_are_counted_in_chunks_and_n_goes_from_one_to_the_next():
    view = LineView(max_lines=1000, format=lambda r: r[1], line_class=line_class, ansi=True)
    async with ViewApp(view).run_test(size=(60, 12)) as pilot:
        view.extend(records(1000))
        view.set_search(LogQuery("needle").compile())
        assert not view.search_step(300)  # a chunk: not done yet
        assert view.match_count == 43 and not view.search_done
        while not view.search_step(300):
            pass
        assert view.match_count == 143  # 0, 7, ..., 994
        assert view.follow
        # From the screen (the end): N goes to the newest match above the bottom.
        assert view.goto_match(forward=False) is False
        assert view.match_number == 143 and view.current_match()[1] == "line 994 needle"
        assert not view.follow  # the view stays on the match
        assert view.goto_match(forward=False) is False
        assert view.current_match()[1] == "line 987 needle"
        assert view.goto_match(forward=True) is False and view.match_number == 143
        assert view.goto_match(forward=True) is True  # around to the first
        assert view.match_number == 1 and view.current_match()[1] == "line 0 needle"
        await pilot.pause()
        assert any("line 0 needle" in row for row in view.visible_lines())
        # New lines are looked at as they come; lines leaving the ring leave the count.
        view.extend(records(700))
        while not view.search_step(300):
            pass
        assert view.match_count == sum(1 for r in view.records if "needle" in r[1])


async def test_matches_are_highlighted_in_the_rows_drawn():
    view = LineView(max_lines=100, format=lambda r: r[1], line_class=line_class, ansi=True)
    async with ViewApp(view).run_test(size=(60, 8)) as pilot:
        view.extend([("stdout", f"{ESC}[31mred{ESC}[0m needle here", ""),
                     ("stderr", "plain stderr", "")])
        view.set_search(re.compile("needle"))
        view.search_step()
        await pilot.pause()
        strip = view.render_line(0)
        pieces = {seg.text: seg.style for seg in strip if seg.text.strip()}
        assert pieces["red"].color == Color.from_ansi(1)
        match_style = view.get_component_rich_style("line-view--match", partial=True)
        assert pieces["needle"].bgcolor == match_style.bgcolor
        assert "".join(seg.text for seg in strip).startswith("red needle here")
        stderr_style = view.get_component_rich_style("line-view--stderr", partial=True)
        assert next(iter(view.render_line(1))).style.color == stderr_style.color


async def test_a_match_across_wrapped_rows_is_highlighted_on_both():
    view = LineView(max_lines=100, format=lambda r: r[1], wrap=True, ansi=True)
    async with ViewApp(view).run_test(size=(21, 8)) as pilot:  # 20 columns of text, 1 of scrollbar
        view.extend([("stdout", "x" * 17 + "needle" + f"{ESC}[32m green{ESC}[0m", "")])
        view.set_search(re.compile("needle"))
        view.search_step()
        await pilot.pause()
        top, bottom = view.visible_lines()
        head = top[17:]  # the part of "needle" on the first row
        assert top == "x" * 17 + head and bottom == "needle"[len(head):] + " green" and 0 < len(head) < 6
        bg = view.get_component_rich_style("line-view--match", partial=True).bgcolor
        first = [(seg.text, seg.style.bgcolor) for seg in view.render_line(0) if seg.text]
        second = [(seg.text, seg.style) for seg in view.render_line(1) if seg.text]
        assert (head, bg) in first
        assert second[0][0] == "needle"[len(head):] and second[0][1].bgcolor == bg
        assert any(text.strip() == "green" and style.color == Color.from_ansi(2) for text, style in second)
