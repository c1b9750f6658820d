"""A terminal that goes away without its SIGHUP reaching jtui (issue 9, item 6): jtui notices
the hung-up terminal and exits within seconds, instead of spinning at 100 % CPU for ever."""

from __future__ import annotations

import time

import pytest

# Three ways a terminal's SIGHUP misses jtui: HUP ignored (nohup, `trap '' HUP`), jtui in a
# session of its own (`setsid`), and `su -c` (which makes a new session for the command).
WAYS = {
    "HUP ignored": "trap '' HUP; exec {cmd}",
    "own session": "exec setsid -w {cmd}",
    "su -c": "exec su root -c 'trap \"\" HUP; exec {cmd}'",
}
EXIT_BOUND = 5.0  # seconds; the watch looks once a second


@pytest.mark.parametrize("way", list(WAYS))
def test_jtui_exits_when_its_terminal_goes_away(jtui, way):
    term = jtui(wrap=WAYS[way])
    term.wait_for("connected")
    assert term.running()
    term.tmux("kill-server")  # the terminal window closes: its pty is hung up
    seconds = term.wait_gone(EXIT_BOUND + 10)
    if seconds is None:
        before = term.cpu_seconds()
        time.sleep(2)
        spin = (term.cpu_seconds() - before) / 2
        pytest.fail(f"jtui still runs {EXIT_BOUND + 10:.0f} s after its terminal went away, "
                    f"using {spin:.0%} of a CPU")
    print(f"\n{way}: jtui gone {seconds:.2f} s after its terminal")
    assert seconds < EXIT_BOUND
    log = term.log_text()
    assert "The terminal went away" in log
    assert "Traceback" not in log
