"""Finding text in log lines: a search the user typed (plain or regular expression) as a compiled
pattern, and where it matches in one line. Plain Python: the logs pane draws the matches."""

from __future__ import annotations

import re
from dataclasses import dataclass


class BadPattern(ValueError):
    """The regular expression the user typed does not compile; `reason` in Python's words."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"Not a valid regular expression '{pattern}': {reason}")
        self.pattern = pattern
        self.reason = reason


@dataclass(frozen=True)
class LogQuery:
    """What the user searches for. Case is ignored unless the text has a capital letter (the
    "smart case" of vim and less: typing `Error` means exactly that)."""

    text: str
    regex: bool = False

    def compile(self) -> re.Pattern[str] | None:
        """The pattern, None for an empty search; raises BadPattern."""
        if not self.text:
            return None
        flags = 0 if any(c.isupper() for c in self.text) else re.IGNORECASE
        source = self.text if self.regex else re.escape(self.text)
        try:
            return re.compile(source, flags)
        except re.error as exc:
            raise BadPattern(self.text, str(exc)) from None


def match_spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Where `pattern` matches in `text`, as [start, end) spans; empty matches (a regex such as
    `x*`) are left out: nothing to highlight."""
    return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]


def matches(pattern: re.Pattern[str], text: str) -> bool:
    """True when `text` has at least one non-empty match."""
    for m in pattern.finditer(text):
        if m.end() > m.start():
            return True
    return False
