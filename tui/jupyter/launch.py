"""What the user asked for (LaunchRequest), its validation in the user's words, and how it maps to
a container spec and to the equivalent `docker run` command."""

from __future__ import annotations

import os
import re
import shlex
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..engine import ContainerSpec
from .detect import JTUI_LABEL

WORK_DIR = "/home/jovyan/work"
JUPYTER_PORT = 8888
LOCAL_ADDRESS = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"
RESTART_POLICIES = ("no", "unless-stopped", "on-failure", "always")
_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Variables jtui sets itself, or that would switch the stacks into another mode.
RESERVED_ENV = {"JUPYTER_TOKEN", "JUPYTERHUB_API_TOKEN", "DOCKER_STACKS_JUPYTER_CMD"}


def host_ids() -> tuple[int, int]:
    """The uid and gid that files in the mount should belong to when "run as my user" is on."""
    return os.getuid(), os.getgid()


@dataclass
class LaunchRequest:
    image: str
    name: str
    host_port: int | None = None  # None: the engine picks a free one
    bind_address: str = LOCAL_ADDRESS
    mounts: list[tuple[str, str]] = field(default_factory=list)  # (host folder, container folder)
    environment: dict[str, str] = field(default_factory=dict)
    mode: str = "lab"  # lab | notebook
    run_as_user: bool = False
    uid: int | None = None
    gid: int | None = None
    gpu: bool = False
    restart_policy: str = "no"
    auto_remove: bool = False
    extra_ports: list[tuple[int, int]] = field(default_factory=list)  # (host, container)
    create_folders: bool = False

    @property
    def root_dir(self) -> str:
        """Where Jupyter opens: the first mounted folder, so new notebooks land on the host."""
        return self.mounts[0][1] if self.mounts else "/home/jovyan"

    def to_json(self) -> dict:
        """For the recent-launches file. Holds no token: jtui makes a new one per launch."""
        data = asdict(self)
        data["mounts"] = [list(m) for m in self.mounts]
        data["extra_ports"] = [list(p) for p in self.extra_ports]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "LaunchRequest":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["mounts"] = [tuple(m) for m in known.get("mounts", [])]
        known["extra_ports"] = [tuple(p) for p in known.get("extra_ports", [])]
        return cls(**known)


def parse_port(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError("a port is a number from 1 to 65535 (leave empty to let Docker pick)")
    return int(text)


def parse_env(text: str) -> dict[str, str]:
    """`KEY=value OTHER="two words"`: shell-like quoting, no shell."""
    env: dict[str, str] = {}
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"unbalanced quotes ({exc})") from None
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not _ENV_RE.match(key):
            raise ValueError(f"'{part}' is not KEY=value")
        if key in RESERVED_ENV:
            raise ValueError(f"{key} is set by jtui itself")
        env[key] = value
    return env


def parse_extra_ports(text: str) -> list[tuple[int, int]]:
    """`4040, 8050:8000`: a port alone publishes it on the same host port."""
    out: list[tuple[int, int]] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        host, _, container = part.partition(":")
        container = container or host
        if not (host.isdigit() and container.isdigit()) or not all(
                1 <= int(p) <= 65535 for p in (host, container)):
            raise ValueError(f"'{part}' is not PORT or HOSTPORT:CONTAINERPORT")
        out.append((int(host), int(container)))
    return out


def parse_mounts(main_folder: str, more: str) -> list[tuple[str, str]]:
    """The main folder goes to /home/jovyan/work; `more` is `HOST:TARGET; HOST2:TARGET2`."""
    mounts: list[tuple[str, str]] = []
    if main_folder.strip():
        mounts.append((os.path.expanduser(main_folder.strip()), WORK_DIR))
    for part in [p.strip() for p in more.split(";") if p.strip()]:
        host, sep, target = part.rpartition(":")
        if not sep or not host or not target.startswith("/"):
            raise ValueError(f"'{part}' is not HOSTFOLDER:/container/folder")
        mounts.append((os.path.expanduser(host), target))
    return mounts


def port_is_free(address: str, port: int) -> bool:
    """Can a program bind this port on this machine? (Only meaningful for a local engine.)"""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:
            return False
    return True


def first_free_port(address: str = LOCAL_ADDRESS, start: int = JUPYTER_PORT,
                    taken: set[int] | frozenset[int] = frozenset(), limit: int = 200) -> int | None:
    for port in range(start, min(start + limit, 65536)):
        if port not in taken and port_is_free(address, port):
            return port
    return None


def default_name(base: str, existing: set[str]) -> str:
    n = 1
    while f"{base}-{n}" in existing:
        n += 1
    return f"{base}-{n}"


def validate(request: LaunchRequest, *, existing_names: set[str], ports_in_use: set[int],
             local_engine: bool = True) -> dict[str, str]:
    """Field -> what is wrong, in the user's words (empty when the request can be launched)."""
    problems: dict[str, str] = {}
    if not request.name:
        problems["name"] = "give the container a name"
    elif not _NAME_RE.match(request.name):
        problems["name"] = "letters, digits, '_', '.' and '-' only, starting with a letter or digit"
    elif request.name in existing_names:
        problems["name"] = (f"a container named '{request.name}' exists: try "
                            f"'{default_name(request.name.rstrip('0123456789-') or request.name, existing_names)}'")
    if not request.image.strip() or " " in request.image.strip():
        problems["image"] = "an image reference such as quay.io/jupyter/scipy-notebook:latest"
    if request.host_port is not None:
        busy = request.host_port in ports_in_use or (
            local_engine and not port_is_free(request.bind_address, request.host_port))
        if busy:
            alt = first_free_port(request.bind_address, request.host_port + 1, ports_in_use) \
                if local_engine else None
            problems["port"] = f"port {request.host_port} is in use" + (f": {alt} is free" if alt else "")
    for host, target in request.mounts:
        if not os.path.isabs(host):
            problems["folder"] = f"'{host}' must be an absolute path (like /home/me/notebooks)"
        elif local_engine and not Path(host).is_dir() and not request.create_folders:
            if Path(host).exists():
                problems["folder"] = f"'{host}' is a file, not a folder"
            else:
                problems["folder"] = f"'{host}' does not exist: tick 'create missing folders' or pick another"
        if not target.startswith("/"):
            problems["folder"] = f"the container folder '{target}' must start with /"
    seen_ports = {request.host_port} if request.host_port else set()
    for host, _ in request.extra_ports:
        if host in seen_ports:
            problems["extra_ports"] = f"host port {host} is published twice"
        elif local_engine and not port_is_free(request.bind_address, host):
            problems["extra_ports"] = f"port {host} is in use"
        seen_ports.add(host)
    if request.mode not in ("lab", "notebook"):
        problems["mode"] = "Lab or Notebook"
    if request.restart_policy not in RESTART_POLICIES:
        problems["restart"] = "no, unless-stopped, on-failure or always"
    if request.auto_remove and request.restart_policy != "no":
        problems["restart"] = "a container removed on stop cannot also restart by itself"
    return problems


def container_spec(request: LaunchRequest, token: str) -> ContainerSpec:
    env = dict(request.environment)
    env["JUPYTER_TOKEN"] = token
    env["DOCKER_STACKS_JUPYTER_CMD"] = request.mode
    args = f"--ServerApp.root_dir={request.root_dir}"
    env["NOTEBOOK_ARGS"] = f"{args} {env['NOTEBOOK_ARGS']}" if env.get("NOTEBOOK_ARGS") else args
    user = None
    if request.run_as_user:
        uid, gid = (request.uid, request.gid) if request.uid is not None else host_ids()
        # The stacks honour NB_UID/NB_GID only when started as root; start.sh then drops to them.
        user = "root"
        env.update({"NB_UID": str(uid), "NB_GID": str(gid), "CHOWN_HOME": "yes"})
    ports: dict[str, tuple[str, int | None]] = {
        f"{JUPYTER_PORT}/tcp": (request.bind_address, request.host_port)}
    for host, container in request.extra_ports:
        ports[f"{container}/tcp"] = (request.bind_address, host)
    return ContainerSpec(
        image=request.image,
        name=request.name,
        environment=env,
        ports=ports,
        binds=list(request.mounts),
        labels={JTUI_LABEL: request.mode},
        user=user,
        gpu=request.gpu,
        restart_policy=request.restart_policy,
        auto_remove=request.auto_remove,
    )


def docker_run_command(request: LaunchRequest) -> str:
    """The same launch with the docker CLI, to learn from or to script. The token is generated by
    the shell, never printed."""
    spec = container_spec(request, "TOKEN")
    q = shlex.quote
    parts = ["docker run -d", f"--name {q(request.name)}"]
    for container_port, (address, host_port) in spec.ports.items():
        port = container_port.split("/")[0]
        parts.append(f"-p {address}:{host_port or ''}:{port}".replace("::", ":"))
    for host, target in request.mounts:
        parts.append(f"-v {q(f'{host}:{target}')}")
    if spec.user:
        parts.append(f"--user {spec.user}")
    for key, value in spec.environment.items():
        if key == "JUPYTER_TOKEN":
            parts.append('-e JUPYTER_TOKEN="$(python3 -c \'import secrets; print(secrets.token_hex(24))\')"')
        else:
            parts.append(f"-e {q(f'{key}={value}')}")
    if request.gpu:
        parts.append("--gpus all")
    if request.restart_policy != "no":
        parts.append(f"--restart {request.restart_policy}")
    if request.auto_remove:
        parts.append("--rm")
    parts.append(q(request.image))
    return " \\\n  ".join(parts)
