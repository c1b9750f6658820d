"""A real terminal (tmux) running the real jtui command, and a real X display for the clipboard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The rig's engine socket (DOCKER_HOST may point the tests at another local engine).
ENGINE_SOCKET = os.environ.get("DOCKER_HOST", "").removeprefix("unix://") or "/var/run/docker.sock"


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

    def type(self, text: str) -> None:
        """Type `text` literally (tmux would read a lone ';' argument as a command separator)."""
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def fill(self, text: str) -> None:
        """Replace what the focused text field holds with `text`."""
        self.keys("C-a")
        time.sleep(0.2)
        self.keys("C-k")
        time.sleep(0.2)
        self.type(text)
        time.sleep(0.2)

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


class Jtui(Terminal):
    """One jtui process in its own tmux server, known by its pid: quit it, lose its terminal,
    read its log file and its /proc entries."""

    def __init__(self, name: str, socket: str, pid: int, log_file: Path) -> None:
        super().__init__(name, socket)
        self.pid = pid
        self.log_file = log_file

    def running(self) -> bool:
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has finished

    def wait_gone(self, timeout: float) -> float | None:
        """Seconds until the process ended (polled every 5 ms), or None if it still runs."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if not self.running():
                return time.monotonic() - start
            time.sleep(0.005)
        return None

    def quit_time(self, *keys: str, timeout: float = 60.0) -> float | None:
        """Seconds from typing `keys` (default q) to the process being gone."""
        self.keys(*(keys or ("q",)))
        return self.wait_gone(timeout)

    def log_text(self) -> str:
        return self.log_file.read_text() if self.log_file.exists() else ""

    def status(self) -> dict[str, str]:
        """/proc/PID/status as a dict (VmRSS, Threads, ...)."""
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
        return out

    def rss_mb(self) -> float:
        return int(self.status()["VmRSS"].split()[0]) / 1024

    def threads(self) -> int:
        return int(self.status()["Threads"])

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def fd_targets(self) -> list[str]:
        """What each open file descriptor is (for a message when their number grew)."""
        targets = []
        for fd in sorted(os.listdir(f"/proc/{self.pid}/fd"), key=int):
            try:
                targets.append(f"{fd}->{os.readlink(f'/proc/{self.pid}/fd/{fd}')}")
            except OSError:
                pass
        return targets

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                kids.append(int(entry.name))
    return kids


def _find_jtui(pane_pid: int, timeout: float = 10.0) -> int:
    """The jtui process: the pane's own process (exec), or a descendant (a shell, su...)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        todo = [pane_pid]
        while todo:
            pid = todo.pop()
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if Path(argv[0].decode()).name.startswith("python"):
                return pid
            todo.extend(_children(pid))
        time.sleep(0.05)
    raise AssertionError(f"no jtui process under pid {pane_pid}")


@pytest.fixture
def jtui(tmp_path, xdisplay):
    """Start jtui in tmux: `jtui(*args, wrap="...; exec {cmd}", size=(200, 50))`. With `script`,
    the command is that Python code (which ends by running `tui.cli.main()`), e.g. to break a
    handler on purpose in the real process."""
    _need("tmux")
    started: list[Jtui] = []

    def start(*args: str, wrap: str = "exec {cmd}", size: tuple[int, int] = (200, 50),
              env: dict[str, str] | None = None, script: str | None = None) -> Jtui:
        socket = f"jtui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # a server of its own, always new
        name = "jtui"
        log_dir = tmp_path / f"log{len(started)}"
        full_env = {"DISPLAY": xdisplay, "JTUI_STATE_DIR": str(tmp_path / "state"),
                    "JTUI_CONFIG": str(tmp_path / "config.toml"), "JTUI_LOG_DIR": str(log_dir),
                    "TERM": "xterm-256color", **(env or {})}
        env_args = [a for k, v in full_env.items() for a in ("-e", f"{k}={v}")]
        clean_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        conf = tmp_path / "tmux.conf"
        conf.write_text(f"set -g set-clipboard on\nset -g default-size {size[0]}x{size[1]}\n")
        if script is not None:
            path = tmp_path / f"jtui{len(started)}.py"
            path.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n{script}")
            cmd = " ".join([sys.executable, str(path), *(f"'{a}'" for a in args)])
        else:
            cmd = " ".join([sys.executable, "-m", "tui", *(f"'{a}'" for a in args)])
        subprocess.run(["tmux", "-L", socket, "-f", str(conf), "new-session", "-d", "-s", name,
                        "-x", str(size[0]), "-y", str(size[1]), *env_args, "-c", str(ROOT),
                        wrap.format(cmd=cmd)], check=True, env=clean_env)
        term = Jtui(name, socket, 0, log_dir / "jtui.log")
        started.append(term)
        term.pid = _find_jtui(int(term.tmux("display", "-p", "-t", name, "#{pane_pid}").strip()))
        return term

    yield start
    for term in started:
        subprocess.run(["tmux", "-L", term.socket, "kill-server"], check=False)
        if term.running():
            os.kill(term.pid, 9)
