"""The kernels of a Jupyter server, through its REST API with the token jtui holds: which notebook
runs on which kernel, busy or idle and since when, how much memory each kernel process takes.

Plain Python (no textual). The server's URL is the one a browser here opens, so on ssh:// engines
the calls go through jtui's ssh forward. Every failure is an `EngineError` subclass with a hint in
the user's words, so the one error presenter (tui/present.py) can say it.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import humanize
from ..engine.errors import EngineError
from .server import JupyterServer

if TYPE_CHECKING:
    from ..engine import Engine

TIMEOUT = 3.0  # seconds: a local server answers in milliseconds; an ssh forward in a few hundred
# The kernel's connection file is on its command line (`ipykernel_launcher -f .../kernel-<id>.json`,
# IRkernel and IJulia take the same file): the one link between a kernel id and a process.
_CONNECTION_FILE = re.compile(r"kernel-([0-9a-fA-F-]{8,})\.json")
PS_ARGS = "-o pid,rss,args"  # rss in KiB, as procps prints it


class JupyterApiError(EngineError):
    """The Jupyter server did not do what was asked."""


class JupyterGone(JupyterApiError):
    default_hint = ("Jupyter does not answer: the container may have stopped or be restarting. "
                    "Look at its logs (3).")


class TokenRefused(JupyterApiError):
    default_hint = ("The server refuses jtui's token: another program may hold the port, or the "
                    "server was restarted with another token. Select the container again to look "
                    "the token up anew.")


class KernelGone(JupyterApiError):
    default_hint = "It was shut down meanwhile (from the browser, or by another tool)."


@dataclass(frozen=True)
class Kernel:
    id: str
    name: str  # the kernel spec: python3, ir, julia-1.10...
    state: str  # starting | idle | busy | restarting | dead | unknown
    last_activity: datetime | None
    connections: int  # browser tabs (websockets) attached to it

    @classmethod
    def from_api(cls, raw: Any) -> Kernel:
        raw = raw if isinstance(raw, dict) else {}
        connections = raw.get("connections")
        return cls(id=str(raw.get("id") or ""), name=str(raw.get("name") or "?"),
                   state=str(raw.get("execution_state") or "unknown"),
                   last_activity=parse_time(raw.get("last_activity")),
                   connections=connections if isinstance(connections, int) else 0)


@dataclass(frozen=True)
class KernelRow:
    """One kernel as the kernels screen shows it: the notebook (or console) that uses it, if any."""

    kernel: Kernel
    notebook: str = ""  # the session's path, relative to the server's root
    busy_since: datetime | None = None  # from the tracker; None while it is not busy
    rss: int | None = None  # bytes; None when its process was not found


@dataclass
class BusyTracker:
    """Since when each kernel is busy. jupyter_server moves `last_activity` on every message of
    the kernel, the "busy" status first: its value when a kernel is first seen busy is when the
    cell started (output printed later moves it again, so it is kept, not re-read)."""

    since: dict[str, datetime] = field(default_factory=dict)

    def update(self, kernels: list[Kernel], now: datetime) -> dict[str, datetime]:
        busy = {k.id: k for k in kernels if k.state == "busy"}
        self.since = {kid: self.since.get(kid) or k.last_activity or now for kid, k in busy.items()}
        return dict(self.since)


def parse_time(value: Any) -> datetime | None:
    """jupyter_server's ISO times ("2026-11-28T01:17:30.068219Z")."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class KernelClient:
    """A few calls of the server's REST API (`/api/sessions`, `/api/kernels`)."""

    def __init__(self, server: JupyterServer, timeout: float = TIMEOUT) -> None:
        self.server = server
        self.timeout = timeout

    def _call(self, path: str, method: str = "GET", *, what: str) -> Any:
        request = urllib.request.Request(
            self.server.base + path, method=method, data=b"" if method == "POST" else None,
            headers={"Authorization": f"token {self.server.token}"})
        where = f"Jupyter at port {self.server.port}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise TokenRefused(f"Could not {what}: {where} refused the token.") from exc
            if exc.code == 404:
                raise KernelGone(f"Could not {what}: the kernel is gone.") from exc
            raise JupyterApiError(f"Could not {what}: {where} answered {exc.code} {exc.reason}.",
                                  hint="The server's log (3) says why.") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise JupyterGone(f"Could not {what}: {where} does not answer ({reason}).") from exc
        try:
            return json.loads(body) if body else None
        except ValueError as exc:
            raise JupyterApiError(f"Could not {what}: {where} answered something that is not JSON.",
                                  hint="Another program may hold the port.") from exc

    def kernels(self) -> list[Kernel]:
        raw = self._call("api/kernels", what="list the kernels")
        return [Kernel.from_api(item) for item in raw if isinstance(item, dict)] \
            if isinstance(raw, list) else []

    def sessions(self) -> dict[str, str]:
        """kernel id -> the notebook (or console, file) path of the session that uses it."""
        raw = self._call("api/sessions", what="list the notebooks")
        found: dict[str, str] = {}
        for item in raw if isinstance(raw, list) else []:
            kernel = item.get("kernel") if isinstance(item, dict) else None
            if isinstance(kernel, dict) and kernel.get("id"):
                found[str(kernel["id"])] = str(item.get("path") or item.get("name") or "")
        return found

    def overview(self) -> list[KernelRow]:
        """Every kernel with its notebook; kernels without a session too (started from the API or
        left over). Two calls: kernels first, so a kernel that started between them is not lost."""
        kernels = self.kernels()
        notebooks = self.sessions()
        return sorted((KernelRow(k, notebooks.get(k.id, "")) for k in kernels),
                      key=lambda r: (r.notebook == "", r.notebook, r.kernel.id))

    def interrupt(self, kernel_id: str) -> None:
        self._call(f"api/kernels/{kernel_id}/interrupt", "POST", what="interrupt the kernel")

    def restart(self, kernel_id: str) -> None:
        self._call(f"api/kernels/{kernel_id}/restart", "POST", what="restart the kernel")

    def shutdown(self, kernel_id: str) -> None:
        """Shut the kernel down; its session (the notebook's link to it) goes with it."""
        self._call(f"api/kernels/{kernel_id}", "DELETE", what="shut the kernel down")


# --- memory -------------------------------------------------------------------------------------
def kernel_memory_from_ps(titles: list[str], processes: list[list[str]]) -> dict[str, int]:
    """kernel id -> resident memory in bytes, from a `ps -o pid,rss,args` listing (the engine's
    `top` or `ps` run inside). A kernel with child processes counts only its own."""
    try:
        rss_at = [t.upper() for t in titles].index("RSS")
    except ValueError:
        return {}
    found: dict[str, int] = {}
    for row in processes:
        line = " ".join(row[rss_at + 1:])
        m = _CONNECTION_FILE.search(line)
        if m and len(row) > rss_at and row[rss_at].isdigit():
            found[m.group(1)] = int(row[rss_at]) * 1024
    return found


def parse_ps_output(output: str) -> tuple[list[str], list[list[str]]]:
    """`ps -eo pid,rss,args` text as (titles, rows); the last column keeps its spaces."""
    lines = [line for line in output.splitlines() if line.strip()]
    if not lines:
        return [], []
    titles = lines[0].split()
    rows = [line.split(None, len(titles) - 1) for line in lines[1:]]
    return titles, rows


def kernel_memory(engine: Engine, container_id: str) -> dict[str, int]:
    """The memory of each kernel process of a container. The engine's `top` runs `ps` on the
    engine's host (nothing needed in the image, one short call); an engine that refuses ps
    arguments (Podman) gets `ps` run inside instead."""
    try:
        titles, rows = engine.processes(container_id, PS_ARGS)
    except EngineError:
        code, out = engine.exec_capture(container_id, ["ps", "-eo", "pid,rss,args"])
        if code != 0:
            return {}
        titles, rows = parse_ps_output(out)
    return kernel_memory_from_ps(titles, rows)


def with_memory(rows: list[KernelRow], memory: dict[str, int]) -> list[KernelRow]:
    return [KernelRow(r.kernel, r.notebook, r.busy_since, memory.get(r.kernel.id)) for r in rows]


def with_busy(rows: list[KernelRow], since: dict[str, datetime]) -> list[KernelRow]:
    return [KernelRow(r.kernel, r.notebook, since.get(r.kernel.id), r.rss) for r in rows]


# --- words --------------------------------------------------------------------------------------
def activity_text(row: KernelRow, now: datetime) -> str:
    """'busy for 2m', 'idle for 40s', else the state as the server says it."""
    k = row.kernel
    if k.state == "busy":
        since = row.busy_since or k.last_activity
        return f"busy for {humanize.age(since, now)}" if since else "busy"
    if k.state == "idle" and k.last_activity is not None:
        return f"idle for {humanize.age(k.last_activity, now)}"
    return k.state


def busy_text(name: str, rows: list[KernelRow], now: datetime) -> list[str]:
    """One line per busy kernel of a container, for a confirmation before stop or remove."""
    return [f"{name}: {r.notebook or 'a kernel with no notebook (' + r.kernel.name + ')'} is "
            f"running, {activity_text(r, now)}" for r in rows if r.kernel.state == "busy"]


def likely_oom_victim(memory: dict[str, int], rows: list[KernelRow]) -> KernelRow | None:
    """After an OOM kill: the kernel that held the most memory at the last look (the kernel's OOM
    killer picks the biggest process of the container's memory cgroup)."""
    known = [KernelRow(r.kernel, r.notebook, r.busy_since, memory.get(r.kernel.id, r.rss))
             for r in rows]
    sized = [r for r in known if r.rss]
    return max(sized, key=lambda r: r.rss or 0) if sized else None
