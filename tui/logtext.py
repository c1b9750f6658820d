"""Turning raw log lines into safe display lines: no ANSI codes, no control bytes, bounded width."""

from __future__ import annotations

import re
import textwrap

from rich.cells import chop_cells

# CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and lone escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# Control characters other than tab and newline: binary junk would otherwise move the cursor or
# ring bells. (\r too: a progress line "10%\r20%" would overwrite itself.)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Line and paragraph separators that are not control characters: str.splitlines() (and with it
# Textual's Log) breaks a line at them, and terminals draw them in their own ways.
_SEPARATORS = re.compile("[\u2028\u2029]")
DISPLAY_LIMIT = 10_000  # characters of one line drawn; the rest is summarised
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """Text safe to draw: no escape sequences, no control characters but newlines (messages and
    dialog bodies keep their lines), tabs as spaces."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _CONTROL.sub(REPLACEMENT, text)
    return text.replace("\t", "    ")


def clean_line(text: str) -> str:
    """`clean`, and a newline (or U+2028, U+2029) shown as the replacement character too: for
    what must stay on one line (a log line, a table cell)."""
    text = clean(text).replace("\n", REPLACEMENT)
    if "\u2028" in text or "\u2029" in text:
        text = _SEPARATORS.sub(REPLACEMENT, text)
    return text


def display_text(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """One record as one display line: `clean_line`, cut at `limit` characters with a count of
    what was cut."""
    if len(text) <= limit and text.isascii() and text.isprintable():
        return text  # the common case, already clean: no regular expressions
    text = clean_line(text)
    if len(text) > limit:
        text = f"{text[:limit]} … [+{len(text) - limit:,} characters]"
    return text


def wrap_cells(text: str, width: int) -> list[str]:
    """`text` cut into rows of at most `width` terminal cells (a wide character counts two);
    never fewer than one row."""
    if width < 1 or not text:
        return [text]
    if text.isascii():
        return [text[i:i + width] for i in range(0, len(text), width)]
    return chop_cells(text, width) or [text]


def wrapped_rows(text: str, width: int | None, limit: int = DISPLAY_LIMIT) -> int:
    """How many rows `wrap_cells(display_text(text, limit), width)` has, without building them
    in the common case (short printable ASCII)."""
    if not width or width < 1:
        return 1
    if len(text) <= limit and text.isascii() and text.isprintable():
        return max(1, -(-len(text) // width))
    return len(wrap_cells(display_text(text, limit), width))


def display_lines(text: str, *, width: int | None = None, limit: int = DISPLAY_LIMIT) -> list[str]:
    """One log line as the lines to draw: cleaned, cut at `limit`, wrapped at `width` if given."""
    text = clean_line(text)
    if len(text) > limit:
        text = f"{text[:limit]} … [+{len(text) - limit:,} characters]"
    if width and width > 10 and len(text) > width:
        return textwrap.wrap(text, width, break_long_words=True, replace_whitespace=False,
                             drop_whitespace=False) or [""]
    return [text]
