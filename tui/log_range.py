"""Which part of a container's log the logs pane reads: its last N lines, what came since a time
(10m, 2h, a timestamp), or all of it, as the user types it in the pane's `T` form."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime

_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
HELP = "300 (last lines), 10m / 2h / 1d (since), 2026-11-28 14:30 (since, local time), all"


class BadLogRange(ValueError):
    """What the user typed is none of the forms `HELP` lists."""

    def __init__(self, text: str) -> None:
        super().__init__(f"'{text}' is not a number of lines, a time ago (10m, 2h) or a time "
                         "(2026-11-28 14:30); 'all' reads the whole log")


@dataclass(frozen=True)
class LogRange:
    """`tail` last lines (None: no limit) of what was logged from `since` (unix seconds, None:
    from the start); `text` is how the user wrote it, for the pane's title."""

    text: str
    tail: int | None = None
    since: float | None = None

    def engine_since(self) -> str | None:
        """`since` as the engine's API takes it: unix seconds with nine decimals."""
        return None if self.since is None else f"{self.since:.9f}"

    def describe(self) -> str:
        if self.since is not None:
            return f"since {self.text}"
        return "whole log" if self.tail is None else f"last {self.tail} lines"


def parse_log_range(text: str, now: float | None = None) -> LogRange:
    """The user's words as a LogRange; raises BadLogRange. A time without a zone is local time,
    as `docker logs --since` takes it."""
    words = text.strip()
    now = time.time() if now is None else now
    if words.lower() in ("all", "*"):
        return LogRange("all")
    if words.isdigit():
        return LogRange(words, tail=int(words))
    if m := _AGO.match(words.lower()):
        return LogRange(words, since=now - float(m.group(1)) * _UNIT_SECONDS[m.group(2)])
    try:
        when = datetime.fromisoformat(words.replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        raise BadLogRange(words) from None
    return LogRange(words, since=when.timestamp())  # naive: local time, as docker's CLI
