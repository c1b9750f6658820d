"""The kernels client's parsing, words and errors without an engine (the real JupyterLab is in
tests/app/test_kernels.py): API answers as jupyter_server 2.21 gives them, `ps` listings as the
engine's `top` gives them, and failures mapped to typed errors in the user's words."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.jupyter.kernels import (
    BusyTracker,
    JupyterApiError,
    JupyterGone,
    Kernel,
    KernelClient,
    KernelGone,
    KernelRow,
    TokenRefused,
    activity_text,
    busy_text,
    kernel_memory_from_ps,
    likely_oom_victim,
    parse_ps_output,
    parse_time,
)
from tui.jupyter.server import JupyterServer
from tui.present import describe_failure
from tui.ui.kernels_screen import bigger_memory

KID = "f3137120-6cb7-4d6f-b0c5-876b3117ffb4"
NOW = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)

# As the engine's `top` with ps_args "-o pid,rss,args" answered for the test stack (seen).
TOP = (["PID", "RSS", "COMMAND"],
       [["31630", "1284", "tini -g -- start-notebook.sh"],
        ["31707", "86012", "/opt/conda/bin/python3 /opt/conda/bin/jupyter-lab --ServerApp.ip=0.0.0.0"],
        ["32309", "51744", "/opt/conda/bin/python3 -m ipykernel_launcher -f "
         f"/home/jovyan/.local/share/jupyter/runtime/kernel-{KID}.json"]])


def kernel(state: str = "idle", kid: str = KID, minutes_ago: int = 3) -> Kernel:
    return Kernel(kid, "python3", state, NOW - timedelta(minutes=minutes_ago), 1)


def test_kernel_from_api():
    k = Kernel.from_api({"id": KID, "name": "python3", "last_activity": "2026-11-28T01:17:30.068219Z",
                         "execution_state": "busy", "connections": 2})
    assert k == Kernel(KID, "python3", "busy", datetime(2026, 11, 28, 1, 17, 30, 68219, tzinfo=UTC), 2)
    assert Kernel.from_api(None) == Kernel("", "?", "unknown", None, 0)
    assert Kernel.from_api({"connections": "x", "last_activity": "yesterday"}).connections == 0


@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.text())))
def test_parse_time_any_value(value):
    parsed = parse_time(value)
    assert parsed is None or parsed.tzinfo is not None


def test_memory_from_top():
    assert kernel_memory_from_ps(*TOP) == {KID: 51744 * 1024}
    assert kernel_memory_from_ps(["PID", "COMMAND"], TOP[1]) == {}  # no RSS column: nothing


def test_memory_from_ps_inside():
    out = ("    PID   RSS COMMAND\n      1  1284 tini -g -- start-notebook.sh\n"
           f"     42 51744 python -m ipykernel_launcher -f /tmp/kernel-{KID}.json\n"
           "     43  2000 R --slave -e IRkernel::main() --args /r/kernel-0a1b2c3d-1111.json\n")
    assert kernel_memory_from_ps(*parse_ps_output(out)) == {KID: 51744 * 1024,
                                                           "0a1b2c3d-1111": 2000 * 1024}
    assert parse_ps_output("") == ([], [])


def test_busy_tracker_keeps_when_the_cell_started():
    tracker = BusyTracker()
    started = NOW - timedelta(minutes=2)
    busy = Kernel(KID, "python3", "busy", started, 1)
    assert tracker.update([busy], NOW) == {KID: started}
    # The cell prints: last_activity moves, the start does not.
    later = Kernel(KID, "python3", "busy", NOW, 1)
    assert tracker.update([later], NOW + timedelta(seconds=5)) == {KID: started}
    assert tracker.update([kernel("idle")], NOW) == {}
    assert tracker.update([later], NOW) == {KID: NOW}  # a new cell


def test_words():
    busy = KernelRow(kernel("busy"), "work/Analysis.ipynb", busy_since=NOW - timedelta(minutes=2))
    idle = KernelRow(kernel("idle", "k2", minutes_ago=40), "work/Other.ipynb")
    bare = KernelRow(kernel("busy", "k3"), "")
    assert activity_text(busy, NOW) == "busy for 2m"
    assert activity_text(idle, NOW) == "idle for 40m"
    assert activity_text(KernelRow(kernel("starting")), NOW) == "starting"
    assert busy_text("lab-1", [busy, idle, bare], NOW) == [
        "lab-1: work/Analysis.ipynb is running, busy for 2m",
        "lab-1: a kernel with no notebook (python3) is running, busy for 3m"]


def test_likely_oom_victim():
    rows = [KernelRow(kernel(kid="a"), "a.ipynb", rss=100), KernelRow(kernel(kid="b"), "b.ipynb", rss=900),
            KernelRow(kernel(kid="c"), "c.ipynb")]
    assert likely_oom_victim({}, rows).notebook == "b.ipynb"
    assert likely_oom_victim({"c": 5000}, rows).notebook == "c.ipynb"
    assert likely_oom_victim({}, [KernelRow(kernel())]) is None


@pytest.mark.parametrize("current, limit, bigger", [
    ("", 512 * 2**20, "1g"), ("", 2 * 2**30, "4g"), ("", 256 * 2**20, "512m"), ("2g", 0, "4g"),
    ("512m", 0, "1g"), ("", 0, "4g"), ("junk", 0, "4g")])
def test_bigger_memory(current, limit, bigger):
    assert bigger_memory(current, limit) == bigger


# --- errors, against a stand-in that answers like jupyter_server --------------------------------
class FakeApi(BaseHTTPRequestHandler):
    code = 200
    body = b"[]"

    def _answer(self) -> None:
        self.send_response(self.code)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_api() -> Iterator[tuple[type[FakeApi], JupyterServer]]:
    handler = type("Handler", (FakeApi,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield handler, JupyterServer("127.0.0.1", httpd.server_address[1], "t" * 48)
    httpd.shutdown()
    httpd.server_close()


def test_errors_in_the_users_words(fake_api):
    handler, server = fake_api
    client = KernelClient(server, timeout=2)
    assert client.overview() == []
    handler.code, handler.body = 403, b"{}"
    with pytest.raises(TokenRefused) as refused:
        client.kernels()
    assert "refused the token" in describe_failure(refused.value).summary
    handler.code = 404
    with pytest.raises(KernelGone, match="the kernel is gone"):
        client.interrupt(KID)
    handler.code = 500
    with pytest.raises(JupyterApiError, match="answered 500"):
        client.shutdown(KID)
    handler.code, handler.body = 200, b"<html>"
    with pytest.raises(JupyterApiError, match="not JSON"):
        client.sessions()


def test_server_gone():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(JupyterGone) as gone:
        KernelClient(JupyterServer("127.0.0.1", port, "t")).kernels()
    failure = describe_failure(gone.value)
    assert "does not answer" in failure.summary and "stopped" in failure.hint
