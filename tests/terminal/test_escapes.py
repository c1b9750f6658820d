"""Escape sequences a container prints never reach the user's terminal (issue 9, item 1): an OSC 52
clipboard write, a title change and a screen clear, printed by a command run with `x`, by a
container whose logs are followed, and by a build's RUN step, leave tmux's paste buffer, the
pane title and jtui's screen as they were."""

from __future__ import annotations

import base64
import subprocess
import time

import pytest

from tests.rig import BUSYBOX, TEST_LABEL, unique


def _osc52(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# sh -c '…' for the container: printf turns \033 and \007 into ESC and BEL. Clipboard writes ended
# both ways (BEL and ESC \), a title change, a full clear, then a line to wait for, computed so
# that it appears only once the command ran (the command itself is shown too).
HOSTILE = ('printf "\\033]52;c;{bel}\\007"; printf "\\033]52;c;{st}\\033\\\\\\\\"; '
           'printf "\\033]2;pwned-title\\033\\\\\\\\"; printf "\\033[2J"; echo {done}-$((6*7))')


def hostile(done: str) -> str:
    return HOSTILE.format(bel=_osc52("hacked1"), st=_osc52("hacked2"), done=done)


@pytest.fixture
def guarded(jtui):
    """jtui in tmux with a known paste buffer, and a check that nothing changed."""

    def start() -> object:
        term = jtui()
        term.wait_for("connected")
        term.tmux("set-buffer", "clipboard-before")
        title = term.tmux("display", "-p", "-t", term.name, "#{pane_title}").strip()
        assert "pwned" not in title

        def unchanged(marker: str) -> None:
            screen = term.wait_for(marker, timeout=60)
            time.sleep(0.5)  # anything the terminal was sent has been handled
            assert term.tmux("show-buffer").strip() == "clipboard-before"
            assert term.tmux("display", "-p", "-t", term.name, "#{pane_title}").strip() == title
            screen = term.screen()
            assert "jtui" in screen.splitlines()[0]  # the header is still drawn: no clear
            assert marker in screen

        term.unchanged = unchanged  # type: ignore[attr-defined]
        return term

    return start


def test_the_rig_terminal_obeys_these_sequences(tmp_path):
    """The same bytes written straight to a tmux pane do replace the buffer and the title: what the
    tests below check is real."""
    socket = f"jtui-escapes-{unique()}"
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g set-clipboard on\n")
    try:
        subprocess.run(["tmux", "-L", socket, "-f", str(conf), "new-session", "-d", "-s", "raw",
                        "-x", "100", "-y", "20", f"sh -c '{hostile('raw-done')}; sleep 30'"], check=True)
        deadline = time.monotonic() + 10
        buffer = title = ""
        while time.monotonic() < deadline:
            buffer = subprocess.run(["tmux", "-L", socket, "show-buffer"], capture_output=True,
                                    text=True).stdout
            title = subprocess.run(["tmux", "-L", socket, "display", "-p", "-t", "raw", "#{pane_title}"],
                                   capture_output=True, text=True).stdout
            if "hacked2" in buffer and "pwned" in title:
                break
            time.sleep(0.1)
        assert "hacked2" in buffer and "pwned-title" in title
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)


def test_a_command_run_with_x(guarded, busybox):
    term = guarded()
    term.select_by_filter(busybox.name)
    term.keys("x")
    term.wait_for("Run a command")
    time.sleep(0.3)
    term.type(f"sh -c '{hostile('x-done')}'")
    term.keys("Enter")
    term.unchanged("x-done-42")


def test_a_containers_logs(guarded, engine, spec_factory):
    chatty = engine.create_and_start(spec_factory(command=["sh", "-c", f"{hostile('logs-done')}; sleep 100000"]))
    term = guarded()
    term.select_by_filter(chatty.name)
    term.unchanged("logs-done-42")


def test_a_builds_output(guarded, engine):
    tag = f"{unique('jtui-test-escapes')}:latest"
    term = guarded()
    term.keys("2")  # the images pane
    time.sleep(0.5)
    term.keys("b")
    term.wait_for("Build a custom image")
    time.sleep(0.3)
    # One key at a time, looking at the result: focus moves and edits are applied after the key.
    for key in ("BTab", "BTab"):  # from the packages field up to the base image
        term.keys(key)
        time.sleep(0.3)
    term.fill(BUSYBOX)
    term.wait_for(f"from {BUSYBOX}")  # the Dockerfile preview
    term.keys("Tab")
    time.sleep(0.3)
    term.fill(tag)
    term.wait_for(tag)
    for _ in range(6):  # pip, conda, apt, files, save in: then the extra lines
        term.keys("Tab")
        time.sleep(0.3)
    term.type(f"LABEL {TEST_LABEL}=1")
    term.keys("Enter")
    term.type(f"RUN {hostile('build-done')}")
    term.wait_for("build-done-$((6*7))")  # in the Dockerfile preview
    time.sleep(0.3)
    term.keys("C-b")
    try:
        term.unchanged("build-done-42")
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)

