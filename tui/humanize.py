"""Short human texts for sizes and ages, as the docker CLI prints them."""

from __future__ import annotations

import math
from datetime import UTC, datetime

_UNITS = ("B", "kB", "MB", "GB", "TB")


def size(num_bytes: int | float) -> str:
    """Decimal units with three significant digits at most: 512B, 1.5kB, 42.1MB, 427MB, 1.2GB."""
    value = float(num_bytes)
    if not math.isfinite(value) or value < 0:
        return "?"
    for unit in _UNITS:
        # Round first: 999.7kB must read 1MB, not 1000kB.
        text = f"{value:.0f}" if unit == "B" or value >= 100 else f"{value:.3g}"
        if float(text) < 1000 or unit == _UNITS[-1]:
            return f"{text}{unit}"
        value /= 1000
    raise AssertionError("unreachable")  # the last unit always returns


def age(when: datetime | None, now: datetime | None = None) -> str:
    """4d, 3h, 12m, 40s: the largest unit only. Times without a zone are read as UTC."""
    if when is None:
        return ""
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    seconds = max(0, int((now - when).total_seconds()))
    for unit, span in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= span:
            return f"{seconds // span}{unit}"
    return f"{seconds}s"


def age_changes_in(when: datetime, now: datetime, slack: float = 0.0) -> float:
    """Seconds until `age(when)` reads differently (its largest unit ticks over): a clock that
    redraws ages sleeps that long instead of waking to find them unchanged. Ages in minutes and
    up may be `slack` seconds late: rows made a few seconds apart then tick over in one redraw,
    not in one each."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    seconds = max(0.0, (now - when).total_seconds())
    for span in (86400, 3600, 60):
        if seconds >= span:
            return (seconds // span + 1) * span - seconds + slack
    return (seconds // 1 + 1) - seconds
