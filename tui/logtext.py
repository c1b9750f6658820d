"""Turning raw log lines into safe display lines: no ANSI codes, no control bytes, bounded width."""

from __future__ import annotations

import re
import textwrap

# CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and lone escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# Control characters other than tab and newline: binary junk would otherwise move the cursor or
# ring bells. (\r too: a progress line "10%\r20%" would overwrite itself.)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
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
    """`clean`, and a newline shown as the replacement character too: for what must stay on one
    line (a log line, a table cell)."""
    return clean(text).replace("\n", REPLACEMENT)


def display_lines(text: str, *, width: int | None = None, limit: int = DISPLAY_LIMIT) -> list[str]:
    """One log line as the lines to draw: cleaned, cut at `limit`, wrapped at `width` if given."""
    text = clean_line(text)
    if len(text) > limit:
        text = f"{text[:limit]} … [+{len(text) - limit:,} characters]"
    if width and width > 10 and len(text) > width:
        return textwrap.wrap(text, width, break_long_words=True, replace_whitespace=False,
                             drop_whitespace=False) or [""]
    return [text]
