"""Typed errors of the engine layer: the engine's own message plus a hint in the user's words."""

from __future__ import annotations

import http.client
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import docker.errors
import requests.exceptions
import urllib3.exceptions
from docker.utils.socket import SocketError

from ..lazy_import import is_deferred


def _ssh_failures() -> tuple[type[Exception], ...]:
    """paramiko is optional (docker-py needs it only for ssh:// without the `ssh` client), so its
    errors count only when it is installed, and not while the `jtui` command defers it (it never
    uses it: see tui/lazy_import.py), when nothing of it can raise."""
    if is_deferred("paramiko"):
        return ()
    try:
        import paramiko
    except ImportError:
        return ()
    return (paramiko.SSHException,)


SSH_FAILURES = _ssh_failures()

# What the connection to the engine raises when it fails or breaks. requests wraps failures of a
# request, but a body read mid-stream (pull, build, logs, events) meets urllib3 and http.client
# directly, a hijacked exec socket raises plain OSError (or docker-py's SocketError), and a JSON
# stream cut mid-message ends in docker-py's StreamParseError (a RuntimeError).
CONNECTION_FAILURES: tuple[type[Exception], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    SocketError,
    docker.errors.StreamParseError,
    OSError,
    *SSH_FAILURES,
)

# Everything docker-py and the layers below it raise on a failure of the engine, the network or
# the ssh link; `translate` maps each one. Defined once: the facade and the streams catch this.
DOCKER_FAILURES: tuple[type[Exception], ...] = (
    docker.errors.DockerException,
    requests.exceptions.RequestException,
    *CONNECTION_FAILURES,
)


class EngineError(Exception):
    """Any failure reported by (or on the way to) the Docker engine."""

    default_hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class EngineUnreachable(EngineError):
    """No engine answered at the endpoint; `reason` says why in one word."""

    HINTS = {
        "no-socket": "Docker does not seem to be running here: start Docker (or Docker Desktop), "
        "or point DOCKER_HOST / --host at a running engine.",
        "refused": "The engine's socket exists but nothing answers: start the Docker daemon.",
        "permission": "You may not use the Docker socket: add yourself to the 'docker' group "
        "(sudo usermod -aG docker $USER, then log in again) or use rootless Docker.",
        "timeout": "The engine did not answer in time: it may be overloaded or the network is down.",
        "lost": "The connection to the engine broke: Docker may have stopped or restarted, or the "
        "network (or ssh link) to it went down.",
        "other": "Check that Docker is running and that DOCKER_HOST / the docker context is right.",
    }

    def __init__(self, message: str, *, endpoint: str = "", reason: str = "other") -> None:
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(message, hint=self.HINTS.get(reason, self.HINTS["other"]))


class PortInUse(EngineError):
    def __init__(self, message: str, *, port: int | None = None, address: str = "") -> None:
        self.port = port
        self.address = address
        where = f"{address}:{port}" if address and port else (str(port) if port else "that port")
        super().__init__(message, hint=f"Port {where} is already used by another program or "
                         "container: pick another host port.")


class NameInUse(EngineError):
    def __init__(self, message: str, *, name: str = "") -> None:
        self.name = name
        super().__init__(message, hint=f"A container named '{name}' already exists: "
                         "choose another name or remove that container.")


class NotFound(EngineError):
    default_hint = "It may have been removed in the meantime."


class ImageNotFound(NotFound):
    def __init__(self, message: str, *, image: str = "") -> None:
        self.image = image
        super().__init__(message, hint=f"The image '{image}' is not on this engine: pull it first.")


class ContainerNotFound(NotFound):
    pass


class PullFailed(EngineError):
    default_hint = "Check the image name, the tag and that the registry is reachable."


class PullDenied(PullFailed):
    default_hint = ("The registry refused the image: the repository name may be wrong, or it is "
                    "private and needs 'docker login'.")


class TagNotFound(PullFailed):
    default_hint = "That tag does not exist in the repository: check the tag (e.g. 'latest' or a date)."


class BindSourceMissing(EngineError):
    def __init__(self, message: str, *, path: str = "") -> None:
        self.path = path
        super().__init__(message, hint=f"The folder '{path}' does not exist on the engine's host: "
                         "create it first or choose another folder.")


class GpuUnavailable(EngineError):
    default_hint = ("This engine cannot give containers a GPU: install the NVIDIA Container Toolkit "
                    "on the Docker host, or launch without GPU.")


class Conflict(EngineError):
    """The engine refused because of the object's state (e.g. removing a running container)."""


class ImageInUse(Conflict):
    default_hint = "A container still uses this image: remove that container first, or force."


class BuildFailed(EngineError):
    def __init__(self, message: str, *, step: str = "") -> None:
        self.step = step
        super().__init__(message, hint=f"The build failed at: {step}" if step else
                         "The build failed: see the build log.")


class Cancelled(EngineError):
    default_hint = "Cancelled by the user."


_PORT_RE = re.compile(r"(?:Bind for |listen tcp[46]? )\[?([0-9a-fA-F.:]*?)\]?:(\d+)")
_BIND_RE = re.compile(r"bind source path does not exist: (\S+)")
_NAME_RE = re.compile(r'container name "/?([^"]+)" is already in use')


def classify_unreachable(text: str) -> str:
    lowered = text.lower()
    if "permission" in lowered:
        return "permission"
    if "filenotfounderror" in lowered or "no such file" in lowered:
        return "no-socket"
    if "refused" in lowered:
        return "refused"
    if "timeout" in lowered or "timed out" in lowered:
        return "timeout"
    return "other"


def _describe(exc: BaseException) -> str:
    """The exception and the ones it wraps, as one text to classify: requests and urllib3 wrap
    the socket error that says what happened (in `args`, `reason` or `__cause__`). Not in
    `__context__`: that may be an unrelated error handled earlier."""
    parts: list[str] = []
    pending: list[object] = [exc]
    seen: set[int] = set()
    while pending and len(parts) < 10:
        item = pending.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        parts.append(f"{type(item).__name__}: {item}")
        pending.extend([*item.args, getattr(item, "reason", None), item.__cause__])
    return " <- ".join(parts)


def _raised_by_docker_transport(exc: BaseException) -> bool:
    """docker-py's ssh transport (the `ssh` client as a subprocess) raises a bare Exception once
    its subprocess is gone: recognise it by where it was raised."""
    if type(exc) is not Exception:
        return False
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(tb.tb_frame.f_globals.get("__name__", "")).startswith("docker.transport")


def is_engine_failure(exc: BaseException) -> bool:
    """True for what docker-py, the HTTP layers, sockets or ssh raise; False for our own bugs."""
    return isinstance(exc, (EngineError, *DOCKER_FAILURES)) or _raised_by_docker_transport(exc)


def _is_connection_failure(exc: BaseException) -> bool:
    if isinstance(exc, requests.exceptions.RequestException) and not isinstance(
            exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                  requests.exceptions.ChunkedEncodingError)):
        return False  # a bad URL or scheme: a mistake in the request, not a lost engine
    return isinstance(exc, CONNECTION_FAILURES) or _raised_by_docker_transport(exc)


def unreachable(exc: BaseException, endpoint: str) -> EngineUnreachable:
    """The connection to the engine failed or broke: say so, with the one-word reason."""
    reason = classify_unreachable(_describe(exc))
    if reason == "other" and not isinstance(exc, (ssl.SSLError, urllib3.exceptions.SSLError,
                                                  *SSH_FAILURES)):
        # Not refused, no socket, no permission, no timeout, no TLS or ssh trouble: a connection
        # that worked, then broke (engine stopped, proxy or network cut).
        reason = "lost"
    return EngineUnreachable(f"Lost the Docker engine at {endpoint}: {exc}", endpoint=endpoint,
                             reason=reason)


def translate(exc: BaseException, *, endpoint: str = "", port: int | None = None,
              name: str = "", image: str = "") -> EngineError:
    """Map docker-py / requests / urllib3 / http.client / socket / ssh exceptions to our typed
    errors (never raises). A connection that fails or breaks becomes EngineUnreachable."""
    if isinstance(exc, EngineError):
        return exc
    if isinstance(exc, docker.errors.APIError):
        msg = str(exc.explanation or exc)
        low = msg.lower()
        status = exc.status_code
        if "is already in use by container" in low:
            m = _NAME_RE.search(msg)
            return NameInUse(msg, name=m.group(1) if m else name)
        if "port is already allocated" in low or "address already in use" in low:
            m = _PORT_RE.search(msg)
            if m:
                return PortInUse(msg, port=int(m.group(2)), address=m.group(1))
            return PortInUse(msg, port=port)
        if "bind source path does not exist" in low:
            m = _BIND_RE.search(msg)
            return BindSourceMissing(msg, path=m.group(1) if m else "")
        if "could not select device driver" in low or "nvidia" in low and "capabilit" in low:
            return GpuUnavailable(msg)
        if "manifest unknown" in low or ("manifest for" in low and "not found" in low):
            return TagNotFound(msg)
        if "pull access denied" in low or "unauthorized" in low or "denied" in low and "pull" in low:
            return PullDenied(msg)
        if "image is being used" in low or "image has dependent child" in low or (
                status == 409 and "image" in low):
            return ImageInUse(msg)
        if status == 404 or isinstance(exc, docker.errors.NotFound):
            if "no such image" in low or isinstance(exc, docker.errors.ImageNotFound):
                return ImageNotFound(msg, image=image)
            if "no such container" in low:
                return ContainerNotFound(msg)
            return NotFound(msg)
        if status == 409:
            return Conflict(msg, hint="")
        return EngineError(msg)
    if isinstance(exc, docker.errors.DockerException):
        text = str(exc)
        if "Error while fetching server API version" in text or "Connection aborted" in text:
            return EngineUnreachable(f"Cannot reach the Docker engine at {endpoint}: {text}",
                                     endpoint=endpoint, reason=classify_unreachable(text))
        return EngineError(text)
    if _is_connection_failure(exc):
        return unreachable(exc, endpoint)
    return EngineError(f"{type(exc).__name__}: {exc}")


@contextmanager
def engine_failures(endpoint: str, *, port: int | None = None, name: str = "",
                    image: str = "") -> Iterator[None]:
    """Inside this block every engine failure leaves as a typed EngineError; our own bugs (a
    TypeError, say) pass through untouched. Works around a generator's `yield` too."""
    try:
        yield
    except EngineError:
        raise
    except Exception as exc:
        if not is_engine_failure(exc):
            raise
        raise translate(exc, endpoint=endpoint, port=port, name=name, image=image) from exc
