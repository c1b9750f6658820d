"""Quitting is immediate in every state (issue 9, item 7): q (or Ctrl+C) -> the process is gone
within half a second while jtui connects to a host that drops SYNs, while the engine is frozen,
with streams open and with a job running; and Ctrl+C never prints a traceback.

The bound asserted here (QUIT_BOUND) is generous for a loaded CI machine; each test prints the
time it measured (`pytest -s`), which is the figure to look at.
"""

from __future__ import annotations

import socket
import time

import pytest

from tests.socket_proxy import SocketProxy
from tests.terminal.conftest import ENGINE_SOCKET

QUIT_BOUND = 2.0  # seconds; measured figures are far lower (see the printed lines)
CHATTY = ["sh", "-c", "i=0; while true; do i=$((i+1)); echo chatty line $i; sleep 0.05; done"]


@pytest.fixture
def syn_drop():
    """A TCP port on this machine that drops SYNs, as a host behind a silent firewall does: a
    listener with a backlog of 0 whose one queue place is taken and never accepted."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.socket()
    filler.connect(listener.getsockname())
    probe = socket.socket()
    probe.settimeout(0.5)
    with pytest.raises(TimeoutError):  # the rig really drops SYNs
        probe.connect(listener.getsockname())
    probe.close()
    yield listener.getsockname()[1]
    filler.close()
    listener.close()


@pytest.fixture
def freezing_proxy(tmp_path):
    # Frozen like a SIGSTOPped daemon: connections still accepted, nothing answered until thawed.
    proxy = SocketProxy(str(tmp_path / "engine.sock"), upstream=ENGINE_SOCKET).start()
    yield proxy
    proxy.thaw()
    proxy.stop()


def _report(state: str, seconds: float | None) -> None:
    shown = "still running" if seconds is None else f"{seconds * 1000:.0f} ms"
    print(f"\nquit while {state}: {shown}")


def test_quit_while_connecting_to_a_host_that_drops_syns(jtui, syn_drop):
    term = jtui("--host", f"tcp://127.0.0.1:{syn_drop}")
    term.wait_for("connecting")
    time.sleep(1.5)  # the connect is under way, stuck on the SYN
    seconds = term.quit_time("q", timeout=40)
    _report("connecting (SYN dropped)", seconds)
    assert seconds is not None and seconds < QUIT_BOUND


def test_ctrl_c_quits_without_a_traceback(jtui, syn_drop):
    # The pane lives on after jtui so what it printed on the way out can be read.
    term = jtui("--host", f"tcp://127.0.0.1:{syn_drop}", wrap="{cmd}; echo jtui-exit=$?; sleep 60")
    term.wait_for("connecting")
    time.sleep(1.5)
    seconds = term.quit_time("C-c", timeout=40)
    _report("connecting, by Ctrl+C", seconds)
    assert seconds is not None and seconds < QUIT_BOUND
    screen = term.wait_for("jtui-exit=", timeout=5)
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen
    assert "jtui-exit=0" in screen


def test_ctrl_c_while_the_terminal_is_given_back_prints_no_traceback(jtui, syn_drop):
    """The case from the issue: q, then Ctrl+C while jtui is finishing, then Ctrl+C again."""
    # jtui may be gone before a Ctrl+C (quitting can take under 0.1 s): the shell then gets it,
    # and without the trap and the loop it would end the pane that holds what jtui printed.
    term = jtui("--host", f"tcp://127.0.0.1:{syn_drop}",
                wrap="trap 'echo ctrl-c-after-exit' INT; {cmd}; echo jtui-exit=$?; "
                     "while :; do sleep 60; done")
    term.wait_for("connecting")
    time.sleep(1.5)
    term.keys("q")
    time.sleep(0.1)
    term.keys("C-c")
    time.sleep(0.1)
    term.keys("C-c")
    assert term.wait_gone(40) is not None
    screen = term.wait_for("jtui-exit=", timeout=5)
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen


def test_quit_while_the_engine_is_frozen(jtui, freezing_proxy, engine, spec_factory):
    first = engine.create_and_start(spec_factory(command=CHATTY))
    second = engine.create_and_start(spec_factory())
    term = jtui("--host", freezing_proxy.url)
    term.wait_for("connected")
    term.select_by_filter(first.name)
    term.wait_for("chatty line")
    freezing_proxy.freeze()
    time.sleep(0.5)
    # Calls now hang: the logs of another container, stopping it.
    term.keys("Escape")
    term.select_by_filter(second.name)
    term.keys("s")
    time.sleep(1.0)
    seconds = term.quit_time("q", timeout=60)
    _report("the engine is frozen", seconds)
    assert seconds is not None and seconds < QUIT_BOUND


def test_quit_with_streams_open(jtui, engine, spec_factory):
    chatty = engine.create_and_start(spec_factory(command=CHATTY))
    term = jtui()
    term.wait_for("connected")
    term.select_by_filter(chatty.name)
    term.wait_for("chatty line")
    time.sleep(1.0)
    seconds = term.quit_time("q", timeout=60)
    _report("streams are open (events, a followed log)", seconds)
    assert seconds is not None and seconds < QUIT_BOUND


def test_quit_while_a_log_flood_is_followed(jtui, engine, spec_factory):
    flood = engine.create_and_start(spec_factory(command=["sh", "-c", "seq 1 5000000; sleep 100000"]))
    term = jtui()
    term.wait_for("connected")
    term.select_by_filter(flood.name)
    term.wait_for("000", timeout=20)  # numbered lines pouring in
    time.sleep(1.0)
    seconds = term.quit_time("q", timeout=60)
    _report("a log flood is followed", seconds)
    assert seconds is not None and seconds < QUIT_BOUND


def test_quit_with_a_job_running(jtui, busybox):
    # busybox's `sleep` is PID 1 and ignores SIGTERM: stopping it takes the whole grace period.
    term = jtui()
    term.wait_for("connected")
    term.select_by_filter(busybox.name)
    term.keys("s")
    term.wait_for("Stopping")
    time.sleep(0.5)
    seconds = term.quit_time("q", timeout=60)
    _report("a job runs (stopping a container)", seconds)
    assert seconds is not None and seconds < QUIT_BOUND


def test_ctrl_c_quits_from_a_job_window(jtui, busybox):
    # A dialog hides the app's keys (q is not Quit there); Ctrl+C still quits.
    term = jtui()
    term.wait_for("connected")
    term.select_by_filter(busybox.name)
    term.keys("x")
    term.wait_for("Run a command")
    time.sleep(0.3)  # the form's field takes the focus
    term.type("sh -c 'echo job-started; sleep 1000'")
    term.keys("Enter")
    term.wait_for("job-started")
    time.sleep(0.5)
    seconds = term.quit_time("C-c", timeout=60)
    _report("a command runs in the output window, by Ctrl+C", seconds)
    assert seconds is not None and seconds < QUIT_BOUND
