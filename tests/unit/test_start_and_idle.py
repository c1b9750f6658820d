"""Start-up and idle (issue 14): the watcher started before the UI says what it heard, in order,
once the app is there; ages are redrawn when they read differently, not on a clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from tui import humanize
from tui.engine.watcher import Changes, HeldListener


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def connected(self, engine) -> None:
        self.calls.append(("connected", (engine,)))

    def unreachable(self, error, retry_in, attempt) -> None:
        self.calls.append(("unreachable", (error, retry_in, attempt)))

    def lost(self, error) -> None:
        self.calls.append(("lost", (error,)))

    def changes(self, changes) -> None:
        self.calls.append(("changes", (changes,)))

    def stalled(self, since) -> None:
        self.calls.append(("stalled", (since,)))

    def answering(self) -> None:
        self.calls.append(("answering", ()))


def test_held_calls_are_replayed_in_order_then_pass_through():
    held = HeldListener()
    first, second = Changes.full([], []), Changes.full([], [])
    held.unreachable("no engine", 0.5, 1)
    held.connected("engine")
    held.changes(first)
    target = Recorder()
    held.attach(target)
    assert [name for name, _ in target.calls] == ["unreachable", "connected", "changes"]
    assert target.calls[2][1][0] is first
    held.changes(second)
    held.stalled(12.0)
    held.answering()
    assert [name for name, _ in target.calls][3:] == ["changes", "stalled", "answering"]
    assert target.calls[3][1][0] is second


def test_nothing_overtakes_the_replay():
    """Calls from the watcher's thread while the app attaches land after the held ones."""
    held = HeldListener()
    for i in range(200):
        held.stalled(float(i))
    target = Recorder()
    done = threading.Event()

    def watcher() -> None:
        for i in range(200, 400):
            held.stalled(float(i))
        done.set()

    thread = threading.Thread(target=watcher)
    thread.start()
    held.attach(target)
    done.wait(10)
    thread.join()
    assert [args[0] for _, args in target.calls] == [float(i) for i in range(400)]


def test_age_changes_when_its_largest_unit_ticks_over():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    for age, changes_in in ((timedelta(seconds=5.25), 0.75), (timedelta(seconds=59), 1.0),
                            (timedelta(minutes=5, seconds=10), 50.0),
                            (timedelta(hours=3, minutes=59), 60.0),
                            (timedelta(days=2, hours=23), 3600.0)):
        assert humanize.age_changes_in(now - age, now) == changes_in, age
        before = humanize.age(now - age, now)
        later = now + timedelta(seconds=changes_in)
        assert humanize.age(now - age, later) != before
        assert humanize.age(now - age, later - timedelta(seconds=0.01)) == before
    # Minutes and up may be late by the slack (rows made seconds apart tick over together);
    # seconds never are.
    assert humanize.age_changes_in(now - timedelta(minutes=5, seconds=10), now, 10.0) == 60.0
    assert humanize.age_changes_in(now - timedelta(seconds=5.25), now, 10.0) == 0.75
    # A time in the future (clock skew) reads "0s" and moves on within a second.
    assert humanize.age_changes_in(now + timedelta(seconds=3), now) == 1.0


def test_a_small_container_wandering_by_a_few_kib_is_quiet():
    """An idle busybox reads 316 KiB, then 324 KiB (2.5 %): with a 1 % bound alone, 45 such rows
    on screen were read every round, and jtui woke 13 times a second (issue 14)."""
    from tui.engine.stats import Usage
    from tui.ui.resource_watch import QUIET_MEMORY, is_quiet

    def usage(cpu: float | None, kib: int | None) -> Usage:
        return Usage(cpu_percent=cpu, memory_used=None if kib is None else kib * 1024,
                     memory_limit=None)

    assert is_quiet(usage(0.0, 316), usage(0.0, 324))
    assert is_quiet(usage(0.1, 500 * 1024), usage(0.2, 504 * 1024))  # 0.8 % of 500 MiB
    assert not is_quiet(usage(0.0, 500 * 1024), usage(0.0, 520 * 1024))  # a notebook growing
    assert not is_quiet(usage(0.0, 316), usage(0.0, 316 + 2 * QUIET_MEMORY // 1024))
    assert not is_quiet(usage(0.0, 316), usage(5.0, 316))  # busy
    assert not is_quiet(None, usage(0.0, 316))  # a first reading: nothing to compare with
    assert not is_quiet(usage(0.0, 316), usage(None, 316))  # CPU % needs two readings
