"""Token, URL, readiness and discovery parsing of a Jupyter server. Readiness is tested against a
small local HTTP server that answers like jupyter_server (no engine needed)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.jupyter.server import (
    JupyterServer,
    NotOurServer,
    ServerNotReady,
    new_token,
    probe,
    servers_from_list_json,
    token_from_logs,
    url_host,
    wait_ready,
)

TOKEN = "ab" * 24


def test_new_token():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(re.fullmatch(r"[0-9a-f]{48}", t) for t in tokens)


@pytest.mark.parametrize("server, url", [
    (JupyterServer("127.0.0.1", 9000, "t"), "http://127.0.0.1:9000/lab?token=t"),
    (JupyterServer("127.0.0.1", 9000, "t", "notebook"), "http://127.0.0.1:9000/tree?token=t"),
    (JupyterServer("127.0.0.1", 9000, "t", "server"), "http://127.0.0.1:9000/?token=t"),
    (JupyterServer("127.0.0.1", 9000, ""), "http://127.0.0.1:9000/lab"),
    (JupyterServer("::1", 9000, "t", base_url="/jh/user/"), "http://[::1]:9000/jh/user/lab?token=t")])
def test_server_url(server, url):
    assert server.url == url


@pytest.mark.parametrize("endpoint, bind, host", [
    ("unix:///var/run/docker.sock", "127.0.0.1", "127.0.0.1"),
    ("unix:///var/run/docker.sock", "0.0.0.0", "127.0.0.1"),
    ("unix:///var/run/docker.sock", "", "127.0.0.1"),
    ("tcp://10.0.0.5:2376", "0.0.0.0", "10.0.0.5"),
    ("ssh://me@build-box", "::", "build-box"),
    ("tcp://10.0.0.5:2376", "192.168.1.4", "192.168.1.4"),
    ("tcp://127.0.0.1:2375", "0.0.0.0", "127.0.0.1"),
    ("tcp://localhost:2375", "", "127.0.0.1"),
    ("tcp://[bad", "0.0.0.0", "127.0.0.1"),
    ("", "", "127.0.0.1")])
def test_url_host(endpoint, bind, host):
    assert url_host(endpoint, bind) == host


@given(st.text(), st.sampled_from(["", "0.0.0.0", "::", "127.0.0.1", "10.1.2.3"]) | st.text())
def test_url_host_any_text(endpoint, bind):
    host = url_host(endpoint, bind)
    assert host and (host == bind or host == "127.0.0.1" or host in endpoint)


def test_servers_from_list_json():
    out = ('[JupyterServerListApp] a warning\n'
           '{"base_url": "/", "port": 8888, "token": "t1", "root_dir": "/home/jovyan"}\n'
           '{damaged\n  {"port": 8889, "token": "t2"}  \n[1, 2]\n{"a": 1} trailing\n')
    assert servers_from_list_json(out) == [
        {"base_url": "/", "port": 8888, "token": "t1", "root_dir": "/home/jovyan"}, {"port": 8889, "token": "t2"}]


json_objects = st.dictionaries(st.text(max_size=8), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=6),
    max_size=5)


@given(st.lists(json_objects, max_size=4), st.lists(st.text(max_size=30).filter(
    lambda t: not t.strip().startswith("{")), max_size=4))
def test_servers_from_list_json_round_trip(servers, noise):
    lines = [json.dumps(s) for s in servers] + [n.replace("\n", " ").replace("\r", " ") for n in noise]
    assert servers_from_list_json("\n".join(lines)) == servers


@given(st.text())
def test_servers_from_list_json_any_text(text):
    assert all(isinstance(s, dict) for s in servers_from_list_json(text))


def test_servers_from_list_json_deep_nesting():
    assert servers_from_list_json('{"a":' * 100_000) == []


def test_token_from_logs():
    lines = ["[I ServerApp] Jupyter Server 2.21 is running at:",
             f"[I ServerApp] http://1f2e3d4c5b6a:8888/lab?token={TOKEN}",
             f"[I ServerApp]     http://127.0.0.1:8888/lab?token={TOKEN}",
             "    http://127.0.0.1:8888/lab?token=...",  # the redacted form jupyter prints too
             "[W] something else"]
    assert token_from_logs(lines) == (8888, "/lab", TOKEN)
    assert token_from_logs(["http://host:9999/jh/user/tree?token=abc"]) == (9999, "/jh/user/tree", "abc")
    assert token_from_logs(["no url here", "http://127.0.0.1:8888/lab"]) is None
    assert token_from_logs([]) is None


@given(st.integers(1, 65535), st.from_regex(r"(/[a-z0-9_-]{0,8}){1,3}", fullmatch=True),
       st.from_regex(r"[0-9a-zA-Z]{1,64}", fullmatch=True), st.lists(st.text(max_size=40), max_size=5))
def test_token_from_logs_finds_the_last_url(port, path, token, noise):
    lines = [*noise, f"[I 2026 ServerApp] http://127.0.0.1:{port}{path}?token={token}",
             *[n for n in noise if "token=" not in n]]
    assert token_from_logs(lines) == (port, path, token)


@given(st.lists(st.text()))
def test_token_from_logs_any_text(lines):
    found = token_from_logs(lines)
    assert found is None or (found[0] >= 0 and found[1].startswith("/") and found[2].isalnum())


# --- probe and wait_ready against a stand-in for jupyter_server -------------------------------
class FakeJupyter(BaseHTTPRequestHandler):
    token = TOKEN
    ready = True

    def do_GET(self) -> None:
        if not self.ready:
            self._send(503, b"starting")
        elif self.path == "/api":
            self._send(200, b'{"version": "2.21.0"}')
        elif self.path == "/api/status":
            ok = self.headers.get("Authorization") == f"token {self.token}"
            self._send(200 if ok else 403, b"{}")
        else:
            self._send(404, b"")

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_jupyter() -> Iterator[type[FakeJupyter]]:
    handler = type("Handler", (FakeJupyter,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield handler
    httpd.shutdown()
    httpd.server_close()


def test_probe(fake_jupyter, held_port):
    assert probe(JupyterServer("127.0.0.1", fake_jupyter.port, TOKEN)) is True
    with pytest.raises(NotOurServer, match="refuses the token"):
        probe(JupyterServer("127.0.0.1", fake_jupyter.port, "wrong"))
    fake_jupyter.ready = False
    assert probe(JupyterServer("127.0.0.1", fake_jupyter.port, TOKEN)) is False
    # A port that accepts connections but never answers HTTP: not ready, within the timeout.
    assert probe(JupyterServer("127.0.0.1", held_port, TOKEN), timeout=0.3) is False


def test_wait_ready(fake_jupyter):
    fake_jupyter.ready = False
    server = JupyterServer("127.0.0.1", fake_jupyter.port, TOKEN)
    threading.Timer(0.3, lambda: setattr(fake_jupyter, "ready", True)).start()
    seconds = wait_ready(server, still_running=lambda: True, timeout=10, interval=0.02)
    assert 0.25 < seconds < 5


def test_wait_ready_gives_up(fake_jupyter):
    fake_jupyter.ready = False
    server = JupyterServer("127.0.0.1", fake_jupyter.port, TOKEN)
    with pytest.raises(ServerNotReady, match="container stopped"):
        wait_ready(server, still_running=lambda: False, timeout=10, interval=0.01)
    with pytest.raises(ServerNotReady, match="Cancelled"):
        wait_ready(server, still_running=lambda: True, timeout=10, cancelled=lambda: True)
    with pytest.raises(ServerNotReady, match="did not answer"):
        wait_ready(server, still_running=lambda: True, timeout=0.2, interval=0.01)
    fake_jupyter.ready = True
    with pytest.raises(NotOurServer):
        wait_ready(JupyterServer("127.0.0.1", fake_jupyter.port, "wrong"), still_running=lambda: True,
                   timeout=5)
