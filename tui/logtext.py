"""Turning raw log lines into safe display lines: no ANSI codes, no control bytes, bounded width."""

from __future__ import annotations

import re
import textwrap

# CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and lone escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# Control characters other than tab: binary junk would otherwise move the cursor or ring bells.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
DISPLAY_LIMIT = 10_000  # characters of one line drawn; the rest is summarised


def clean(text: str) -> str:
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _CONTROL.sub("\ufffd", text)
    return text.replace("\t", "    ")


def display_lines(text: str, *, width: int | None = None, limit: int = DISPLAY_LIMIT) -> list[str]:
    """One log line as the lines to draw: cleaned, cut at `limit`, wrapped at `width` if given."""
    text = clean(text)
    if len(text) > limit:
        text = f"{text[:limit]} … [+{len(text) - limit:,} characters]"
    if width and width > 10 and len(text) > width:
        return textwrap.wrap(text, width, break_long_words=True, replace_whitespace=False,
                             drop_whitespace=False) or [""]
    return [text]
