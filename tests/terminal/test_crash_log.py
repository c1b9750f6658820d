"""A bug in a real jtui process (a key action that raises, injected before the app starts): the
screen says where the log file is, the log has the traceback, and jtui carries on."""

from __future__ import annotations

import time

BROKEN_KEY = """
from tui.ui.containers import ContainerTable

calls = []
original = ContainerTable.action_toggle_all


def action_toggle_all(self):
    calls.append(1)
    if len(calls) == 1:
        raise RuntimeError("injected failure in a key action")
    original(self)


ContainerTable.action_toggle_all = action_toggle_all
from tui.cli import main

main()
"""


def test_a_failing_key_action_points_at_the_log_and_jtui_carries_on(jtui):
    term = jtui(script=BROKEN_KEY, wrap="{cmd}; echo jtui-exit=$?; sleep 60")
    term.wait_for("connected")
    term.keys("1")  # the containers pane, where `a` is bound
    time.sleep(0.3)
    term.keys("a")
    screen = term.wait_for("Unexpected error", timeout=10)
    # The notification names the log file (folded over lines in the toast).
    toast = "".join(line.split("▌", 1)[1].split("│")[0].strip() for line in screen.splitlines()
                    if "▌" in line)
    assert "Unexpected error in action_toggle_all" in toast
    assert str(term.log_file) in toast
    log = term.log_text()
    assert "Traceback (most recent call last)" in log
    assert "RuntimeError: injected failure in a key action" in log
    # Still running, still answering: the same key works now, on the same pane.
    assert term.running()
    term.keys("a")
    term.wait_for("Showing", timeout=10)
    assert "Traceback" not in term.screen()
    term.keys("q")
    assert term.wait_gone(5) is not None
    assert "jtui-exit=0" in term.wait_for("jtui-exit=", timeout=5)
