"""What only a real terminal, a real clipboard and a real browser show."""

import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest

from tests.conftest import free_port
from tests.rig import STACK
from tui.jupyter.server import wait_ready


@pytest.fixture
def outside_jupyter(engine, spec_factory):
    """A Jupyter container started without jtui, with a token jtui does not know."""
    port = free_port()
    details = engine.create_and_start(spec_factory(image=STACK, ports={"8888/tcp": ("127.0.0.1", port)}))
    return details, port


def test_url_of_outside_container_copied_via_osc52_and_x_clipboard(terminal, xdisplay, outside_jupyter):
    details, port = outside_jupyter
    terminal.wait_for("connected")
    # Filtered to it, as a person would among many containers (earlier tests leave some).
    terminal.select_by_filter(details.name)
    terminal.wait_for(f"{details.name} ")
    # The URL is read from the server inside the container and mapped to the published port.
    terminal.wait_for(f"http://127.0.0.1:{port}/lab?token=", timeout=40)
    terminal.keys("u")
    terminal.wait_for("Copied the Jupyter URL", timeout=10)
    osc52 = terminal.tmux("show-buffer").strip()
    assert osc52.startswith(f"http://127.0.0.1:{port}/lab?token=")
    token = osc52.split("token=")[1]
    assert len(token) == 48
    x = subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True,
                       env={"DISPLAY": xdisplay}, timeout=5).stdout.strip()
    assert x == osc52
    # And it is the real token: the server accepts it.
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
    terminal.keys("q")


def test_url_opens_the_jupyterlab_launcher_in_a_real_browser(engine, outside_jupyter):
    from tui.jupyter.launcher import discover
    details, port = outside_jupyter
    deadline = time.monotonic() + 60
    server = None
    while server is None and time.monotonic() < deadline:  # Jupyter needs a few seconds to start
        server = discover(engine, details.id)
        time.sleep(0.5)
    assert server is not None and server.port == port
    wait_ready(server, still_running=lambda: True, timeout=60)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is missing: tests/rig/setup.sh installs it")
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,800",
             "--virtual-time-budget=20000", "--dump-dom", server.url],
            capture_output=True, text=True, timeout=120)
    dom = out.stdout
    assert "jp-LabShell" in dom, out.stderr[-2000:]
    assert "jp-Launcher" in dom  # the Notebook / Console / Terminal tiles


def test_shell_free_environment_says_no_browser(monkeypatch):
    from tui.ui.clipboard import open_in_browser
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("BROWSER", raising=False)
    assert "no graphical browser" in open_in_browser("http://127.0.0.1:1/")
