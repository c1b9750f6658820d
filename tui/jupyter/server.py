"""A running Jupyter server: its token, its URL on the host, and whether it is ready and ours."""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

TOKEN_BYTES = 24  # 48 hex characters, as jupyter_server generates


def new_token() -> str:
    return secrets.token_hex(TOKEN_BYTES)


class NotOurServer(Exception):
    """Something answers on the port but refuses our token: another server holds it."""


class ServerNotReady(Exception):
    pass


@dataclass(frozen=True)
class JupyterServer:
    host: str
    port: int
    token: str
    mode: str = "lab"  # lab | notebook | server
    base_url: str = "/"

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_url}"

    @property
    def url(self) -> str:
        path = {"lab": "lab", "notebook": "tree"}.get(self.mode, "")
        return f"{self.base}{path}?token={self.token}" if self.token else f"{self.base}{path}"


def url_host(endpoint_url: str, bind_ip: str) -> str:
    """The host part of the URL a browser on this machine should open."""
    try:
        parts = urlsplit(endpoint_url)
        scheme, hostname = parts.scheme, parts.hostname
    except ValueError:  # e.g. "tcp://[bad": not an engine jtui could reach; read it as local
        scheme, hostname = "", None
    remote = scheme in ("tcp", "ssh", "http", "https") and hostname not in (
        None, "localhost", "127.0.0.1", "::1")
    if remote and bind_ip in ("", "0.0.0.0", "::"):
        return hostname or "127.0.0.1"
    if bind_ip in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return bind_ip


def probe(server: JupyterServer, timeout: float = 2.0) -> bool:
    """True when the server answers and accepts our token; NotOurServer when it answers but
    refuses it; False while nothing (or not yet Jupyter) answers."""
    try:
        with urllib.request.urlopen(server.base + "api", timeout=timeout) as response:
            json.loads(response.read() or b"{}")  # /api answers without auth: {"version": ...}
    except (urllib.error.URLError, OSError, ValueError):
        return False
    request = urllib.request.Request(server.base + "api/status",
                                     headers={"Authorization": f"token {server.token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise NotOurServer(f"A server answers on port {server.port} but refuses the token: "
                               "another program holds that port.") from exc
        return False
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(server: JupyterServer, *, still_running: Callable[[], bool], timeout: float = 120.0,
               interval: float = 0.1, cancelled: Callable[[], bool] = lambda: False,
               state_every: float = 1.0, answers: Callable[[], bool] | None = None) -> float:
    """Poll until the server is ready; returns the seconds it took. Raises ServerNotReady if the
    container stops or time runs out, NotOurServer if someone else answers. A refused local
    connection costs microseconds, so the URL is polled often; the container's state (an engine
    call) only every `state_every` seconds. `answers` replaces the probe from here (a port this
    machine cannot reach is asked from inside the container)."""
    start = time.monotonic()
    next_state_check = start
    while time.monotonic() - start < timeout:
        if cancelled():
            raise ServerNotReady("Cancelled while waiting for Jupyter.")
        if answers() if answers is not None else probe(server):
            return time.monotonic() - start
        if time.monotonic() >= next_state_check:
            if not still_running():
                raise ServerNotReady("The container stopped before Jupyter answered.")
            next_state_check = time.monotonic() + state_every
        time.sleep(interval)
    raise ServerNotReady(f"Jupyter did not answer on port {server.port} within {timeout:.0f} s.")


_URL_IN_LOG = re.compile(r"https?://[^\s/]+:(\d+)(/[^\s?]*)\?token=([0-9a-zA-Z]+)")


def servers_from_list_json(output: str) -> list[dict]:
    """`jupyter server list --json` prints one JSON object per line; anything else (warnings,
    damaged lines) is skipped."""
    found = []
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
                continue
            if isinstance(item, dict):
                found.append(item)
    return found


def token_from_logs(lines: list[str]) -> tuple[int, str, str] | None:
    """(container port, path, token) from the last URL a server printed, if any."""
    for line in reversed(lines):
        m = _URL_IN_LOG.search(line)
        if m and m.group(3) != "...":
            return int(m.group(1)), m.group(2), m.group(3)
    return None
