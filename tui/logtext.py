"""Turning raw log lines into safe display lines: no escape sequences, no control bytes, bounded
width; the colours (ANSI SGR) a line asked for can be kept as styles beside the clean text."""

from __future__ import annotations

import re
import textwrap

from rich.cells import chop_cells
from rich.color import Color
from rich.style import Style

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


def strip_escapes(text: str) -> str:
    """`text` without its escape sequences (nothing else changed)."""
    return _ANSI.sub("", text) if "\x1b" in text else text


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


# --- colours a container asked for (ANSI SGR), as styles over the cleaned text -------------------
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
# A style run: characters [start, end) of the cleaned text drawn with `style`.
StyleRun = tuple[int, int, Style]
_STYLE_CACHE: dict[tuple[object, ...], Style] = {}


def _sgr_colour(params: list[int], i: int) -> tuple[Color | None, int]:
    """The colour of an extended SGR (38/48 ;5;n or ;2;r;g;b) starting after params[i]; returns
    it and how many parameters it used."""
    if i + 1 < len(params) and params[i + 1] == 5 and i + 2 < len(params):
        return Color.from_ansi(params[i + 2] & 0xFF), 2
    if i + 1 < len(params) and params[i + 1] == 2 and i + 4 < len(params):
        r, g, b = (min(255, v) for v in params[i + 2:i + 5])
        return Color.from_rgb(r, g, b), 4
    return None, len(params) - i - 1  # malformed: ignore the rest


class SgrState:
    """The attributes SGR codes have switched on so far (what a terminal keeps between codes)."""

    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse", "strike")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.fg: Color | None = None
        self.bg: Color | None = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = self.strike = False

    def apply(self, codes: str) -> None:
        try:
            params = [int(p) if p else 0 for p in codes.replace(":", ";").split(";")]
        except ValueError:
            return
        i = 0
        while i < len(params):
            p = params[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 2:
                self.dim = True
            elif p == 3:
                self.italic = True
            elif p == 4:
                self.underline = True
            elif p == 7:
                self.reverse = True
            elif p == 9:
                self.strike = True
            elif p == 22:
                self.bold = self.dim = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.underline = False
            elif p == 27:
                self.reverse = False
            elif p == 29:
                self.strike = False
            elif 30 <= p <= 37:
                self.fg = Color.from_ansi(p - 30)
            elif 90 <= p <= 97:
                self.fg = Color.from_ansi(p - 90 + 8)
            elif 40 <= p <= 47:
                self.bg = Color.from_ansi(p - 40)
            elif 100 <= p <= 107:
                self.bg = Color.from_ansi(p - 100 + 8)
            elif p == 39:
                self.fg = None
            elif p == 49:
                self.bg = None
            elif p in (38, 48):
                colour, used = _sgr_colour(params, i)
                if p == 38:
                    self.fg = colour
                else:
                    self.bg = colour
                i += used
            i += 1  # anything else (blink, fonts, ...) is left out

    def style(self) -> Style | None:
        key = (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse,
               self.strike)
        if key == (None, None, False, False, False, False, False, False):
            return None
        style = _STYLE_CACHE.get(key)
        if style is None:
            style = Style(color=self.fg, bgcolor=self.bg, bold=self.bold or None,
                          dim=self.dim or None, italic=self.italic or None,
                          underline=self.underline or None, reverse=self.reverse or None,
                          strike=self.strike or None)
            if len(_STYLE_CACHE) < 4096:
                _STYLE_CACHE[key] = style
        return style


def sgr_runs(text: str) -> tuple[str, list[StyleRun]]:
    """`text` as `clean_line` makes it, and the colours its SGR codes ask for as runs over that
    clean text. Every other escape sequence is removed as `clean` does; only colours and text
    attributes are kept, never cursor moves, titles or clipboard writes."""
    if "\x1b" not in text:
        return clean_line(text), []
    out: list[str] = []
    runs: list[StyleRun] = []
    state = SgrState()
    style: Style | None = None
    at = 0  # length of the clean text so far
    last = 0
    for escape in _ANSI.finditer(text):
        chunk = text[last:escape.start()]
        last = escape.end()
        if chunk:
            chunk = clean_line(chunk)  # cleaning is per character: chunks add up to clean_line(text)
            if style is not None:
                if runs and runs[-1][1] == at and runs[-1][2] is style:
                    runs[-1] = (runs[-1][0], at + len(chunk), style)  # codes that changed nothing
                else:
                    runs.append((at, at + len(chunk), style))
            out.append(chunk)
            at += len(chunk)
        sgr = _SGR.fullmatch(escape.group())
        if sgr is not None:
            state.apply(sgr.group(1))
            style = state.style()
    chunk = clean_line(text[last:])
    if chunk:
        if style is not None:
            runs.append((at, at + len(chunk), style))
        out.append(chunk)
    return "".join(out), runs


def styled_display_text(text: str, limit: int = DISPLAY_LIMIT) -> tuple[str, list[StyleRun]]:
    """`display_text` with the colours of `sgr_runs` (runs past the cut are dropped)."""
    if "\x1b" not in text:
        return display_text(text, limit), []
    plain, runs = sgr_runs(text)
    if len(plain) > limit:
        plain = f"{plain[:limit]} … [+{len(plain) - limit:,} characters]"
        runs = [(s, min(e, limit), st) for s, e, st in runs if s < limit]
    return plain, runs
