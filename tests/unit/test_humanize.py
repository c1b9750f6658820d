"""Sizes and ages as the docker CLI prints them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.humanize import age, size


@pytest.mark.parametrize("value, text", [
    (0, "0B"), (999, "999B"), (999.6, "1kB"), (1000, "1kB"), (1500, "1.5kB"), (12_345, "12.3kB"),
    (99_951, "100kB"), (999_499, "999kB"), (999_500, "1MB"), (427_000_000, "427MB"),
    (1_200_000_000, "1.2GB"), (5e15, "5000TB"), (float("nan"), "?"), (float("inf"), "?"), (-1, "?")])
def test_size(value, text):
    assert size(value) == text


SIZE = re.compile(r"(\d+(?:\.\d+)?)(B|kB|MB|GB|TB)")


@given(st.integers(0, 10**18) | st.floats(0, 1e18))
def test_size_shape(value):
    """A number of at most three significant digits (below 1000) and a unit; TB is open-ended."""
    match = SIZE.fullmatch(size(value))
    assert match, size(value)
    number, unit = float(match.group(1)), match.group(2)
    assert number < 1000 or unit == "TB"
    assert unit == "TB" or len(match.group(1).replace(".", "").lstrip("0")) <= 3
    scale = 1000 ** ("B", "kB", "MB", "GB", "TB").index(unit)
    assert abs(number * scale - value) <= max(0.5, 0.01 * value)  # within rounding


@given(st.integers(0, 10**15), st.integers(0, 10**15))
def test_size_is_monotonic(a, b):
    def back(text):
        number, unit = SIZE.fullmatch(text).groups()
        return float(number) * 1000 ** ("B", "kB", "MB", "GB", "TB").index(unit)
    if a <= b:
        assert back(size(a)) <= back(size(b))


NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("delta, text", [
    (timedelta(0), "0s"), (timedelta(seconds=59), "59s"), (timedelta(minutes=1), "1m"),
    (timedelta(hours=2, minutes=59), "2h"), (timedelta(days=400), "400d"), (timedelta(seconds=-30), "0s")])
def test_age(delta, text):
    assert age(NOW - delta, NOW) == text


def test_age_edge_cases():
    assert age(None) == ""
    assert age(NOW.replace(tzinfo=None) - timedelta(hours=1), NOW) == "1h"  # no zone: UTC
    assert age(NOW.astimezone(timezone(timedelta(hours=5))) - timedelta(minutes=3), NOW) == "3m"
    assert re.fullmatch(r"\d+[dhms]", age(datetime(2020, 1, 1, tzinfo=UTC)))  # against the clock


@given(st.datetimes(timezones=st.just(UTC)) | st.datetimes(), st.datetimes(timezones=st.just(UTC)))
def test_age_shape(when, now):
    text = age(when, now)
    assert re.fullmatch(r"\d+[dhms]", text)
    seconds = max(0, (now - when.replace(tzinfo=when.tzinfo or UTC)).total_seconds())
    value, unit = int(text[:-1]), text[-1]
    span = {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
    assert value * span <= seconds < (value + 1) * span
