"""The engine facade: every call the app makes to the Docker engine, typed, with typed errors.

Nothing outside `tui.engine` imports docker-py. Calls block: the UI runs them in thread workers.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import docker
import docker.errors
from docker.transport import UnixHTTPAdapter
from docker.types import Mount

from .connection import Endpoint, resolve_endpoint
from .errors import (
    DOCKER_FAILURES,
    BuildFailed,
    Cancelled,
    EngineError,
    EngineUnreachable,
    PortInUse,
    PullFailed,
    engine_failures,
    is_engine_failure,
    translate,
)
from .gpus import device_request
from .models import (
    BuildResult,
    ContainerDetails,
    ContainerSummary,
    EngineEvent,
    EngineInfo,
    ExecOutput,
    ImageSummary,
    LogLine,
    PullProgress,
)
from .refs import parse_reference
from .streams import (
    LineSplitter,
    Stream,
    exec_frames,
    guard_ssh_transport,
    hang_up,
    http_frames,
    open_logs,
    ssh_said,
)
from .tunnels import Tunnels

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TIMEOUT = 30
# The engine closes an exec's output when the command exits, and may mark it finished a moment
# later: how long to wait for that before deciding the output was cut instead.
EXEC_SETTLE = 2.0
# What reading a socket that a cancel just shut down may raise (beyond the engine failures).
_HANG_UP_NOISE: tuple[type[Exception], ...] = (*DOCKER_FAILURES, ValueError, AttributeError)


def _engine_call(method: Callable[..., T]) -> Callable[..., T]:
    """Map every engine failure of a facade method to a typed EngineError."""

    @functools.wraps(method)
    def wrapper(self: Engine, *args: Any, **kwargs: Any) -> T:
        with engine_failures(self.endpoint.display):
            return method(self, *args, **kwargs)

    return wrapper


@dataclass
class ContainerSpec:
    """Everything needed to create a container; the Jupyter layer fills it in."""

    image: str
    name: str | None = None
    command: list[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    # container port ("8888/tcp") -> (host ip, host port or None for "engine picks")
    ports: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    binds: list[tuple[str, str]] = field(default_factory=list)  # (absolute host path, target)
    labels: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    group_add: list[str] = field(default_factory=list)
    gpu: bool = False
    gpu_devices: tuple[str, ...] = ()  # with gpu: these GPUs (indexes or UUIDs); empty: all
    restart_policy: str = "no"  # no | on-failure | unless-stopped | always
    auto_remove: bool = False
    working_dir: str | None = None
    read_only: list[str] = field(default_factory=list)  # targets of `binds` mounted read-only
    memory: str = ""  # docker's sizes: "8g", "512m"
    cpus: str = ""  # "2", "1.5"
    shm_size: str = ""


class _OnePoolAdapter(UnixHTTPAdapter):
    """docker-py's unix-socket adapter, with one connection pool for all of a client's requests.

    docker-py's own keeps a pool per request URL, path and query included (each container's
    inspect and stats has its own), up to 25, and each pool keeps its last connection open for
    good: after a reconnect with 15 containers on screen, jtui held 19 connections to the engine
    (10 on the stats client: one per container read), 5 with one pool. With one pool a client
    keeps as many idle connections as it had requests in flight at once, as tcp:// engines
    already do (requests pools by host)."""

    def get_connection(self, url: str, proxies: Any = None) -> Any:
        return super().get_connection("http+docker://localhost", proxies)


def _one_pool(client: docker.DockerClient) -> docker.DockerClient:
    api = client.api
    adapter = api.get_adapter(api.base_url)
    if type(adapter) is UnixHTTPAdapter:
        api.mount("http+docker://", _OnePoolAdapter(f"http+unix://{adapter.socket_path}",
                                                    adapter.timeout,
                                                    max_pool_size=adapter.max_pool_size))
        adapter.close()  # holds the connection of the /version call made while creating the client
    return client


def _with_ssh_reason(error: EngineError, endpoint: Endpoint) -> EngineError:
    """docker-py only says "Connection aborted" when ssh fails; ssh's own words say why."""
    said = ssh_said() if endpoint.is_ssh else ""
    if said and said not in error.message:
        error.message = f"{error.message.rstrip('.')}. ssh said: {said}"
    return error


class Engine:
    """One connection to one Docker engine."""

    def __init__(self, endpoint: Endpoint, client: docker.DockerClient, info: EngineInfo,
                 timeout: int = DEFAULT_TIMEOUT) -> None:
        self.endpoint = endpoint
        self.client = client
        self.api = client.api
        self.info = info
        self.timeout = timeout
        # ssh:// engines: Jupyter stays on the remote's loopback; a browser here goes through
        # an ssh forward jtui makes (None for every other kind of engine).
        self.tunnels = Tunnels.for_endpoint(endpoint.url)
        self._extra_clients: set[docker.DockerClient] = set()
        self._lock = threading.Lock()

    # --- connecting ------------------------------------------------------------------------
    @classmethod
    def connect(cls, host: str | None = None, context: str | None = None,
                timeout: int = DEFAULT_TIMEOUT) -> Engine:
        try:
            endpoint = resolve_endpoint(host, context)
        except Exception as exc:  # unknown context, unreadable context store
            raise EngineUnreachable(str(exc), endpoint=context or host or "", reason="other") from exc
        if endpoint.is_ssh:
            guard_ssh_transport()
        client = cls._make_client(endpoint, timeout)
        try:
            version = client.version()
            # Which engine this is decides how a launch makes the folder writable (rootless,
            # Podman) and whether GPUs can be asked for. An engine (or proxy) that refuses
            # /info is still an engine: plain rootful Docker is assumed.
            try:
                details = client.info()
            except docker.errors.APIError:
                log.info("the engine at %s refused /info", endpoint.display, exc_info=True)
                details = {}
        except Exception as exc:
            client.close()
            raise _with_ssh_reason(translate(exc, endpoint=endpoint.display), endpoint) from exc
        info = EngineInfo.from_engine(endpoint.display, version, details)
        return cls(endpoint, client, info, timeout)

    @staticmethod
    def _make_client(endpoint: Endpoint, timeout: int, version: str | None = None) -> docker.DockerClient:
        try:
            if endpoint.from_env:
                return _one_pool(docker.from_env(timeout=timeout, version=version,
                                                 use_ssh_client=endpoint.is_ssh))
            return _one_pool(docker.DockerClient(base_url=endpoint.url, tls=endpoint.tls or False,
                                                 timeout=timeout, version=version,
                                                 use_ssh_client=endpoint.is_ssh))
        except Exception as exc:
            raise _with_ssh_reason(translate(exc, endpoint=endpoint.display), endpoint) from exc

    def _stream_client(self) -> docker.DockerClient:
        """A client of its own for a long-lived stream: one requests Session is not thread-safe,
        and closing it is the only way to end an ssh:// stream."""
        client = self._make_client(self.endpoint, self.timeout, version=self.info.api_version)
        with self._lock:
            self._extra_clients.add(client)
        return client

    def _release(self, client: docker.DockerClient) -> None:
        with self._lock:
            self._extra_clients.discard(client)
        try:
            client.close()
        except Exception:  # closing a dead connection: nothing to tell anyone
            log.debug("closing a stream's client", exc_info=True)

    def close(self) -> None:
        """Close this connection and every stream still open on it. Never raises: there is
        nothing left to tell the engine."""
        if self.tunnels is not None:
            self.tunnels.close_all()
        with self._lock:
            clients = list(self._extra_clients)
            self._extra_clients.clear()
        for c in [*clients, self.client]:
            try:
                c.close()
            except Exception:  # closing a dead connection: nothing to tell anyone
                log.debug("closing a client", exc_info=True)

    @_engine_call
    def ping(self, timeout: float | None = None) -> bool:
        """True when the engine answers /_ping; `timeout` (seconds) bounds the wait, for health
        checks that must tell a frozen engine within seconds (the default is the facade's)."""
        if timeout is None:
            return bool(self.api.ping())
        # APIClient is a requests Session: a per-call timeout without touching the shared one.
        response = self.api.get(f"{self.api.base_url}/_ping", timeout=timeout)
        return response.status_code == 200 and response.text.strip() == "OK"

    # --- listing -----------------------------------------------------------------------------
    @_engine_call
    def list_containers(self, all: bool = True) -> list[ContainerSummary]:
        # One call for all rows: the high-level containers.list() inspects each one.
        return readable_containers(self.api.containers(all=all))

    @_engine_call
    def list_images(self) -> list[ImageSummary]:
        raw = self.api.images()
        images = [ImageSummary.from_list(item) for item in (raw if isinstance(raw, list) else [])]
        return [img for img in images if img.id]  # an image we cannot name cannot be acted on

    @_engine_call
    def inspect_container(self, container_id: str) -> ContainerDetails:
        return ContainerDetails.from_inspect(self.api.inspect_container(container_id))

    @_engine_call
    def processes(self, container_id: str, ps_args: str = "") -> tuple[list[str], list[list[str]]]:
        """The container's processes as the engine's `top` lists them: (titles, rows). `ps_args`
        ("-o pid,rss,args") go to the `ps` the engine runs on its own host."""
        raw = self.api.top(container_id, ps_args=ps_args or None)
        raw = raw if isinstance(raw, dict) else {}
        return ([str(t) for t in raw.get("Titles") or []],
                [[str(v) for v in row] for row in raw.get("Processes") or [] if isinstance(row, list)])

    @_engine_call
    def memory_state(self, container_id: str) -> tuple[int, bool]:
        """(memory limit in bytes, 0 when none; whether the OOM killer ended its last run)."""
        raw = self.api.inspect_container(container_id)
        host, state = raw.get("HostConfig") or {}, raw.get("State") or {}
        return int(host.get("Memory") or 0), state.get("OOMKilled") is True

    @_engine_call
    def inspect_image(self, reference: str) -> ImageSummary:
        return ImageSummary.from_inspect(self.api.inspect_image(reference))

    @_engine_call
    def image_exists(self, reference: str) -> bool:
        try:
            self.api.inspect_image(reference)
        except docker.errors.ImageNotFound:
            return False
        except docker.errors.NotFound:
            return False
        return True

    # --- streams -----------------------------------------------------------------------------
    @_engine_call
    def events(self, since: int | None = None) -> Stream:
        """Container and image events as EngineEvent; close() from any thread ends the stream.
        If the engine goes away (stops, restarts, the connection breaks), iterating raises
        EngineUnreachable: the caller then reconnects and re-lists."""
        client = self._stream_client()
        endpoint = self.endpoint.display
        try:
            raw = client.api.events(since=since, filters={"type": ["container", "image"]}, decode=True)
        except BaseException:
            self._release(client)
            raise

        def iterate() -> Iterator[EngineEvent]:
            try:
                for msg in raw:
                    if isinstance(msg, dict):
                        yield EngineEvent.from_raw(msg)
                # Without `until` the engine never ends this stream while it runs, and docker-py's
                # CancellableStream ends quietly when its connection breaks: either way, it is gone.
                raise EngineUnreachable(f"Lost the Docker engine at {endpoint}: the event stream ended",
                                        endpoint=endpoint, reason="lost")
            finally:
                self._release(client)

        return Stream(iterate(), lambda: hang_up(raw, client), endpoint)

    @_engine_call
    def logs(self, container_id: str, *, tail: int | None = 200, since: str | int | None = None,
             timestamps: bool = False, follow: bool = True, tty: bool | None = None) -> Stream:
        """LogLine per whole line from stdout and stderr. close() ends it from any thread; a
        broken connection raises EngineUnreachable while iterating."""
        client = self._stream_client()
        api = client.api
        params: dict[str, Any] = {"stdout": 1, "stderr": 1, "follow": int(follow),
                                  "timestamps": int(timestamps),
                                  # tail must be an int or "all": any other string means "all"
                                  "tail": "all" if tail is None else int(tail)}
        if since is not None:
            params["since"] = api_since(since)
        try:
            if tty is None:
                tty = bool((api.inspect_container(container_id).get("Config") or {}).get("Tty"))
            response = open_logs(api, container_id, params)
        except BaseException:
            self._release(client)
            raise

        splitter = LineSplitter()

        def iterate() -> Iterator[LogLine]:
            try:
                for stream_name, data in http_frames(api, response, bool(tty)):
                    if timestamps and splitter.pending(stream_name):
                        # The engine splits long lines into 16 KB messages, each with its own
                        # timestamp: keep only the first one of a line.
                        data = _STAMP.sub(b"", data, count=1)
                    whole = False
                    for name, line in splitter.feed(stream_name, data):
                        whole = True
                        yield _log_line(name, line, timestamps)
                    if not whole and (told := stream.on_unfinished) is not None:
                        told()
                for name, line in splitter.flush():
                    yield _log_line(name, line, timestamps)
            finally:
                self._release(client)

        def unfinished(after: float) -> list[LogLine]:
            return [_log_line(name, data, timestamps) for name, data in splitter.unfinished(after)]

        stream = Stream(iterate(), lambda: hang_up(response, client), self.endpoint.display,
                        unfinished=unfinished)
        return stream

    # --- pull --------------------------------------------------------------------------------
    def pull(self, reference: str, cancel: threading.Event | None = None) -> Iterator[PullProgress]:
        """Yield the pull's progress after every engine message; raise a typed error on failure
        (EngineUnreachable if the engine goes away). Setting `cancel` stops the transfer (the
        engine drops the pull when we hang up)."""
        ref = parse_reference(reference)
        # docker-py takes a digest in place of the tag: the engine then pulls by digest.
        target = ref.digest or ref.tag_or_latest
        shown = f"{ref.repository}@{ref.digest}" if ref.digest else f"{ref.repository}:{target}"
        progress = PullProgress(reference=shown)
        client = self._stream_client()
        try:
            try:
                stream = client.api.pull(ref.repository, tag=target, stream=True, decode=True)
                for msg in stream:
                    if cancel is not None and cancel.is_set():
                        raise Cancelled(f"Pull of {progress.reference} cancelled")
                    if "errorDetail" in msg or "error" in msg:
                        text = (msg.get("errorDetail") or {}).get("message") or msg.get("error")
                        raise translate(docker.errors.APIError(text, explanation=text),
                                        endpoint=self.endpoint.display, image=reference)
                    progress.apply(msg)
                    yield progress
            except Exception as exc:
                if not is_engine_failure(exc):
                    raise
                err = translate(exc, endpoint=self.endpoint.display, image=reference)
                # A registry failure the mapping does not know is still a failed pull.
                raise (PullFailed(err.message) if type(err) is EngineError else err) from exc
        finally:
            self._release(client)
        progress.finished = True
        yield progress

    # --- lifecycle ---------------------------------------------------------------------------
    def create_and_start(self, spec: ContainerSpec) -> ContainerDetails:
        """Create then start (never `run()`, which pulls silently and leaves debris). A failed
        start removes the container it created, so the name stays free."""
        host_port = next((p for _, p in spec.ports.values() if p), None)
        with engine_failures(self.endpoint.display, port=host_port, name=spec.name or "",
                             image=spec.image):
            container = self.client.containers.create(**self._create_kwargs(spec))
        try:
            container.start()
        except Exception as exc:
            if not is_engine_failure(exc):
                raise
            error = translate(exc, endpoint=self.endpoint.display, port=host_port,
                              name=spec.name or "", image=spec.image)
            if isinstance(error, PortInUse) and error.port is None:
                error.port = host_port
            try:
                self.api.remove_container(container.id, force=True)
            except Exception:  # the start's own error is what the user must see
                log.warning("could not remove %s after its failed start", container.id, exc_info=True)
            raise error from exc
        return self.inspect_container(container.id)

    def _create_kwargs(self, spec: ContainerSpec) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "image": spec.image,
            "detach": True,
            # tty=False: log frames then carry whole chunks, not one byte per read.
            "tty": False,
            "stdin_open": False,
            "labels": dict(spec.labels),
            "environment": dict(spec.environment),
            "ports": {k: v for k, v in spec.ports.items()},
            # A source without a slash is a named volume (created by the engine if missing), as
            # the docker CLI reads `-v NAME:/path`.
            "mounts": [Mount(target=target, source=source,
                             type="volume" if "/" not in source else "bind",
                             read_only=target in spec.read_only)
                       for source, target in spec.binds],
            "auto_remove": spec.auto_remove,
        }
        if spec.name:
            kwargs["name"] = spec.name
        if spec.command:
            kwargs["command"] = spec.command
        if spec.user is not None:
            kwargs["user"] = spec.user
        if spec.group_add:
            kwargs["group_add"] = list(spec.group_add)
        if spec.working_dir:
            kwargs["working_dir"] = spec.working_dir
        if spec.memory:
            kwargs["mem_limit"] = spec.memory
        if spec.cpus:
            kwargs["nano_cpus"] = int(float(spec.cpus) * 1e9)
        if spec.shm_size:
            kwargs["shm_size"] = spec.shm_size
        if spec.gpu:
            kwargs["device_requests"] = [device_request(spec.gpu_devices)]
        if spec.restart_policy and spec.restart_policy != "no" and not spec.auto_remove:
            kwargs["restart_policy"] = {"Name": spec.restart_policy}
        return kwargs

    @_engine_call
    def start(self, container_id: str) -> None:
        self.api.start(container_id)

    @_engine_call
    def stop(self, container_id: str, grace: int = 30) -> None:
        # docker-py adds the grace period to the HTTP timeout itself.
        self.api.stop(container_id, timeout=grace)

    @_engine_call
    def restart(self, container_id: str, grace: int = 30) -> None:
        self.api.restart(container_id, timeout=grace)

    @_engine_call
    def remove(self, container_id: str, force: bool = False, volumes: bool = False) -> None:
        self.api.remove_container(container_id, force=force, v=volumes)

    @_engine_call
    def remove_image(self, reference: str, force: bool = False) -> None:
        self.api.remove_image(reference, force=force)

    @_engine_call
    def prune_images(self) -> tuple[int, int]:
        """Remove dangling images; returns (count, bytes reclaimed)."""
        result = self.api.prune_images(filters={"dangling": True})
        return len(result.get("ImagesDeleted") or []), int(result.get("SpaceReclaimed") or 0)

    # --- inside containers -------------------------------------------------------------------
    def exec_stream(self, container_id: str, cmd: list[str], *, user: str | None = None,
                    environment: dict[str, str] | None = None, workdir: str | None = None,
                    cancel: threading.Event | None = None) -> Iterator[ExecOutput]:
        """Run `cmd` (a list: no host shell involved) and yield its output lines; the last item
        is ExecOutput('exit', '<code>'). A lost engine raises EngineUnreachable, even when the
        output just stops (the engine ends it only when the command exits)."""
        client = self._stream_client()
        api = client.api
        endpoint = self.endpoint.display
        try:
            with engine_failures(endpoint):
                exec_id = api.exec_create(container_id, cmd, stdout=True, stderr=True, tty=False,
                                          user=user or "", environment=environment,
                                          workdir=workdir)["Id"]
                output = api.exec_start(exec_id, tty=False, stream=True, demux=True)
                finished = threading.Event()
                if cancel is not None:
                    # A silent command sends no frames to check `cancel` between: hang up from
                    # a helper thread instead, which unblocks the read.
                    def hang_up_on_cancel() -> None:
                        while not finished.is_set():
                            if cancel.wait(0.2):
                                hang_up(output, client)
                                return
                    threading.Thread(target=hang_up_on_cancel, daemon=True).start()
                splitter = LineSplitter()
                try:
                    for name, data in exec_frames(output):
                        if cancel is not None and cancel.is_set():
                            break
                        for stream, line in splitter.feed(name, data):
                            yield ExecOutput(stream, line.decode("utf-8", "replace"))
                except _HANG_UP_NOISE:
                    if cancel is None or not cancel.is_set():
                        raise
                finally:
                    finished.set()
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Command cancelled")
                for stream, line in splitter.flush():
                    yield ExecOutput(stream, line.decode("utf-8", "replace"))
                code = _exec_exit_code(api, exec_id, endpoint)
        finally:
            self._release(client)
        yield ExecOutput("exit", str(code))

    @_engine_call
    def exec_capture(self, container_id: str, cmd: list[str], user: str | None = None,
                     environment: dict[str, str] | None = None) -> tuple[int, str]:
        """Run a short command and return (exit code, stdout)."""
        exec_id = self.api.exec_create(container_id, cmd, stdout=True, stderr=False, tty=False,
                                       user=user or "", environment=environment)["Id"]
        out = self.api.exec_start(exec_id, stream=False)
        code = self.api.exec_inspect(exec_id).get("ExitCode")
        return (int(code) if code is not None else -1,
                out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out))

    @_engine_call
    def run_capture(self, image: str, argv: list[str], *, user: str | None = None,
                    timeout: float = 300) -> tuple[int, str]:
        """Run argv in a throwaway container of `image`: its entrypoint replaced by argv[0], no
        network, removed afterwards (like `docker run --rm`, but removed only once its output is
        read). Returns (exit code, stdout)."""
        container = self.api.create_container(
            image, command=argv[1:], entrypoint=argv[:1], user=user or "", network_disabled=True,
            labels={"org.jtui.throwaway": "1"},
            host_config=self.api.create_host_config(network_mode="none"))["Id"]
        try:
            self.api.start(container)
            code = self.api.wait(container, timeout=timeout).get("StatusCode")
            out = self.api.logs(container, stdout=True, stderr=False)
        finally:
            try:
                self.api.remove_container(container, force=True)
            except Exception:  # the run's own outcome (or error) is what the caller needs
                log.warning("could not remove the throwaway container %s", container, exc_info=True)
        return (int(code) if code is not None else -1,
                out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out))

    @_engine_call
    def ensure_folder(self, image: str, path: str, uid: int, gid: int) -> bool:
        """Make `path` on the engine's machine (not this one: a remote engine's folders are
        where it runs), owned by uid:gid, if it is missing; True if it was made. Done by a
        throwaway root container of `image` that sees the host's / (the only way through the
        API alone); an existing folder is left as it is."""
        script = 'd="/host$1"; [ -d "$d" ] && exit 3; mkdir -p "$d" && chown "$2" "$d"'
        container = self.api.create_container(
            image, command=["-c", script, "sh", path, f"{uid}:{gid}"], entrypoint=["sh"],
            user="0:0", network_disabled=True, labels={"org.jtui.throwaway": "1"},
            host_config=self.api.create_host_config(network_mode="none", binds=["/:/host"]))["Id"]
        try:
            self.api.start(container)
            code = self.api.wait(container, timeout=60).get("StatusCode")
            if code not in (0, 3):
                said = self.api.logs(container, stdout=True, stderr=True)
                raise EngineError(f"Could not create the folder {path} on the engine's machine: "
                                  + said.decode("utf-8", "replace").strip()[-300:])
        finally:
            try:
                self.api.remove_container(container, force=True)
            except Exception:
                log.warning("could not remove the throwaway container %s", container, exc_info=True)
        return code == 0

    # --- images from containers and Dockerfiles ----------------------------------------------
    @_engine_call
    def commit(self, container_id: str, repository: str, tag: str = "latest",
               message: str = "", changes: list[str] | None = None) -> str:
        result = self.api.commit(container_id, repository=repository, tag=tag, message=message,
                                 changes=changes)
        return str(result.get("Id", ""))

    def build(self, dockerfile: str, tag: str, files: dict[str, bytes] | None = None,
              cancel: threading.Event | None = None,
              buildargs: dict[str, str] | None = None,
              labels: dict[str, str] | None = None) -> Iterator[str | BuildResult]:
        """Build from Dockerfile text plus optional context files; yields output lines, then a
        BuildResult. A failing step raises BuildFailed naming that step; a lost engine raises
        EngineUnreachable."""
        context = _tar_context(dockerfile, files or {})
        client = self._stream_client()
        image_id = ""
        last_step = ""
        try:
            try:
                for msg in client.api.build(fileobj=context, custom_context=True, tag=tag, rm=True,
                                            forcerm=True, decode=True, buildargs=buildargs or None,
                                            labels=labels or None):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled("Build cancelled")
                    if "errorDetail" in msg or "error" in msg:
                        text = (msg.get("errorDetail") or {}).get("message") or msg.get("error")
                        raise BuildFailed(str(text), step=last_step)
                    text = msg.get("stream")
                    if text:
                        for line in str(text).splitlines():
                            if re.match(r"^Step \d+/\d+ : ", line):
                                last_step = line
                            yield line
                    aux = msg.get("aux")
                    if isinstance(aux, dict) and aux.get("ID"):
                        image_id = aux["ID"]
            except Exception as exc:
                if not is_engine_failure(exc):
                    raise
                err = translate(exc, endpoint=self.endpoint.display)
                if type(err) is EngineError:
                    raise BuildFailed(err.message, step=last_step) from exc
                raise err from exc
        finally:
            self._release(client)
        yield BuildResult(image_id=image_id, tag=tag)


def _exec_exit_code(api: Any, exec_id: str, endpoint: str) -> int:
    """The exit code of a finished exec. Its output ended: if the command still runs, the output
    was cut (the engine went away, or the connection to it broke), not finished."""
    deadline = time.monotonic() + EXEC_SETTLE
    while True:
        info = api.exec_inspect(exec_id)
        if not info.get("Running"):
            code = info.get("ExitCode")
            return int(code) if code is not None else -1
        if time.monotonic() > deadline:
            raise EngineUnreachable(f"Lost the Docker engine at {endpoint}: the command's output "
                                    "stopped while it was still running", endpoint=endpoint,
                                    reason="lost")
        time.sleep(0.05)


def api_since(since: str | int | float) -> str:
    """The API takes `since` as unix seconds with up to 9 decimals, not RFC 3339. A log line's own
    timestamp becomes "just after it", so resuming does not repeat that line."""
    if isinstance(since, (int, float)):
        return str(since)
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", since)
    if not m:
        return since
    from datetime import datetime
    base = datetime.fromisoformat(m.group(1) + ("+00:00" if m.group(3) == "Z" else m.group(3)))
    nanos = int(base.timestamp()) * 1_000_000_000 + int((m.group(2) or "0").ljust(9, "0")[:9]) + 1
    return f"{nanos // 1_000_000_000}.{nanos % 1_000_000_000:09d}"


_STAMP = re.compile(rb"^\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d) ")


def _log_line(stream: str, raw: bytes, timestamps: bool) -> LogLine:
    text = raw.decode("utf-8", "replace")
    stamp = ""
    if timestamps:
        head, sep, rest = text.partition(" ")
        if sep and head[:4].isdigit():
            stamp, text = head, rest
    return LogLine(stream=stream, text=text, timestamp=stamp)


def _tar_context(dockerfile: str, files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in {"Dockerfile": dockerfile.encode(), **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def readable_containers(raw: Any) -> list[ContainerSummary]:
    """The list call's entries as rows. An entry that cannot be read (no id, not an object) costs
    one row shown as unreadable, never the whole list; a duplicated id keeps its first row."""
    rows: list[ContainerSummary] = []
    seen: set[str] = set()
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        row = ContainerSummary.from_list(item)
        if not row.id or row.id in seen:
            row = ContainerSummary.unreadable(index)
        seen.add(row.id)
        rows.append(row)
    return rows
