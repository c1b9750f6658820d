"""Engines that misbehave without going away, driven through the app: one that freezes (a proxy
that stops forwarding without closing, as a SIGSTOPped daemon or a stalled network does), and one
that sends malformed container entries (a tiny fake engine on a unix socket)."""

from __future__ import annotations

import json
import os
import re
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlparse

from tests.app.conftest import row_ids, select_container, wait_for
from tests.socket_proxy import SocketProxy
from tui.app import create_app
from tui.engine import Engine
from tui.engine.watcher import HEALTH_EVERY, PING_TIMEOUT

# The facade's timeout for these apps: an action on a frozen engine must fail after it.
ACTION_TIMEOUT = 4


async def test_a_frozen_engine_is_reported_keys_answer_and_it_recovers(tmp_path, config, engine,
                                                                       spec_factory):
    # In front of the engine the tests use (DOCKER_HOST may name another than the default).
    upstream = engine.endpoint.url.removeprefix("unix://")
    proxy = SocketProxy(str(tmp_path / "engine.sock"), upstream=upstream).start()
    idle = engine.create_and_start(spec_factory(name="aaa-frozen-" + spec_factory().name[-8:]))
    engine.stop(idle.id, grace=0)
    engine.create_and_start(spec_factory())  # a second row for the cursor to move to
    app = create_app(config, connect=lambda: Engine.connect(proxy.url, timeout=ACTION_TIMEOUT))
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await select_container(app, pilot, idle.id)
            bar = app.main.engine_bar
            assert bar.state == "connected"

            proxy.freeze()
            frozen_at = time.monotonic()
            await wait_for(pilot, lambda: bar.state == "not answering", timeout=15,
                           what="the header to say the engine does not answer")
            noticed = time.monotonic() - frozen_at
            assert noticed < HEALTH_EVERY + PING_TIMEOUT + 2, f"noticed after {noticed:.1f}s"
            assert re.search(r"engine not answering for \d+s", str(bar.render()))
            first = bar.label
            await wait_for(pilot, lambda: bar.label != first, timeout=3, what="the seconds to count")

            # Keys still answer: the cursor moves at once.
            before = app.containers.selected_key
            started = time.monotonic()
            await pilot.press("j" if app.containers.cursor_row == 0 else "k")
            assert app.containers.selected_key != before
            assert time.monotonic() - started < 1.0

            # An action fails after the engine's timeout, saying why.
            await select_container(app, pilot, idle.id)
            asked = time.monotonic()
            await pilot.press("S")
            await wait_for(pilot, lambda: any("did not answer in time" in n.message
                                              for n in app._notifications),
                           timeout=ACTION_TIMEOUT + 5, what="the start to fail")
            assert time.monotonic() - asked < ACTION_TIMEOUT + 3
            assert app.connected  # frozen is not gone: the panes keep the last known state

            # Created behind the frozen proxy: seen once the engine answers again.
            newcomer = engine.create_and_start(spec_factory())
            proxy.thaw()
            await wait_for(pilot, lambda: bar.state == "connected", timeout=HEALTH_EVERY + 5,
                           what="the header to recover")
            await wait_for(pilot, lambda: newcomer.id in row_ids(app), timeout=5,
                           what="the re-list after the freeze")
            assert "not answering" not in str(bar.render())
    finally:
        proxy.stop()


# --- a fake engine that sends malformed entries ---------------------------------------------------
GOOD = {"Id": "a" * 64, "Names": ["/good-one"], "Image": "busybox", "State": "running",
        "Status": "Up 1 minute", "Created": 1_700_000_000,
        "Ports": [{"PrivatePort": 8888, "PublicPort": 8888, "IP": "127.0.0.1", "Type": "tcp"}],
        "Labels": {}}
ODD_PORTS = {"Id": "b" * 64, "Names": ["/odd-ports"], "Image": "busybox", "State": "exited",
             "Status": "Exited (0)", "Ports": [{"PrivatePort": "abc"}], "Labels": {}}
LIST_LABELS = {"Id": "c" * 64, "Names": ["/list-labels"], "Image": "busybox", "State": "created",
               "Labels": ["a=b"], "Ports": None}
ALL_NULL = dict.fromkeys(("Id", "Names", "Image", "ImageID", "Command", "Created", "Ports",
                          "Labels", "State", "Status", "HostConfig", "NetworkSettings", "Mounts"))
ENTRIES = [GOOD, ODD_PORTS, LIST_LABELS, ALL_NULL, "not an object"]


class FakeEngine:
    """A tiny Docker-compatible engine on a unix socket answering what jtui asks at start:
    /_ping, /version, the container and image lists (with `entries`), and /events, which stays
    open and silent. Everything else is 404. Counts the requests by path."""

    def __init__(self, path: str, entries: list) -> None:
        self.path = path
        self.entries = entries
        self.requests: dict[str, int] = {}
        self._closing = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # no client address on a unix socket
                pass

            def _reply(self, status: int, body: object, ctype: str = "application/json") -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # http.server calls it by this name
                path = re.sub(r"^/v[\d.]+", "", urlparse(self.path).path)
                fake.requests[path] = fake.requests.get(path, 0) + 1
                if path == "/_ping":
                    self._reply(200, "OK", "text/plain")
                elif path == "/version":
                    self._reply(200, {"Version": "99.0-fake", "ApiVersion": "1.41",
                                      "MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"})
                elif path == "/containers/json":
                    self._reply(200, fake.entries)
                elif path == "/images/json":
                    self._reply(200, [])
                elif path == "/events":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.flush()
                    fake._closing.wait()
                    self.close_connection = True
                else:
                    self._reply(404, {"message": f"no such thing: {path}"})

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        if os.path.exists(path):
            os.unlink(path)
        self.server = Server(path, Handler)

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def start(self) -> FakeEngine:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()
        os.unlink(self.path)


async def test_malformed_entries_cost_one_row_each_and_the_header_stays_connected(tmp_path, config):
    fake = FakeEngine(str(tmp_path / "fake.sock"), ENTRIES).start()
    config.host = fake.url
    app = create_app(config)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: len(app.containers.containers) == len(ENTRIES), timeout=10,
                           what="the rows")
            names = {str(app.containers.get_cell(cid, "name")) for cid in row_ids(app)}
            assert {"good-one", "odd-ports", "list-labels"} <= names
            assert "(unreadable entry 3)" in names and "(unreadable entry 4)" in names
            assert len(row_ids(app)) == len(ENTRIES)
            assert str(app.containers.get_cell("a" * 64, "ports")) == "127.0.0.1:8888->8888"
            assert app.containers.containers["c" * 64].labels == {"a": "b"}
            # The header stays connected: no flipping, no reconnect (one event stream, one list).
            bar = app.main.engine_bar
            states = set()
            until = time.monotonic() + 5
            while time.monotonic() < until:
                states.add(bar.state)
                await pilot.pause(0.1)
            assert states == {"connected"} and app.connected
            assert fake.requests.get("/events") == 1
            assert fake.requests.get("/containers/json") == 1
    finally:
        fake.stop()
