"""The details screen in a real terminal: `y` copies the field under the cursor through OSC 52
(into tmux's buffer) and to the X clipboard; a masked field copies its mask."""

import subprocess
import time

from tui.engine.inventory import MASK


def clipboard(xdisplay: str) -> str:
    return subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True,
                          env={"DISPLAY": xdisplay}, timeout=5).stdout


def test_y_copies_the_field_under_the_cursor(terminal, xdisplay, engine, spec_factory):
    c = engine.create_and_start(spec_factory(environment={"API_TOKEN": "tok-s3cr3t"},
                                             labels={"zz.example": "copied value 42"}))
    terminal.wait_for("connected")
    terminal.select_by_filter(c.name)
    terminal.wait_for(f"{c.name} ")
    terminal.keys("i")
    terminal.wait_for("zz.example")
    terminal.keys("G")  # the last row: the last label
    terminal.wait_for("zz.example: copied value 42")
    terminal.keys("y")
    terminal.wait_for("Copied the zz.example field", timeout=10)
    assert terminal.tmux("show-buffer") == "copied value 42"
    assert clipboard(xdisplay) == "copied value 42"

    for _ in range(8):  # up to the environment
        if f"API_TOKEN: {MASK}" in terminal.screen():
            break
        terminal.keys("k")
        time.sleep(0.2)
    terminal.wait_for(f"API_TOKEN: {MASK}")
    terminal.keys("y")
    terminal.wait_for("Copied the API_TOKEN field (masked)", timeout=10)
    assert terminal.tmux("show-buffer") == MASK
    assert clipboard(xdisplay) == MASK
    assert "tok-s3cr3t" not in terminal.screen()
    terminal.keys("Escape")
    terminal.keys("q")
