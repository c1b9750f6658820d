"""Issue 12, logs: `y` copies the log line the search moved to, and `Y` the lines on screen, into
the X clipboard (pyperclip, xclip) and into the terminal's own clipboard (OSC 52: tmux's paste
buffer), as plain text: the colour codes the container printed are not in it."""

from __future__ import annotations

import subprocess
import time

SCRIPT = (r"i=0; while [ $i -lt 30 ]; do echo log line $i; i=$((i+1)); done; "
          r"printf '\033[31mcopy me\033[0m: the \033[1mneedle\033[0m line\n'; "
          r"i=0; while [ $i -lt 5 ]; do echo tail line $i; i=$((i+1)); done; sleep 3600")


def x_clipboard(xdisplay: str) -> str:
    return subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True,
                          env={"DISPLAY": xdisplay}, timeout=5).stdout


def test_y_copies_the_log_line_through_osc52_and_the_x_clipboard(terminal, xdisplay, engine, spec_factory):
    details = engine.create_and_start(spec_factory(command=["sh", "-c", SCRIPT]))
    terminal.wait_for("connected")
    terminal.select_by_filter(details.name)
    terminal.wait_for("tail line 4")
    terminal.tmux("set-buffer", "before")
    terminal.keys("3")
    time.sleep(0.3)
    terminal.keys("/")
    time.sleep(0.3)
    terminal.type("needle")
    terminal.wait_for("search 'needle': 1 match")
    terminal.keys("Enter")
    terminal.wait_for("1/1 match")
    terminal.keys("y")
    terminal.wait_for("Copied the log line", timeout=10)
    assert terminal.tmux("show-buffer") == "copy me: the needle line"
    assert x_clipboard(xdisplay) == "copy me: the needle line"
    # Y: every line on screen, as shown, one per line.
    terminal.keys("Y")
    terminal.wait_for("log lines on screen", timeout=10)
    block = terminal.tmux("show-buffer")
    lines = block.splitlines()
    assert "copy me: the needle line" in lines and "tail line 4" in lines
    assert lines == [line for line in lines if line.startswith(("log line", "tail line", "copy me"))]
    assert "\x1b" not in block
    assert x_clipboard(xdisplay) == block
    terminal.keys("q")
