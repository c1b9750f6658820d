"""The launch itself, step by step: pull if missing, create + start, wait until Jupyter answers.
Also finding the URL of Jupyter containers jtui did not start. Blocking: run it in a worker."""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..engine import ContainerDetails, Engine, EngineError, PortBinding, PullProgress
from ..engine.jobs import Done, Job, JobEvent, Progress, pull_progress_text
from ..engine.tunnels import TunnelFailed
from .detect import JTUI_LABEL
from .gpu_check import GpuCheck, check_gpu
from .launch import (
    JUPYTER_PORT,
    LaunchRequest,
    container_spec,
    is_volume_name,
    run_as_box,
    server_ids,
)
from .server import (
    JupyterServer,
    NotOurServer,
    ServerNotReady,
    new_token,
    servers_from_list_json,
    token_from_logs,
    url_host,
    wait_ready,
)


class LaunchFailed(Exception):
    """The launch did not give a working server; `details` says what the container left behind."""

    def __init__(self, message: str, *, exit_code: int | None = None,
                 last_lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.last_lines = last_lines or []


@dataclass
class Pulling:
    progress: PullProgress


@dataclass
class Starting:
    image: str


@dataclass
class Started:
    container: ContainerDetails
    server: JupyterServer


@dataclass
class CheckingGpu:
    """Jupyter answers; the GPU check runs (importing PyTorch or TensorFlow takes seconds)."""


@dataclass
class Ready:
    container: ContainerDetails
    server: JupyterServer
    seconds: float
    warning: str = ""  # e.g. Jupyter cannot save into the mounted folder
    tunnel: str = ""  # the ssh command that brings a remote loopback port here, when one is needed
    gpu_check: GpuCheck | None = None  # for a GPU launch: whether the notebook's Python sees it


def tunnel_needed(engine: Engine, binding: PortBinding) -> bool:
    """A tcp:// engine on another machine that published Jupyter on its own loopback: a browser
    here cannot reach it without an ssh forward, which jtui cannot open (it knows no ssh login
    for a tcp:// engine)."""
    if engine.tunnels is not None or engine.endpoint.is_local:
        return False
    try:
        return ipaddress.ip_address(binding.host_ip or "0.0.0.0").is_loopback
    except ValueError:
        return False


def tunnel_command(engine: Engine, port: int) -> str:
    """`ssh -N -L PORT:127.0.0.1:PORT HOST`: the same port here, so the URL works as shown."""
    try:
        host = urlsplit(engine.endpoint.url).hostname or "ENGINE-HOST"
    except ValueError:
        host = "ENGINE-HOST"
    return f"ssh -N -L {port}:127.0.0.1:{port} {host}"


def answers_inside(engine: Engine, container_id: str, port: int) -> bool:
    """Whether Jupyter answers its token on its own loopback, asked from inside the container
    (for a port this machine cannot reach). The token is read from the container's environment,
    never put on a command line."""
    script = ("import os,sys,urllib.request as u\n"
              "r=u.Request('http://127.0.0.1:%s/api/status' % sys.argv[1], "
              "headers={'Authorization': 'token ' + os.environ.get('JUPYTER_TOKEN', '')})\n"
              "u.urlopen(r, timeout=2)")
    try:
        code, _ = engine.exec_capture(container_id, ["python3", "-c", script, str(port)])
    except EngineError:
        return False
    return code == 0


def launch(engine: Engine, request: LaunchRequest, cancel: threading.Event | None = None,
           ready_timeout: float = 180.0) -> Iterator[Pulling | Starting | Started | CheckingGpu | Ready]:
    cancel = cancel or threading.Event()
    if not engine.image_exists(request.image):
        for progress in engine.pull(request.image, cancel=cancel):
            yield Pulling(progress)
    if request.create_folders and not engine.endpoint.is_local:
        for host, _ in request.mounts:
            if not is_volume_name(host):
                # On the engine's machine, for the user Jupyter runs as there.
                engine.ensure_folder(request.image, host, *server_ids(request))
    elif request.create_folders:
        for host, _ in request.mounts:
            if not is_volume_name(host) and not os.path.isdir(host):
                os.makedirs(host)
                # Folders jtui creates belong to the user Jupyter will run as (matters when jtui
                # itself runs as root: a root-owned folder is not writable by the stacks' uid
                # 1000); elsewhere they are ours already.
                if os.geteuid() == 0:
                    os.chown(host, *server_ids(request))
    yield Starting(request.image)
    token = new_token()
    details = engine.create_and_start(container_spec(request, token))
    binding = details.host_port(JUPYTER_PORT)
    if binding is None or binding.host_port is None:
        _discard(engine, details.id)
        raise LaunchFailed("The engine did not publish Jupyter's port.")
    remote_loopback = tunnel_needed(engine, binding)
    try:
        if remote_loopback:
            # The URL a browser here opens once the user's own forward runs (same port).
            server = JupyterServer("127.0.0.1", binding.host_port, token, request.mode)
        else:
            server = browser_server(engine, details.id, binding, token, request.mode)
    except TunnelFailed as exc:
        _discard(engine, details.id)
        raise LaunchFailed(exc.message) from None
    yield Started(details, server)

    def still_running() -> bool:
        try:
            return engine.inspect_container(details.id).state in ("running", "created", "restarting")
        except EngineError:
            return False

    inside_port = JUPYTER_PORT
    try:
        if remote_loopback:
            # Each try is an engine call (an exec): not ten times a second.
            seconds = wait_ready(server, still_running=still_running, timeout=ready_timeout,
                                 cancelled=cancel.is_set, interval=0.5,
                                 answers=lambda: answers_inside(engine, details.id, inside_port))
        else:
            seconds = wait_ready(server, still_running=still_running, timeout=ready_timeout,
                                 cancelled=cancel.is_set)
    except (ServerNotReady, NotOurServer) as exc:
        raise _failure(engine, details.id, str(exc)) from None
    # A GPU launch whose PyTorch/TensorFlow cannot use the GPU would run on the CPU unseen.
    gpu = None
    if request.gpu:
        yield CheckingGpu()
        gpu = check_gpu(engine, details.id, request.image, how_many=len(request.gpu_devices) or None)
    yield Ready(engine.inspect_container(details.id), server, seconds,
                warning=write_check(engine, details.id, request),
                tunnel=tunnel_command(engine, binding.host_port) if remote_loopback else "",
                gpu_check=gpu)


def write_check(engine: Engine, container_id: str, request: LaunchRequest) -> str:
    """Whether the notebook server's user can save into the main mounted folder, tried from inside
    the container as that user: "" when it can (or there is no folder), else what to do."""
    if not request.mounts:
        return ""
    host, target = request.mounts[0]
    uid, gid = server_ids(request)
    probe_file = f"{target.rstrip('/')}/.jtui-write-check"
    try:
        code, _ = engine.exec_capture(container_id, ["sh", "-c", 'touch "$1" && rm -f "$1"', "sh",
                                                     probe_file], user=f"{uid}:{gid}")
    except EngineError:
        return ""  # not known; the engine's trouble is said elsewhere
    if code == 0:
        return ""
    box = run_as_box(request.uid, engine.info.rootless)
    fix = (f"launch again without '{box}'" if request.run_as_user
           else f"launch again with '{box}' ticked")
    return (f"Jupyter (uid {uid}) cannot save into {host}: notebooks you create there will fail "
            f"to save. Make the folder writable for uid {uid} (e.g. chown {uid} '{host}') or "
            f"{fix}.")


@dataclass(frozen=True)
class LaunchResult:
    request: LaunchRequest
    container_id: str
    server: JupyterServer
    seconds: float
    warning: str = ""
    tunnel: str = ""  # see Ready.tunnel
    gpu_check: GpuCheck | None = None  # see Ready.gpu_check


def launch_job(engine: Engine, request: LaunchRequest, ready_timeout: float = 180.0) -> Job:
    """The launch as a job: progress in words (with the pull's fraction), then Done whose value
    is a LaunchResult. Failures raise typed errors (LaunchFailed, EngineError, OSError)."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        for step in launch(engine, request, cancel=cancel, ready_timeout=ready_timeout):
            if isinstance(step, Pulling):
                yield Progress(pull_progress_text(step.progress), step.progress.fraction)
            elif isinstance(step, Starting):
                yield Progress(f"Starting {request.name}…")
            elif isinstance(step, Started):
                yield Progress(f"Started; waiting for Jupyter on port {step.server.port}…")
            elif isinstance(step, CheckingGpu):
                yield Progress("Jupyter answers; checking that its Python sees the GPU…")
            else:
                yield Done(f"{request.name} is ready in {step.seconds:.1f}s.",
                           LaunchResult(request, step.container.id, step.server, step.seconds,
                                        step.warning, step.tunnel, step.gpu_check))

    return run


# Which field of the launch form an engine refusal is about (by error class name: the form
# marks that field).
ERROR_FIELDS = {"PortInUse": "port", "NameInUse": "name", "BindSourceMissing": "folder",
                "TagNotFound": "image", "PullDenied": "image", "PullFailed": "image",
                "ImageNotFound": "image", "GpuUnavailable": "gpus"}


def field_of(error: BaseException | None) -> str | None:
    if isinstance(error, OSError):
        return "folder"  # creating a missing folder
    return ERROR_FIELDS.get(type(error).__name__) if error is not None else None


def _failure(engine: Engine, container_id: str, reason: str) -> LaunchFailed:
    """Collect the exit code and last log lines, then remove the failed container so the name
    and port are free for the next try."""
    exit_code = None
    lines: list[str] = []
    try:
        state = engine.inspect_container(container_id)
        exit_code = state.exit_code
        lines = [l.text for l in engine.logs(container_id, tail=20, follow=False)]
    except EngineError:
        pass
    _discard(engine, container_id)
    if exit_code is not None:
        reason = f"Jupyter exited with code {exit_code} before it answered."
    return LaunchFailed(reason, exit_code=exit_code, last_lines=lines)


def _discard(engine: Engine, container_id: str) -> None:
    try:
        engine.remove(container_id, force=True)
    except EngineError:
        pass


def browser_server(engine: Engine, container_id: str, binding: PortBinding, token: str,
                   mode: str, base_url: str = "/") -> JupyterServer:
    """The server as a browser on this machine reaches it: through an ssh forward on ssh://
    engines (raises TunnelFailed), else at the published address."""
    assert binding.host_port is not None
    if engine.tunnels is not None:
        local = engine.tunnels.open(container_id, binding.host_ip, binding.host_port)
        return JupyterServer("127.0.0.1", local, token, mode, base_url)
    return JupyterServer(url_host(engine.endpoint.url, binding.host_ip), binding.host_port, token,
                         mode, base_url)


def discover(engine: Engine, container_id: str) -> JupyterServer | None:
    """The URL of a running Jupyter container, whoever started it.
    1. jtui's own: the token is in its environment. 2. Ask the server inside
    (`jupyter server list --json` as the container's user). 3. The URL it printed in its logs.
    The container port is always mapped to the published host port."""
    details = engine.inspect_container(container_id)
    if details.state != "running":
        return None
    mode = details.summary.labels.get(JTUI_LABEL) or (
        "notebook" if details.env.get("DOCKER_STACKS_JUPYTER_CMD") == "notebook" else "lab")
    token = details.env.get("JUPYTER_TOKEN", "")
    port, base_url = int(details.env.get("JUPYTER_PORT") or JUPYTER_PORT), "/"
    if not token:
        try:
            code, out = engine.exec_capture(container_id, ["jupyter", "server", "list", "--json"],
                                            user=details.user or None,
                                            environment={"HOME": "/home/jovyan"})
        except EngineError:
            code, out = 1, ""
        servers = servers_from_list_json(out) if code == 0 else []
        if servers:
            port = int(servers[0].get("port") or port)
            token = servers[0].get("token") or ""
            base_url = servers[0].get("base_url") or "/"
        else:
            found = token_from_logs([l.text for l in engine.logs(container_id, tail=400, follow=False)])
            if found:
                port, path, token = found
    binding = details.host_port(port)
    if binding is None or binding.host_port is None or not token:
        return None
    return browser_server(engine, container_id, binding, token, mode, base_url)
