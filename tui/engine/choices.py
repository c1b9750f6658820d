"""The engines a user can switch to inside jtui, and the one they chose last time.

The docker CLI's contexts (`docker context ls`), DOCKER_HOST when set, the engine URLs given with
`--host` before (a short history), and the local socket. The choice made in the picker is kept in
the state directory (`engine.json`) and used on the next start when nothing names an engine
(no --host/--context, no settings-file entry, no DOCKER_HOST/DOCKER_CONTEXT): a user who picked
their GPU box once gets it again. Plain Python: the picker screen only shows these.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .connection import DEFAULT_SOCKET, Endpoint, current_context_name

log = logging.getLogger(__name__)

FILE_NAME = "engine.json"
HISTORY = 8  # --host URLs remembered


@dataclass(frozen=True)
class EngineChoice:
    kind: str  # "context", "host" or "default"
    value: str  # the context name or the URL ("" for the default socket)
    url: str  # where it points, for display
    description: str = ""

    @property
    def label(self) -> str:
        if self.kind == "context":
            return f"context {self.value}"
        return self.value or "local socket"

    def as_config(self) -> tuple[str | None, str | None]:
        """(host, context) as AppConfig and Engine.connect take them."""
        if self.kind == "context":
            return None, self.value
        if self.kind == "host":
            return self.value, None
        return DEFAULT_SOCKET, None

    def matches(self, endpoint: Endpoint | None) -> bool:
        if endpoint is None:
            return False
        if self.kind == "context":
            return endpoint.source == f"context {self.value}"
        return endpoint.url == (self.value or DEFAULT_SOCKET)


class EngineMemory:
    """`engine.json` in the state directory: {"last": {"kind", "value"}, "hosts": [...]}. A file
    that cannot be read is ignored (and said in the log): the worst case is the default engine."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / FILE_NAME

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring %s: %s", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def last(self) -> EngineChoice | None:
        last = self._read().get("last")
        if not isinstance(last, dict):
            return None
        kind, value = last.get("kind"), last.get("value")
        if kind not in ("context", "host", "default") or not isinstance(value, str):
            return None
        return EngineChoice(kind, value, value or DEFAULT_SOCKET)

    def hosts(self) -> list[str]:
        hosts = self._read().get("hosts")
        return [h for h in hosts if isinstance(h, str) and h] if isinstance(hosts, list) else []

    def remember(self, choice: EngineChoice) -> None:
        """The picker's choice: used on the next start (and a URL joins the history)."""
        self._write({"kind": choice.kind, "value": choice.value},
                    choice.value if choice.kind == "host" else None)

    def add_host(self, url: str) -> None:
        """A URL given with --host: offered in the picker later, not chosen for the next start."""
        self._write(self._read().get("last"), url)

    def _write(self, last: object, host: str | None) -> None:
        hosts = self.hosts()
        if host:
            hosts = [host, *(h for h in hosts if h != host)][:HISTORY]
        data = {"last": last, "hosts": hosts}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole and renamed: a crash never leaves half a file.
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, delete=False,
                                             prefix=".engine-", suffix=".json") as tmp:
                json.dump(data, tmp, indent=1)
            os.replace(tmp.name, self.path)
        except OSError as exc:
            log.warning("could not remember the engine choice in %s: %s", self.path, exc)


def docker_contexts() -> list[EngineChoice]:
    """The docker CLI's contexts, read from its config folder (no CLI needed). When docker-py
    cannot read the store (one broken meta.json fails the lot) none are listed, and the log says
    why; the local socket and typed URLs still work."""
    try:
        from docker.context import ContextAPI

        contexts = ContextAPI.contexts()
    except Exception as exc:  # docker-py raises several kinds on a broken meta.json
        log.warning("could not read the docker contexts: %s", exc)
        return []
    choices = []
    for ctx in contexts:
        name = getattr(ctx, "Name", None)
        if not name or name == "default":
            continue  # the default context is the local socket, listed as such
        choices.append(EngineChoice("context", name, ctx.Host or DEFAULT_SOCKET, _description(ctx)))
    return sorted(choices, key=lambda c: c.value)


def _description(ctx: object) -> str:
    """The description given with `docker context create --description` (docker-py drops it,
    so it is read from the context's meta.json)."""
    try:
        meta = json.loads((Path(str(getattr(ctx, "meta_path", ""))) / "meta.json").read_text())
        return str(meta["Metadata"].get("Description") or "")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def available_engines(memory: EngineMemory, environ: Mapping[str, str] = os.environ) -> list[EngineChoice]:
    """What the picker lists: the local socket, DOCKER_HOST, the contexts, the --host history."""
    choices = [EngineChoice("default", "", DEFAULT_SOCKET, "this machine's Docker engine")]
    docker_host = environ.get("DOCKER_HOST", "").strip()
    if docker_host and docker_host != DEFAULT_SOCKET:
        choices.append(EngineChoice("host", docker_host, docker_host, "from DOCKER_HOST"))
    choices.extend(docker_contexts())
    current = current_context_name(environ)
    for host in memory.hosts():
        if all(c.url != host for c in choices):  # a context of that URL is listed already
            choices.append(EngineChoice("host", host, host, "used before"))
    if current and current != "default":
        choices = [EngineChoice(c.kind, c.value, c.url, (c.description + " · CLI's current").lstrip(" ·"))
                   if c.kind == "context" and c.value == current else c for c in choices]
    return choices


def remembered_for_start(memory: EngineMemory,
                         environ: Mapping[str, str] = os.environ) -> EngineChoice | None:
    """The last pick, when nothing else names an engine for this start. DOCKER_HOST and
    DOCKER_CONTEXT win (set for this shell: explicit); the picked engine beats the docker CLI's
    current context, a setting for every program that the pick in jtui is more recent than."""
    if environ.get("DOCKER_HOST") or environ.get("DOCKER_CONTEXT"):
        return None
    return memory.last()
