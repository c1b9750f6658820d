"""A real terminal (tmux) running the real jtui command, and a real X display for the clipboard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"{tool} is missing: tests/rig/setup.sh installs it")
    return path


@pytest.fixture(scope="session")
def xdisplay():
    """Xvfb on a free display number, so pyperclip has a real X clipboard (via xclip)."""
    _need("Xvfb")
    _need("xclip")
    for num in range(90, 110):
        if not Path(f"/tmp/.X11-unix/X{num}").exists() and not Path(f"/tmp/.X{num}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{num}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{num}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f":{num}"
    proc.terminate()
    proc.wait(5)


class Terminal:
    """jtui in a tmux session: type keys, read the screen."""

    def __init__(self, name: str, socket: str) -> None:
        self.name = name
        self.socket = socket

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=False).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"'{text}' never appeared; screen:\n{self.screen()}")

    def select_by_filter(self, name: str) -> None:
        """Filter the containers pane down to `name` (which selects it), like a person would:
        type, press Enter, and look at the result before the next key."""
        self.keys("/")
        self.keys(*name)
        self.keys("Enter")
        self.wait_for(f"filter '{name}'")
        time.sleep(0.3)

    def alive(self) -> bool:
        return self.name in self.tmux("list-sessions", "-F", "#{session_name}")


@pytest.fixture
def terminal(tmp_path, xdisplay):
    _need("tmux")
    socket = f"jtui-test-{os.getpid()}"
    name = "jtui"
    env = {"DISPLAY": xdisplay, "JTUI_STATE_DIR": str(tmp_path / "state"),
           "JTUI_CONFIG": str(tmp_path / "config.toml"), "TERM": "xterm-256color"}
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    # The test process may carry COLUMNS/LINES (80x24) from pytest's own terminal handling; the
    # app would take them over the real size of its tmux window.
    clean_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    conf = tmp_path / "tmux.conf"
    # Applications may set the clipboard (OSC 52 -> paste buffer); with no client attached the
    # window keeps this size instead of shrinking to 80x24.
    conf.write_text("set -g set-clipboard on\nset -g default-size 200x50\n")
    subprocess.run(["tmux", "-L", socket, "-f", str(conf), "new-session", "-d", "-s", name,
                    "-x", "200", "-y", "50", *env_args, "-c", str(ROOT),
                    f"{sys.executable} -m tui; sleep 30"], check=True, env=clean_env)
    term = Terminal(name, socket)
    yield term
    subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
