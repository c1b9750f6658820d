"""An idle jtui leaves the CPU alone (issue 14): no thread of the real process wakes up several
times a second while nothing happens. Textual's own input thread polled 10 times a second; jtui's
driver (tui/ui/quiet_driver.py) sleeps until a key comes, and a lone Escape, which only a timeout
tells from the start of a sequence, still arrives."""

from __future__ import annotations

import time
from pathlib import Path

WINDOW = 5.0
MOST_PER_SECOND = 4  # Textual's input thread alone: 10


def _wakeups(pid: int) -> dict[str, int]:
    """Voluntary context switches (a sleep ended) of each thread of the process."""
    counts = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    counts[task.name] = int(line.split()[1])
        except OSError:  # a worker thread that ended meanwhile
            pass
    return counts


def test_no_thread_wakes_up_while_nothing_happens_and_keys_still_come(jtui):
    term = jtui()
    term.wait_for("connected")
    time.sleep(6)  # the start is over: first lists, first readings, first age redraw
    before = _wakeups(term.pid)
    time.sleep(WINDOW)
    after = _wakeups(term.pid)
    per_second = {tid: (after[tid] - before[tid]) / WINDOW for tid in before if tid in after}
    assert len(per_second) >= 4, per_second  # the threads were seen: main, input, output, engine
    busiest = max(per_second.values())
    print(f"\nwake-ups a second, per thread: {sorted(per_second.values(), reverse=True)}")
    assert busiest < MOST_PER_SECOND, per_second

    # Keys still come at once, and a lone Escape (told apart from a sequence by a timeout) too.
    term.keys("?")
    term.wait_for("jtui keys", timeout=5)
    term.keys("Escape")
    deadline = time.monotonic() + 3
    while "jtui keys" in term.screen() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "jtui keys" not in term.screen(), "Escape did not close the help"
    assert term.quit_time() is not None
