"""Log lines made safe to draw: escape sequences and control bytes gone, width and length bounded."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.logtext import DISPLAY_LIMIT, REPLACEMENT, clean, clean_line, display_lines

# C0 and C1 control characters and DEL; clean() keeps "\n" only, clean_line() nothing.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Text a container may print: escape sequences (whole, cut short, nested), brackets, controls.
pieces = st.sampled_from(["\x1b", "\x1b[", "\x1b[31m", "\x1b[0;1;38;5;208m", "\x1b]0;title\x07",
                          "\x1b]8;;http://x\x1b\\", "\x1b]unterminated", "\x1b(B", "\x9b31m", "[", "]",
                          "[31m", "\r", "\n", "\t", "\x00", "\x07", "\x08", "\x7f", "\x85", "\u2028",
                          "é", "界", "😀", " ", "word"])
log_text = st.lists(pieces | st.text(max_size=5), max_size=30).map("".join) | st.text()


@pytest.mark.parametrize("raw, shown", [
    ("plain", "plain"),
    ("\x1b[31mred\x1b[0m text", "red text"),
    ("\x1b]0;set title\x07after", "after"),
    ("\x1b]8;;http://example.com\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("tab\there", "tab    here"),
    ("bell\x07 and nul\x00", f"bell{REPLACEMENT} and nul{REPLACEMENT}"),
    ("10%\r20%", f"10%{REPLACEMENT}20%"),
    ("[I 2026-01-01 ServerApp] [brackets] stay", "[I 2026-01-01 ServerApp] [brackets] stay"),
    ("lone escape \x1b at the end \x1b", "lone escape  at the end "),
    ("c1 \x9b31m csi", f"c1 {REPLACEMENT}31m csi"),
    ("two\nlines", "two\nlines"),
])
def test_clean(raw, shown):
    assert clean(raw) == shown


def test_clean_line_keeps_one_line():
    assert clean_line("two\nlines\x1b[1m!") == f"two{REPLACEMENT}lines!"


@given(log_text)
def test_clean_leaves_no_control_characters(text):
    out = clean(text)
    assert "\x1b" not in out and not CONTROL.search(out.replace("\n", ""))
    assert out.count("\n") <= text.count("\n")  # kept, or swallowed by an unterminated OSC
    line = clean_line(text)
    assert not CONTROL.search(line)
    # One line: newlines and the separators str.splitlines() honours all become REPLACEMENT.
    assert line == out.replace("\n", REPLACEMENT).replace("\u2028", REPLACEMENT).replace("\u2029", REPLACEMENT)
    assert len(line.splitlines()) <= 1


@given(log_text)
def test_clean_is_idempotent(text):
    assert clean(clean(text)) == clean(text)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc"])))
def test_clean_leaves_printable_text_alone(text):
    assert clean(text) == text


@given(log_text, st.none() | st.integers(-5, 200), st.integers(1, 500))
def test_display_lines_respect_width_and_limit(text, width, limit):
    lines = display_lines(text, width=width, limit=limit)
    assert lines and all(isinstance(l, str) for l in lines)
    assert not any(CONTROL.search(l) for l in lines)
    if width and width > 10:
        assert all(len(l) <= width for l in lines)
    shown = "".join(lines)
    cleaned = clean_line(text)
    if len(cleaned) <= limit:
        assert shown == cleaned  # nothing lost, nothing added
    else:
        assert shown.startswith(cleaned[:limit])
        assert shown.endswith(f" … [+{len(cleaned) - limit:,} characters]")


def test_display_lines_huge_line():
    raw = ("\x1b[32m" + "x" * 999 + "[" + "\x00") * 2_000  # 2 MB of colour codes, text and junk
    lines = display_lines(raw, width=120)
    assert len("".join(lines)) < DISPLAY_LIMIT + 100
    assert all(len(l) <= 120 for l in lines)
    assert "".join(lines).endswith(f"[+{2_000 * 1_001 - DISPLAY_LIMIT:,} characters]")


def test_display_lines_empty_and_narrow():
    assert display_lines("") == [""]
    assert display_lines("x" * 50, width=5) == ["x" * 50]  # too narrow to wrap sensibly: one line
    assert display_lines("a b c d e f g h i j k l", width=11) == ["a b c d e f", " g h i j k ", "l"]
