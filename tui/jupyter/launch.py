"""What the user asked for (LaunchRequest), its validation in the user's words, and how it maps to
a container spec and to the equivalent `docker run` command."""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..engine import ContainerSpec, parse_reference
from ..engine.gpus import check_gpu_devices, gpus_flag
from .catalog import find_stack, gpu_tag
from .detect import HOME_LABEL, JTUI_LABEL, USER_LABEL

WORK_DIR = "/home/jovyan/work"
HOME_DIR = "/home/jovyan"
JUPYTER_PORT = 8888
LOCAL_ADDRESS = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"
RESTART_POLICIES = ("no", "unless-stopped", "on-failure", "always")
_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
_VOLUME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
_ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Variables jtui sets itself, or that would switch the stacks into another mode.
RESERVED_ENV = {"JUPYTER_TOKEN", "JUPYTERHUB_API_TOKEN", "DOCKER_STACKS_JUPYTER_CMD"}
# Who the stacks' notebook server runs as unless told otherwise: jovyan, uid 1000, group users.
STACK_UID, STACK_GID = 1000, 100


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
    read_only: list[str] = field(default_factory=list)  # container folders mounted read-only
    memory: str = ""  # a limit as docker takes it ("8g"); empty: none
    cpus: str = ""  # e.g. "2" or "1.5"; empty: all
    shm_size: str = ""  # /dev/shm ("1g"); empty: Docker's 64 MB
    keep_home: bool = False  # /home/jovyan in a named volume per launch name
    gpu_devices: tuple[str, ...] = ()  # with gpu: which GPUs ("0", "GPU-…"); empty: all

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
    def from_json(cls, data: dict) -> LaunchRequest:
        """Back from the recent-launches file. The file is ours, but may be damaged or edited by
        hand: a value of the wrong type raises ValueError or TypeError (the caller skips that
        entry) rather than reaching the form or the engine."""
        if not isinstance(data, dict):
            raise TypeError("a launch is a JSON object")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("image", "name", "bind_address", "mode", "restart_policy", "memory", "cpus",
                    "shm_size"):
            if key in known and not isinstance(known[key], str):
                raise TypeError(f"{key} must be text")
        for key in ("run_as_user", "gpu", "auto_remove", "create_folders", "keep_home"):
            if key in known and not isinstance(known[key], bool):
                raise TypeError(f"{key} must be true or false")
        for key in ("host_port", "uid", "gid"):
            if known.get(key) is not None and (type(known[key]) is not int or known[key] < 0):
                raise TypeError(f"{key} must be a number")
        env = known.get("environment", {})
        if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in env.items()):
            raise TypeError("environment must map text to text")
        known["mounts"] = _pairs(known.get("mounts", []), str)
        read_only = known.get("read_only", [])
        if not isinstance(read_only, list) or not all(isinstance(t, str) for t in read_only):
            raise TypeError("read_only must be a list of folders")
        known["extra_ports"] = _pairs(known.get("extra_ports", []), int)
        known["gpu_devices"] = check_gpu_devices(known.get("gpu_devices", []))
        return cls(**known)


def _pairs(value: object, kind: type) -> list:
    if not isinstance(value, list):
        raise TypeError("expected a list of pairs")
    out = []
    for item in value:
        if (not isinstance(item, (list, tuple)) or len(item) != 2
                or not all(type(x) is kind for x in item)):
            raise TypeError(f"expected a pair of {kind.__name__}, got {item!r}")
        out.append(tuple(item))
    return out


def _port_number(text: str) -> int | None:
    """An int from 1 to 65535 written in ASCII digits, else None ("²".isdigit() is true, too)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 5:
        return None
    port = int(text)
    return port if 1 <= port <= 65535 else None


def parse_port(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    port = _port_number(text)
    if port is None:
        raise ValueError("a port is a number from 1 to 65535 (leave empty to let Docker pick)")
    return port


def parse_env(text: str) -> dict[str, str]:
    """`KEY=value OTHER="two words"`: shell-like quoting, no shell."""
    env: dict[str, str] = {}
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"unbalanced quotes ({exc})") from None
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not _ENV_RE.fullmatch(key):
            raise ValueError(f"'{part}' is not KEY=value")
        if key in RESERVED_ENV:
            raise ValueError(f"{key} is set by jtui itself")
        env[key] = value
    return env


def format_env(env: dict[str, str]) -> str:
    """The text `parse_env` reads back into the same dict (values quoted as a shell would)."""
    return " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())


def format_extra_ports(ports: list[tuple[int, int]]) -> str:
    return ", ".join(str(h) if h == c else f"{h}:{c}" for h, c in ports)


def format_more_mounts(mounts: list[tuple[str, str]], read_only: list[str] | None = None) -> str:
    """The `more` text of `parse_mounts` for every mount but the first (the main folder)."""
    ro = set(read_only or ())
    return "; ".join(f"{host}:{target}" + (":ro" if target in ro else "")
                     for host, target in mounts[1:])


def parse_extra_ports(text: str) -> list[tuple[int, int]]:
    """`4040, 8050:8000`: a port alone publishes it on the same host port."""
    out: list[tuple[int, int]] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        host, sep, container = part.partition(":")
        host_port, container_port = _port_number(host), _port_number(container if sep else host)
        if host_port is None or container_port is None:
            raise ValueError(f"'{part}' is not PORT or HOSTPORT:CONTAINERPORT")
        out.append((host_port, container_port))
    return out


def _more_mounts(more: str) -> list[tuple[str, str, bool]]:
    """`HOST:TARGET[:ro]; VOLUME:TARGET[:ro]` as (source, target, read only)."""
    out = []
    for part in [p.strip() for p in more.split(";") if p.strip()]:
        body, read_only = part, False
        head, sep, last = part.rpartition(":")
        if sep and last in ("ro", "rw"):
            body, read_only = head, last == "ro"
        host, sep, target = body.rpartition(":")
        if not sep or not host or not target.startswith("/"):
            raise ValueError(f"'{part}' is not FOLDER:/container/folder or VOLUME:/container/folder "
                             "(add :ro for read-only)")
        out.append((host if is_volume_name(host) else os.path.expanduser(host), target, read_only))
    return out


def parse_mounts(main_folder: str, more: str) -> list[tuple[str, str]]:
    """The main folder goes to /home/jovyan/work; `more` is `HOST:TARGET; VOLUME:TARGET:ro`."""
    mounts: list[tuple[str, str]] = []
    if main_folder.strip():
        mounts.append((os.path.expanduser(main_folder.strip()), WORK_DIR))
    mounts.extend((source, target) for source, target, _ in _more_mounts(more))
    return mounts


def parse_read_only(more: str) -> list[str]:
    """The container folders of `more` marked `:ro`."""
    return [target for _, target, read_only in _more_mounts(more) if read_only]


def is_volume_name(source: str) -> bool:
    """A named volume ("condaenv"), not a host folder: no slash, not ~ or ."""
    return bool(_VOLUME_RE.fullmatch(source))


_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([bkmg]?)b?", re.IGNORECASE)


def parse_size(text: str, what: str) -> str:
    """A size as docker takes it ("512m", "8g", "1.5g"): normalised, or ValueError in words."""
    text = text.strip()
    if not text:
        return ""
    m = _SIZE_RE.fullmatch(text)
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"{what}: a size such as 512m or 8g")
    unit = (m.group(2) or "b").lower()
    if float(m.group(1)) * {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit] < 6 * 2**20:
        raise ValueError(f"{what}: at least 6m (Docker's minimum)")
    return f"{m.group(1)}{'' if unit == 'b' else unit}"


def parse_cpus(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    try:
        value = float(text)
    except ValueError:
        raise ValueError("CPUs: a number such as 2 or 1.5") from None
    if not 0.01 <= value <= 1024:  # NaN fails this too
        raise ValueError("CPUs: a number such as 2 or 1.5")
    return text


def default_shm_size(image: str) -> str:
    """PyTorch's and TensorFlow's data loaders die with Docker's 64 MB /dev/shm: 1 GB for them."""
    stack = find_stack(image)
    return "1g" if stack is not None and stack.name in ("pytorch-notebook", "tensorflow-notebook") else ""


def home_volume(name: str) -> str:
    """The named volume that keeps /home/jovyan of the launch `name` (pip --user, conda envs)."""
    return f"jtui-home-{name}"


def is_ip_address(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def port_is_free(address: str, port: int) -> bool:
    """Can a program bind this port on this machine? (Only meaningful for a local engine.)
    Only IP addresses are tried: a host name would be looked up, which can hang for many seconds."""
    if not is_ip_address(address) or not 0 < port < 65536:
        return False
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:  # in use, or no such address here
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


def launch_defaults(image: str, base_name: str, *, existing_names: set[str], ports_in_use: set[int],
                    local: bool, cwd: str, ids: tuple[int, int], rootless: bool = False) -> LaunchRequest:
    """The form's starting values: a free name, the first free port from 8888 (only a local engine
    can be probed; a remote one picks its own), the current folder at /home/jovyan/work, and
    "run as my user" when the host user is not the stacks' own uid 1000 (otherwise Jupyter, as uid
    1000, cannot save into a folder that is only the user's, root's included, or its files end up
    belonging to someone else). On a rootless engine, the container's root is the host user."""
    uid, gid = ids
    if rootless:
        # A rootless engine's root is the user who runs it: the root recipe writes as them.
        uid, gid = 0, 0
    port = first_free_port(LOCAL_ADDRESS, JUPYTER_PORT, ports_in_use) if local else None
    return LaunchRequest(image=image, name=default_name(base_name, existing_names), host_port=port,
                         # This machine's folder means nothing to a remote engine: there the
                         # user names a folder on the engine's machine (or none).
                         mounts=[(cwd, WORK_DIR)] if local else [], uid=uid, gid=gid,
                         run_as_user=local and uid != STACK_UID, shm_size=default_shm_size(image))


def image_tag(reference: str) -> str:
    """The tag of an image reference ("latest" when it names none)."""
    return parse_reference(reference).tag_or_latest


def server_ids(request: LaunchRequest) -> tuple[int, int]:
    """The uid and gid the notebook server will write files as."""
    if request.run_as_user and request.uid is not None:
        return request.uid, request.gid if request.gid is not None else request.uid
    return STACK_UID, STACK_GID


def run_as_label(uid: int | None, rootless: bool = False) -> str:
    """The form's words for "run as my user", which for root means the stacks' root recipe."""
    if uid == 0 and rootless:
        return "Run as root in the container: on this rootless engine that is you (files stay yours)"
    if uid == 0:
        return "Run as root, as you are (files in the folder stay root's)"
    return "Run as my user (files in the folder belong to you)"


def run_as_box(uid: int | None, rootless: bool = False) -> str:
    """The "run as my user" checkbox as the form names it, for messages that point at it."""
    return run_as_label(uid, rootless).split(" (")[0].split(":")[0]


def unwritable_folder(path: str, uid: int, gid: int) -> str:
    """Why a server running as uid:gid could not save into the folder `path` on this machine
    ("" when it can, or when the folder does not exist yet: it is created for that user)."""
    if uid == 0:
        return ""
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # missing, unreadable, or not a path (a NUL in it)
        return ""
    mode = st.st_mode
    if ((st.st_uid == uid and mode & 0o200) or (st.st_gid == gid and mode & 0o020)
            or mode & 0o002):
        return ""
    return (f"Jupyter will run as uid {uid} and cannot save into '{path}' (owned by uid "
            f"{st.st_uid}, mode {mode & 0o777:o})")


def launch_warnings(request: LaunchRequest, *, local_engine: bool = True,
                    rootless: bool = False) -> list[str]:
    """What the user should know before launching, though nothing stops the launch."""
    warnings: list[str] = []
    folders = [host for host, _ in request.mounts if not is_volume_name(host)]
    if rootless and folders and not request.run_as_user:
        # The stacks' uid 1000 in a rootless container is one of the engine's subordinate ids on
        # the host, never the user (even a user whose own uid is 1000): their folder is not its.
        box = run_as_box(request.uid, rootless)
        warnings.append(f"On this rootless engine the stacks' user (uid 1000 inside) is not you on "
                        f"the host and cannot save into '{folders[0]}': tick '{box}', or pick a "
                        "folder it can write to.")
    elif local_engine and not rootless:
        uid, gid = server_ids(request)
        for host, _ in request.mounts:
            why = "" if is_volume_name(host) else unwritable_folder(host, uid, gid)
            if why:
                box = run_as_box(request.uid)
                fix = f"untick '{box}'" if request.run_as_user else f"tick '{box}'"
                warnings.append(f"{why}: {fix}, or pick a folder it can write to.")
                break
    if request.bind_address == ALL_INTERFACES:
        warnings.append("Listening on all interfaces: anyone on your network who has the URL "
                        "(it carries the token) can run code here, and Docker bypasses host firewalls.")
    if request.auto_remove:
        warnings.append("Removed on stop: only files inside mounted folders survive.")
    stack = find_stack(request.image)
    if request.gpu and stack is not None:
        tag = image_tag(request.image)
        if not stack.gpu_tags:
            warnings.append(f"{stack.name} has no CUDA build: the GPU will not be used by its "
                            "libraries (pytorch-notebook and tensorflow-notebook have one).")
        elif not tag.startswith(stack.gpu_tags):
            warnings.append(f"For the GPU, {stack.name} needs a CUDA tag, e.g. "
                            f"{gpu_tag(stack, tag)} instead of {tag}.")
    return warnings


def validate(request: LaunchRequest, *, existing_names: set[str], ports_in_use: set[int],
             local_engine: bool = True) -> dict[str, str]:
    """Field -> what is wrong, in the user's words (empty when the request can be launched)."""
    problems: dict[str, str] = {}
    if not request.name:
        problems["name"] = "give the container a name"
    elif not _NAME_RE.fullmatch(request.name):  # match() would let a trailing newline in
        problems["name"] = "letters, digits, '_', '.' and '-' only, starting with a letter or digit"
    elif request.name in existing_names:
        free = default_name(request.name.rstrip("0123456789-") or request.name, existing_names)
        problems["name"] = f"a container named '{request.name}' exists: try '{free}'"
    if not request.image.strip() or any(ch.isspace() for ch in request.image.strip()):
        problems["image"] = "an image reference such as quay.io/jupyter/scipy-notebook:latest"
    if not is_ip_address(request.bind_address):
        problems["bind"] = "an IP address of this computer, such as 127.0.0.1 or 0.0.0.0"
    if request.host_port is not None and not 1 <= request.host_port <= 65535:
        problems["port"] = "a port is a number from 1 to 65535 (leave empty to let Docker pick)"
    elif request.host_port is not None:
        busy = request.host_port in ports_in_use or (
            local_engine and not port_is_free(request.bind_address, request.host_port))
        if busy:
            alt = first_free_port(request.bind_address, request.host_port + 1, ports_in_use) \
                if local_engine else None
            problems["port"] = f"port {request.host_port} is in use" + (f": {alt} is free" if alt else "")
    for index, (host, target) in enumerate(request.mounts):
        if index > 0 and is_volume_name(host):
            continue  # a named volume: the engine creates it if missing
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
    for host_port, container_port in request.extra_ports:
        if not (1 <= host_port <= 65535 and 1 <= container_port <= 65535):
            problems["extra_ports"] = f"'{host_port}:{container_port}': ports go from 1 to 65535"
        elif host_port in seen_ports:
            problems["extra_ports"] = f"host port {host_port} is published twice"
        elif local_engine and not port_is_free(request.bind_address, host_port):
            problems["extra_ports"] = f"port {host_port} is in use"
        seen_ports.add(host_port)
    for key, check in (("memory", lambda v: parse_size(v, "memory")), ("cpus", parse_cpus),
                       ("shm_size", lambda v: parse_size(v, "shared memory"))):
        try:
            check(getattr(request, key))
        except ValueError as exc:
            problems[key] = str(exc)
    if request.mode not in ("lab", "notebook"):
        problems["mode"] = "Lab or Notebook"
    try:
        check_gpu_devices(request.gpu_devices)
    except ValueError as exc:
        problems["gpus"] = str(exc)
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
    labels = {JTUI_LABEL: request.mode}
    if request.keep_home:
        labels[HOME_LABEL] = home_volume(request.name)
    if request.run_as_user:
        uid, gid = (request.uid, request.gid) if request.uid is not None else host_ids()
        # The stacks honour NB_UID/NB_GID only when started as root; start.sh then drops to them.
        user = "root"
        if uid == 0:
            # The stacks' documented root recipe: Jupyter stays root (it refuses to without
            # --allow-root), so a root-owned folder is writable and its files stay root's.
            env.update({"NB_USER": "root", "NB_UID": "0", "NB_GID": "0"})
            env["NOTEBOOK_ARGS"] += " --allow-root"
            # As root the server keeps its runtime files under /root, where the stacks'
            # healthcheck (it looks in /home/$NB_USER) and `jupyter server list` run as jovyan
            # do not look: the container showed "unhealthy" and discovery fell back to the logs.
            # A shared place both find (the stacks' own healthcheck tests use this one).
            env.setdefault("JUPYTER_RUNTIME_DIR", "/tmp/jupyter-runtime")
        else:
            env.update({"NB_UID": str(uid), "NB_GID": str(gid), "CHOWN_HOME": "yes"})
            labels[USER_LABEL] = f"{uid}:{gid}"
    ports: dict[str, tuple[str, int | None]] = {
        f"{JUPYTER_PORT}/tcp": (request.bind_address, request.host_port)}
    for host, container in request.extra_ports:
        ports[f"{container}/tcp"] = (request.bind_address, host)
    return ContainerSpec(
        image=request.image,
        name=request.name,
        environment=env,
        ports=ports,
        binds=list(request.mounts) + ([(home_volume(request.name), HOME_DIR)] if request.keep_home else []),
        read_only=list(request.read_only),
        memory=request.memory,
        cpus=request.cpus,
        shm_size=request.shm_size,
        labels=labels,
        user=user,
        gpu=request.gpu,
        gpu_devices=tuple(request.gpu_devices) if request.gpu else (),
        restart_policy=request.restart_policy,
        auto_remove=request.auto_remove,
    )


def _csv_field(text: str) -> str:
    """One field of a `--mount` value: the docker CLI reads it as CSV, so a comma or a quote in a
    path needs CSV quoting."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def docker_run_command(request: LaunchRequest) -> str:
    """The same launch with the docker CLI, to learn from or to script. The token is generated by
    the shell, never printed."""
    spec = container_spec(request, "TOKEN")
    q = shlex.quote
    parts = ["docker run -d", f"--name {q(request.name)}"]
    for container_port, (address, host_port) in spec.ports.items():
        port = container_port.split("/")[0]
        host = f"[{address}]" if ":" in address else address
        # An empty host port keeps its place: "127.0.0.1::8888" lets the engine pick one.
        published = "" if host_port is None else str(host_port)
        parts.append(f"-p {q(f'{host}:{published}:{port}')}")
    for source, target in spec.binds:
        # --mount, not -v: like the engine call jtui makes, it refuses a missing host folder
        # instead of creating it owned by root.
        kind = "type=volume" if is_volume_name(source) else "type=bind"
        fields = [kind, _csv_field(f"source={source}"), _csv_field(f"target={target}")]
        if target in spec.read_only:
            fields.append("readonly")
        parts.append(f"--mount {q(','.join(fields))}")
    for flag, value in (("--memory", spec.memory), ("--cpus", spec.cpus), ("--shm-size", spec.shm_size)):
        if value:
            parts.append(f"{flag} {q(value)}")
    if spec.user:
        parts.append(f"--user {q(spec.user)}")
    for key, value in spec.environment.items():
        if key == "JUPYTER_TOKEN":
            parts.append('-e JUPYTER_TOKEN="$(python3 -c \'import secrets; print(secrets.token_hex(24))\')"')
        else:
            parts.append(f"-e {q(f'{key}={value}')}")
    for key, value in spec.labels.items():
        # jtui recognises its own containers (and their mode) by this label.
        parts.append(f"--label {q(f'{key}={value}')}")
    if spec.gpu:
        parts.append(f"--gpus {q(gpus_flag(spec.gpu_devices))}")
    if spec.restart_policy != "no" and not spec.auto_remove:
        parts.append(f"--restart {q(spec.restart_policy)}")
    if spec.auto_remove:
        parts.append("--rm")
    parts.append(q(spec.image))
    return " \\\n  ".join(parts)
