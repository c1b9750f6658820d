"""Where the engine is: an explicit URL, a docker context, DOCKER_HOST, or the local socket."""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


@dataclass(frozen=True)
class Endpoint:
    url: str
    source: str  # "--host", "context NAME", "DOCKER_HOST", "default"
    tls: object | None = None  # docker.tls.TLSConfig when the context or env asks for TLS
    from_env: bool = False  # let docker-py read DOCKER_HOST/TLS variables itself

    @property
    def display(self) -> str:
        """The URL without user info, for headers and messages."""
        url = self.url
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            url = f"{scheme}://{rest.split('@', 1)[1]}"
        return url

    def cli_args(self) -> list[str]:
        """Arguments that point the docker CLI at this same engine."""
        if self.source.startswith("context "):
            return ["--context", self.source.removeprefix("context ")]
        if self.from_env:
            return []  # the CLI reads the same DOCKER_HOST / TLS variables
        return ["--host", self.url]

    @property
    def is_ssh(self) -> bool:
        return self.url.startswith("ssh://")

    @property
    def is_local(self) -> bool:
        """True when the engine runs on this machine, so its host's paths and ports are ours: a
        unix socket or named pipe, or TCP to localhost / 127.0.0.0/8 / ::1. An ssh:// engine is
        remote even on localhost (another user, maybe another machine behind a forward)."""
        url = self.url.strip()
        scheme, sep, _ = url.partition("://")
        scheme = scheme.lower() if sep else ""
        if scheme in ("unix", "npipe") or (not sep and url.startswith("/")):
            return True
        if sep and scheme not in ("tcp", "http", "https"):
            return False  # ssh:// and anything we do not know
        try:
            host = urlsplit(url if sep else f"tcp://{url}").hostname or ""
        except ValueError:  # e.g. an unclosed "[" in an IPv6 address
            return False
        if host == "localhost":
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 (Python < 3.13 calls it not loopback)
        return address.is_loopback


def _docker_config_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def current_context_name(environ: Mapping[str, str] = os.environ) -> str | None:
    """DOCKER_CONTEXT, else `currentContext` in the docker CLI's config.json."""
    name = environ.get("DOCKER_CONTEXT")
    if name:
        return name
    config = _docker_config_dir(environ) / "config.json"
    try:
        data = json.loads(config.read_text())
    except (OSError, ValueError):
        return None
    return data.get("currentContext") if isinstance(data, dict) else None


def context_endpoint(name: str) -> Endpoint:
    from docker.context import ContextAPI  # docker-py >= 7.1 has no DOCKER_CONTEXT support itself

    ctx = ContextAPI.get_context(name)
    if ctx is None:
        raise ValueError(f"No docker context named '{name}' (see `docker context ls`).")
    host = ctx.Host or DEFAULT_SOCKET
    tls = ctx.TLSConfig if getattr(ctx, "TLSConfig", None) else None
    return Endpoint(url=host, source=f"context {name}", tls=tls)


def resolve_endpoint(host: str | None = None, context: str | None = None,
                     environ: Mapping[str, str] = os.environ) -> Endpoint:
    """Pick the endpoint the same way the docker CLI does (flags beat environment beat config)."""
    if host:
        return Endpoint(url=host, source="--host")
    if context:
        return context_endpoint(context)
    if environ.get("DOCKER_HOST"):
        return Endpoint(url=environ["DOCKER_HOST"], source="DOCKER_HOST", from_env=True)
    name = current_context_name(environ)
    if name and name != "default":
        return context_endpoint(name)
    return Endpoint(url=DEFAULT_SOCKET, source="default")
