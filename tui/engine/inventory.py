"""What the engine holds and what it costs: a container's or an image's details (secrets masked),
an image's layers, volumes, the engine's disk usage, and prunes that say what they will free.

Plain Python on the engine facade: the UI runs these calls in thread workers. The pure parts
(`container_fields`, `image_fields`, `usage_from_df`, `plan_prune`, ...) take the engine's JSON
and never raise for any JSON value, like `tui.engine.models`.
"""

from __future__ import annotations

import os
import pwd
import shlex
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import humanize
from .client import Engine
from .errors import DOCKER_FAILURES, Conflict, NotFound, engine_failures
from .gpus import gpus_flag
from .jobs import Done, Job, JobEvent, Progress
from .models import _dict, _int, _labels, _list, _parse_time, _str

# Environment variables whose names hold one of these words have their values masked: they are
# what people put credentials in (JUPYTER_TOKEN, AWS_SECRET_ACCESS_KEY, POSTGRES_PASSWORD).
SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
MASK = "••••••••"  # always the same length: the mask tells nothing about the value
JTUI_PREFIX = "org.jtui."
LAUNCH_LABEL = "org.jtui.jupyter"  # on every container jtui launches (tui.jupyter.detect.JTUI_LABEL)
DEFAULT_SHM = 64 * 1024 * 1024  # the engine's default /dev/shm: not worth a flag in a recipe


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS)


def masked(name: str, value: str) -> str:
    """The value as shown and copied: masked when its name says it is a secret (an empty value
    hides nothing, so it stays empty)."""
    return MASK if value and is_secret_name(name) else value


@dataclass(frozen=True)
class Field:
    """One row of a details view. `copy` is what `y` copies when it is not the value itself (a
    mount copies its host path, not the words around it)."""

    section: str
    name: str
    value: str
    copy: str | None = None
    secret: bool = False

    @property
    def copied(self) -> str:
        return self.value if self.copy is None else self.copy


def _when(value: Any) -> str:
    moment = _parse_time(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def _owner(path: str) -> str:
    """'1000 (alice)' for a folder on this machine; '' when it is not here."""
    try:
        uid = os.stat(path).st_uid
    except OSError:
        return ""
    try:
        return f"{uid} ({pwd.getpwuid(uid).pw_name})"
    except KeyError:
        return str(uid)


def _env_pairs(value: Any) -> list[tuple[str, str]]:
    pairs = []
    for item in _list(value):
        if isinstance(item, str):
            key, _, val = item.partition("=")
            pairs.append((key, val))
    return pairs


def _env_fields(section: str, env: list[tuple[str, str]]) -> list[Field]:
    return [Field(section, key, masked(key, val), secret=masked(key, val) != val)
            for key, val in env]


def _label_fields(section: str, labels: dict[str, str]) -> list[Field]:
    return [Field(section, key, val) for key, val in sorted(labels.items())]


def _command(parts: Any) -> str:
    items = [str(p) for p in _list(parts)]
    return shlex.join(items) if items else ""


def _ports(raw_ports: Any) -> list[Field]:
    out: list[Field] = []
    for key, bindings in sorted(_dict(raw_ports).items()):
        published = [b for b in _list(bindings) if isinstance(b, dict)]
        if not published:
            out.append(Field("Ports", str(key), "not published"))
            continue
        for b in published:
            host = f"{_str(b.get('HostIp')) or '*'}:{_str(b.get('HostPort'))}"
            out.append(Field("Ports", str(key), host))
    return out


def _mounts(raw_mounts: Any, *, local: bool,
            owner_of: Callable[[str], str] = _owner) -> list[Field]:
    out: list[Field] = []
    for m in _list(raw_mounts):
        m = _dict(m)
        kind = _str(m.get("Type")) or "bind"
        target = _str(m.get("Destination"))
        mode = "rw" if m.get("RW") is not False else "ro"
        if kind == "volume":
            source = _str(m.get("Name"))
            words = [f"volume {source}", mode]
        else:
            source = _str(m.get("Source"))
            words = [source, kind, mode]
            # The owner only means something when the folder is on this machine.
            owner = owner_of(source) if local and kind == "bind" and source else ""
            if owner:
                words.append(f"owner uid {owner}")
        out.append(Field("Mounts", target, f"{words[0]} ⇄ {target} ({', '.join(words[1:])})",
                         copy=source))
    return out


def _health(state: dict[str, Any]) -> list[Field]:
    health = _dict(state.get("Health"))
    if not health:
        return [Field("Health", "status", "no health check")]
    out = [Field("Health", "status", _str(health.get("Status")) or "?"),
           Field("Health", "failing streak", str(_int(health.get("FailingStreak")) or 0))]
    probes = [p for p in _list(health.get("Log")) if isinstance(p, dict)]
    if probes:
        last = probes[-1]
        code = _int(last.get("ExitCode"))
        out.append(Field("Health", "last probe", f"exit {'?' if code is None else code} at "
                                                 f"{_when(last.get('End')) or '?'}"))
        out.append(Field("Health", "last output", _str(last.get("Output")).strip()))
    return out


def _restart(host: dict[str, Any], raw: dict[str, Any]) -> list[Field]:
    policy = _dict(host.get("RestartPolicy"))
    name = _str(policy.get("Name")) or "no"
    retries = _int(policy.get("MaximumRetryCount")) or 0
    text = f"{name} (at most {retries} retries)" if name == "on-failure" and retries else name
    if host.get("AutoRemove") is True:
        text += ", removed when it stops"
    return [Field("Restart", "policy", text),
            Field("Restart", "restarts so far", str(_int(raw.get("RestartCount")) or 0))]


def _digest(image: dict[str, Any], reference: str) -> str:
    digests = [d for d in _list(image.get("RepoDigests")) if isinstance(d, str)]
    repo = reference.rsplit("@", 1)[0]
    if ":" in repo.rsplit("/", 1)[-1]:
        repo = repo.rsplit(":", 1)[0]
    same = [d for d in digests if d.split("@", 1)[0] == repo]
    return (same or digests or [""])[0]


def container_fields(raw: Any, image: Any = None, *, local: bool = False,
                     owner_of: Callable[[str], str] = _owner) -> list[Field]:
    """A container's inspect (and its image's, for the digest and the recipe) as rows."""
    raw, image = _dict(raw), _dict(image)
    config, host, state = _dict(raw.get("Config")), _dict(raw.get("HostConfig")), _dict(raw.get("State"))
    reference = _str(config.get("Image"))
    fields = [
        Field("Container", "name", _str(raw.get("Name")).lstrip("/")),
        Field("Container", "id", _str(raw.get("Id"))),
        Field("Container", "state", _str(state.get("Status"))
              + (f" (exit code {_int(state.get('ExitCode'))})"
                 if _str(state.get("Status")) in ("exited", "dead") else "")),
        Field("Container", "created", _when(raw.get("Created"))),
        Field("Container", "started", _when(state.get("StartedAt"))),
        Field("Container", "command", _command([*_list(config.get("Entrypoint")),
                                                *_list(config.get("Cmd"))])),
        Field("Container", "user", _str(config.get("User")) or "(the image's)"),
        Field("Container", "working dir", _str(config.get("WorkingDir")) or "(the image's)"),
        *([Field("Container", "error", _str(state.get("Error")))] if _str(state.get("Error")) else []),
        Field("Image", "image", reference),
        Field("Image", "image id", _str(raw.get("Image"))),
        Field("Image", "digest", (_digest(image, reference) or "none (built or loaded here, not pulled)")
              if image else "(image not on the engine)"),
    ]
    fields += _restart(host, raw)
    fields += _health(state)
    fields += _ports(_dict(raw.get("NetworkSettings")).get("Ports")) or [Field("Ports", "ports", "none")]
    fields += (_mounts(raw.get("Mounts"), local=local, owner_of=owner_of)
               or [Field("Mounts", "mounts", "none")])
    fields += _env_fields("Environment", _env_pairs(config.get("Env")))
    fields += _label_fields("Labels", _labels(config.get("Labels")))
    fields += launch_fields(raw, image)
    return fields


def launch_fields(raw: Any, image: Any = None) -> list[Field]:
    """For containers jtui launched (label org.jtui.jupyter): its org.jtui.* labels and the `docker run` that
    makes the same container again. Secrets are passed as `-e NAME`, which docker reads from the
    caller's environment: the recipe can be copied and run without ever holding a secret."""
    raw, image = _dict(raw), _dict(image)
    config = _dict(raw.get("Config"))
    labels = _labels(config.get("Labels"))
    if LAUNCH_LABEL not in labels:
        return []
    ours = {k: v for k, v in labels.items() if k.startswith(JTUI_PREFIX)}
    fields = [Field("Launched by jtui", k.removeprefix(JTUI_PREFIX), v) for k, v in sorted(ours.items())]
    fields.append(Field("Launched by jtui", "docker run", docker_run_recipe(raw, image)))
    return fields


def docker_run_recipe(raw: Any, image: Any = None) -> str:
    """The docker CLI command for this container, from what inspect says (only what differs from
    the image's own settings)."""
    raw, image = _dict(raw), _dict(image)
    config, host = _dict(raw.get("Config")), _dict(raw.get("HostConfig"))
    image_config = _dict(image.get("Config"))
    q = shlex.quote
    parts = ["docker run -d"]
    name = _str(raw.get("Name")).lstrip("/")
    if name:
        parts.append(f"--name {q(name)}")
    for port, bindings in sorted(_dict(host.get("PortBindings")).items()):
        for b in _list(bindings):
            b = _dict(b)
            address = _str(b.get("HostIp"))
            address = f"[{address}]" if ":" in address else address
            published = f"{address}:{_str(b.get('HostPort'))}:{str(port).removesuffix('/tcp')}"
            parts.append(f"-p {q(published)}")
    for m in _list(raw.get("Mounts")):
        m = _dict(m)
        kind = _str(m.get("Type")) or "bind"
        source = _str(m.get("Name")) if kind == "volume" else _str(m.get("Source"))
        spec = f"type={kind},source={source},target={_str(m.get('Destination'))}"
        parts.append(f"--mount {q(spec + (',readonly' if m.get('RW') is False else ''))}")
    for flag, value in (("--memory", _int(host.get("Memory"))),
                        ("--shm-size", _int(host.get("ShmSize")))):
        if value and not (flag == "--shm-size" and value == DEFAULT_SHM):
            parts.append(f"{flag} {value}b")
    cpus = _int(host.get("NanoCpus"))
    if cpus:
        parts.append(f"--cpus {cpus / 1e9:g}")
    user = _str(config.get("User"))
    if user and user != _str(image_config.get("User")):
        parts.append(f"--user {q(user)}")
    image_env = set(_env_pairs(image_config.get("Env")))
    for key, val in _env_pairs(config.get("Env")):
        if (key, val) in image_env:
            continue
        parts.append(f"-e {q(key)}" if is_secret_name(key) else f"-e {q(f'{key}={val}')}")
    image_labels = _labels(image_config.get("Labels"))
    for key, val in sorted(_labels(config.get("Labels")).items()):
        if image_labels.get(key) != val:
            parts.append(f"--label {q(f'{key}={val}')}")
    for request in _list(host.get("DeviceRequests")):
        request = _dict(request)
        devices = [_str(d) for d in _list(request.get("DeviceIDs"))]
        count = _int(request.get("Count")) or 0
        # --gpus all is Count -1; --gpus 2 is Count 2; --gpus '"device=0,1"' names them.
        parts.append(f"--gpus {q(str(count) if count > 0 and not devices else gpus_flag(devices))}")
    restart = _str(_dict(host.get("RestartPolicy")).get("Name"))
    if restart and restart != "no":
        parts.append(f"--restart {q(restart)}")
    if host.get("AutoRemove") is True:
        parts.append("--rm")
    parts.append(q(_str(config.get("Image"))))
    cmd = _list(config.get("Cmd"))
    if cmd and cmd != _list(image_config.get("Cmd")):
        parts.append(shlex.join(str(c) for c in cmd))
    return " ".join(parts)


# --- images -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layer:
    """One entry of an image's history, newest first as the engine lists them."""

    created: datetime | None
    created_by: str
    size: int
    comment: str = ""


def layer_command(created_by: str) -> str:
    """The Dockerfile instruction behind a layer, as `docker history` shows it."""
    text = created_by.strip()
    if text.startswith("/bin/sh -c #(nop)"):
        return text.removeprefix("/bin/sh -c #(nop)").strip()
    if text.startswith("/bin/sh -c "):
        return "RUN " + text.removeprefix("/bin/sh -c ")
    return text


def layers_from_history(raw: Any) -> list[Layer]:
    return [Layer(created=_parse_time(item.get("Created")), created_by=_str(item.get("CreatedBy")),
                  size=max(_int(item.get("Size")) or 0, 0), comment=_str(item.get("Comment")))
            for item in map(_dict, _list(raw)) if item]


def image_fields(raw: Any, history: Any, *, now: datetime | None = None) -> list[Field]:
    """An image's inspect and history as rows: what it is, how it starts, then one row per layer
    (size and age in the name, the command as the value)."""
    raw = _dict(raw)
    config = _dict(raw.get("Config"))
    fields = [Field("Image", "id", _str(raw.get("Id")))]
    fields += [Field("Image", "tag", t) for t in _list(raw.get("RepoTags")) if isinstance(t, str)]
    fields += [Field("Image", "digest", d) for d in _list(raw.get("RepoDigests")) if isinstance(d, str)]
    fields += [
        Field("Image", "size", humanize.size(max(_int(raw.get("Size")) or 0, 0))),
        Field("Image", "created", _when(raw.get("Created"))),
        Field("Image", "platform", "/".join(p for p in (_str(raw.get("Os")),
                                                         _str(raw.get("Architecture"))) if p)),
        Field("Image", "user", _str(config.get("User")) or "root"),
        Field("Image", "entrypoint", _command(config.get("Entrypoint"))),
        Field("Image", "command", _command(config.get("Cmd"))),
        Field("Image", "working dir", _str(config.get("WorkingDir"))),
        Field("Image", "ports", ", ".join(sorted(_dict(config.get("ExposedPorts")))) or "none"),
    ]
    fields += _env_fields("Environment", _env_pairs(config.get("Env")))
    fields += _label_fields("Labels", _labels(config.get("Labels")))
    layers = layers_from_history(history)
    total = len(layers)
    for i, layer in enumerate(layers):
        age = humanize.age(layer.created, now) if layer.created else "?"
        fields.append(Field(f"Layers ({total}, newest first)",
                            f"{total - i:>3} {humanize.size(layer.size):>7} {age:>4}",
                            layer_command(layer.created_by) or "(no command: imported)",
                            copy=layer.created_by))
    return fields


# --- calls ------------------------------------------------------------------------------------
def container_details(engine: Engine, container_id: str) -> list[Field]:
    with engine_failures(engine.endpoint.display):
        raw = engine.api.inspect_container(container_id)
    image: Any = None
    try:
        with engine_failures(engine.endpoint.display):
            image = engine.api.inspect_image(_str(_dict(raw).get("Image")))
    except NotFound:  # the image went (`rmi -f`): the container's own details remain
        pass
    return container_fields(raw, image, local=engine.endpoint.is_local)


def image_details(engine: Engine, reference: str, now: datetime | None = None) -> list[Field]:
    with engine_failures(engine.endpoint.display, image=reference):
        raw = engine.api.inspect_image(reference)
        history = engine.api.history(reference)
    return image_fields(raw, history, now=now)


def image_history(engine: Engine, reference: str) -> list[Layer]:
    with engine_failures(engine.endpoint.display, image=reference):
        return layers_from_history(engine.api.history(reference))


# --- volumes ----------------------------------------------------------------------------------
class VolumeInUse(Conflict):
    def __init__(self, message: str, *, volume: str = "", users: tuple[str, ...] = ()) -> None:
        self.volume = volume
        self.users = users
        super().__init__(message, hint="Remove (or stop and remove) the container(s) using it first.")


@dataclass(frozen=True)
class VolumeInfo:
    name: str
    driver: str = "local"
    size: int | None = None  # None: the engine did not measure it (not a local volume)
    created: datetime | None = None
    users: tuple[str, ...] = ()  # names of the containers (running or not) that mount it
    mountpoint: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def in_use(self) -> bool:
        return bool(self.users)


def volume_users(containers: Any) -> dict[str, list[str]]:
    """Volume name -> the containers that mount it, from the list call (one call for all)."""
    users: dict[str, list[str]] = {}
    for c in map(_dict, _list(containers)):
        names = [n for n in _list(c.get("Names")) if isinstance(n, str)]
        name = (names[0] if names else _str(c.get("Id"))[:12]).lstrip("/")
        for m in map(_dict, _list(c.get("Mounts"))):
            if _str(m.get("Type")) == "volume" and _str(m.get("Name")):
                users.setdefault(_str(m.get("Name")), []).append(name)
    return users


def volumes_from(df: Any, containers: Any) -> list[VolumeInfo]:
    users = volume_users(containers)
    out = []
    for v in map(_dict, _list(_dict(df).get("Volumes"))):
        name = _str(v.get("Name"))
        if not name:
            continue
        size = _int(_dict(v.get("UsageData")).get("Size"))
        out.append(VolumeInfo(name=name, driver=_str(v.get("Driver")) or "local",
                              size=size if size is not None and size >= 0 else None,
                              created=_parse_time(v.get("CreatedAt")),
                              users=tuple(sorted(users.get(name, []))),
                              mountpoint=_str(v.get("Mountpoint")), labels=_labels(v.get("Labels"))))
    return sorted(out, key=lambda v: v.name)


def list_volumes(engine: Engine) -> list[VolumeInfo]:
    with engine_failures(engine.endpoint.display):
        return volumes_from(engine.api.df(), engine.api.containers(all=True))


def volume_fields(volume: VolumeInfo) -> list[Field]:
    fields = [Field("Volume", "name", volume.name), Field("Volume", "driver", volume.driver),
              Field("Volume", "size", humanize.size(volume.size) if volume.size is not None else "unknown"),
              Field("Volume", "created", volume.created.strftime("%Y-%m-%d %H:%M:%S UTC")
                    if volume.created else ""),
              Field("Volume", "mountpoint", volume.mountpoint),
              Field("Volume", "in use by", ", ".join(volume.users) or "no container")]
    return fields + _label_fields("Labels", volume.labels)


def create_volume(engine: Engine, name: str, labels: dict[str, str] | None = None) -> str:
    with engine_failures(engine.endpoint.display):
        return _str(_dict(engine.api.create_volume(name=name or None, labels=labels or None)).get("Name"))


def remove_volume(engine: Engine, name: str) -> None:
    """Remove a volume; one that a container mounts is refused, naming the containers."""
    with engine_failures(engine.endpoint.display):
        users = tuple(volume_users(engine.api.containers(all=True, filters={"volume": name})).get(name, []))
    if users:
        raise VolumeInUse(f"The volume {name} is in use by {', '.join(users)}.", volume=name, users=users)
    try:
        with engine_failures(engine.endpoint.display):
            engine.api.remove_volume(name)
    except Conflict as exc:  # a container took it between the check and the removal
        raise VolumeInUse(f"The volume {name} is in use. Engine: {exc.message}", volume=name) from exc


# --- disk usage and prunes --------------------------------------------------------------------
PRUNE_KINDS = ("containers", "images", "build-cache", "volumes")
STOPPED = ("exited", "created", "dead")  # what the engine's container prune removes


@dataclass(frozen=True)
class UsageRow:
    kind: str  # Images, Containers, Local volumes, Build cache
    count: int
    active: int
    size: int
    reclaimable: int


@dataclass(frozen=True)
class PrunePlan:
    """What a prune would remove and free, computed from the engine's disk usage before it runs."""

    kind: str
    title: str
    items: tuple[str, ...]
    frees: int
    exact: bool = True  # False: an upper bound (layers shared with kept images stay)
    note: str = ""

    @property
    def frees_text(self) -> str:
        return ("up to " if not self.exact else "") + humanize.size(self.frees)


@dataclass(frozen=True)
class DiskUsage:
    rows: tuple[UsageRow, ...]
    plans: dict[str, PrunePlan]

    @property
    def reclaimable(self) -> int:
        return sum(r.reclaimable for r in self.rows)


def _image_name(img: dict[str, Any]) -> str:
    tags = [t for t in _list(img.get("RepoTags")) if isinstance(t, str) and t != "<none>:<none>"]
    return tags[0] if tags else f"<none>@{_str(img.get('Id')).removeprefix('sha256:')[:12]}"


def usage_from_df(df: Any) -> DiskUsage:
    """The engine's `df` as `docker system df` shows it, and the four prune plans."""
    df = _dict(df)
    images = [i for i in map(_dict, _list(df.get("Images"))) if i]
    containers = [c for c in map(_dict, _list(df.get("Containers"))) if c]
    volumes = [v for v in map(_dict, _list(df.get("Volumes"))) if v]
    cache = [b for b in map(_dict, _list(df.get("BuildCache"))) if b]

    def used_by_containers(img: dict[str, Any]) -> bool:
        return (_int(img.get("Containers")) or 0) > 0

    layers = max(_int(df.get("LayersSize")) or 0, 0)
    used = sum(max((_int(i.get("Size")) or 0) - max(_int(i.get("SharedSize")) or 0, 0), 0)
               for i in images if used_by_containers(i))
    unused = [i for i in images if not used_by_containers(i)]
    image_free = max(layers - used, 0) if unused else 0
    # Layers unique to unused images are freed for sure; layers they share may stay with images
    # kept: then the figure (docker's own "reclaimable") is an upper bound.
    sure = sum(max((_int(i.get("Size")) or 0) - max(_int(i.get("SharedSize")) or 0, 0), 0) for i in unused)

    def rw(c: dict[str, Any]) -> int:
        return max(_int(c.get("SizeRw")) or 0, 0)

    stopped = [c for c in containers if _str(c.get("State")) in STOPPED]

    def vsize(v: dict[str, Any]) -> int:
        return max(_int(_dict(v.get("UsageData")).get("Size")) or 0, 0)

    def refs(v: dict[str, Any]) -> int:
        return _int(_dict(v.get("UsageData")).get("RefCount")) or 0

    def vtext(v: dict[str, Any]) -> str:
        size = _int(_dict(v.get("UsageData")).get("Size"))
        return humanize.size(size) if size is not None and size >= 0 else "size unknown"

    idle_volumes = [v for v in volumes if refs(v) == 0]
    unmeasured = sum(1 for v in idle_volumes if vtext(v) == "size unknown")
    own_cache = [b for b in cache if b.get("Shared") is not True]
    idle_cache = [b for b in own_cache if b.get("InUse") is not True]

    def size_of(b: dict[str, Any]) -> int:
        return max(_int(b.get("Size")) or 0, 0)

    rows = (
        UsageRow("Images", len(images), len(images) - len(unused), layers, image_free),
        UsageRow("Containers", len(containers),
                 sum(1 for c in containers if _str(c.get("State")) == "running"),
                 sum(rw(c) for c in containers), sum(rw(c) for c in stopped)),
        UsageRow("Local volumes", len(volumes), len(volumes) - len(idle_volumes),
                 sum(vsize(v) for v in volumes), sum(vsize(v) for v in idle_volumes)),
        UsageRow("Build cache", len(cache), sum(1 for b in cache if b.get("InUse") is True),
                 sum(size_of(b) for b in own_cache), sum(size_of(b) for b in idle_cache)),
    )

    def cname(c: dict[str, Any]) -> str:
        names = [n for n in _list(c.get("Names")) if isinstance(n, str)]
        return (names[0] if names else _str(c.get("Id"))[:12]).lstrip("/")

    # The biggest first: the question names what frees the most.
    stopped.sort(key=rw, reverse=True)
    unused.sort(key=lambda i: _int(i.get("Size")) or 0, reverse=True)
    idle_volumes.sort(key=lambda v: (-vsize(v), _str(v.get("Name"))))
    idle_cache.sort(key=size_of, reverse=True)
    plans = {
        "containers": PrunePlan("containers", "Stopped containers",
                                tuple(f"{cname(c)} ({humanize.size(rw(c))})" for c in stopped),
                                sum(rw(c) for c in stopped),
                                note="Their anonymous volumes stay (prune volumes for those)."),
        "images": PrunePlan("images", "Unused images (not only dangling)",
                            tuple(f"{_image_name(i)} ({humanize.size(_int(i.get('Size')) or 0)})"
                                  for i in unused),
                            image_free, exact=len(unused) == len(images) or image_free == sure,
                            note="Images used by any container, stopped ones too, stay; layers "
                                 "shared with them stay as well."),
        "build-cache": PrunePlan("build-cache", "Build cache",
                                 tuple(f"{_str(b.get('Type')) or 'cache'} {_str(b.get('ID'))[:12]} "
                                       f"({humanize.size(size_of(b))})" for b in idle_cache),
                                 sum(size_of(b) for b in idle_cache)),
        "volumes": PrunePlan("volumes", "Unused volumes",
                             tuple(f"{_str(v.get('Name'))} ({vtext(v)})" for v in idle_volumes),
                             sum(vsize(v) for v in idle_volumes), exact=unmeasured == 0,
                             note="Their data is deleted for good."
                                  + (f" {unmeasured} of them have no size from the engine."
                                     if unmeasured else "")),
    }
    return DiskUsage(rows, plans)


def chain_layers(inspect: Any, history: Any) -> list[tuple[str, int]] | None:
    """(layer key, bytes) for each layer of an image, oldest first. A layer is the same layer in
    two images when everything under it is too (docker's chain id), so the key is the path of
    diff ids up to it. The sizes come from the history, whose entries with bytes are the layers
    in order; None when they do not line up (a layer of 0 bytes makes it ambiguous)."""
    diff_ids = [d for d in _list(_dict(_dict(inspect).get("RootFS")).get("Layers")) if isinstance(d, str)]
    sizes = [layer.size for layer in reversed(layers_from_history(history)) if layer.size > 0]
    if not diff_ids or len(sizes) != len(diff_ids):
        return None
    out, path = [], ""
    for diff_id, size in zip(diff_ids, sizes, strict=True):
        path += "/" + diff_id
        out.append((path, size))
    return out


def image_prune_bytes(layers: dict[str, list[tuple[str, int]]], used: set[str]) -> int:
    """What removing every image not in `used` frees: the bytes of the layers no kept image has."""
    kept = {key for image, chain in layers.items() if image in used for key, _ in chain}
    gone = {key: size for image, chain in layers.items() if image not in used
            for key, size in chain if key not in kept}
    return sum(gone.values())


def _exact_images(engine: Engine, df: Any, usage: DiskUsage) -> DiskUsage:
    """The images prune's figure from the layers themselves (two calls per image), in place of
    docker's upper bound; the usage unchanged when an image's layers cannot be told apart."""
    plan = usage.plans["images"]
    if plan.exact:
        return usage
    layers: dict[str, list[tuple[str, int]]] = {}
    used: set[str] = set()
    for img in map(_dict, _list(_dict(df).get("Images"))):
        image_id = _str(img.get("Id"))
        if not image_id:
            return usage
        try:
            chain = chain_layers(engine.api.inspect_image(image_id), engine.api.history(image_id))
        except DOCKER_FAILURES:  # removed meanwhile, or an engine without history: keep the bound
            return usage
        if chain is None:
            return usage
        layers[image_id] = chain
        if (_int(img.get("Containers")) or 0) > 0:
            used.add(image_id)
    frees = image_prune_bytes(layers, used)
    rows = tuple(UsageRow(r.kind, r.count, r.active, r.size, frees) if r.kind == "Images" else r
                 for r in usage.rows)
    plans = {**usage.plans, "images": PrunePlan(plan.kind, plan.title, plan.items, frees,
                                                exact=True, note=plan.note)}
    return DiskUsage(rows, plans)


def disk_usage(engine: Engine, *, exact_images: bool = True) -> DiskUsage:
    """The engine's disk usage and prune plans. With `exact_images`, what the images prune frees
    is counted layer by layer when unused images share layers with kept ones (two more calls per
    image) instead of docker's upper bound."""
    with engine_failures(engine.endpoint.display):
        df = engine.api.df()
        usage = usage_from_df(df)
        return _exact_images(engine, df, usage) if exact_images else usage


def _api_at_least(version: str, wanted: tuple[int, int]) -> bool:
    try:
        major, minor = (int(p) for p in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= wanted


@dataclass(frozen=True)
class PruneResult:
    kind: str
    count: int
    freed: int


def prune(engine: Engine, kind: str) -> PruneResult:
    """Run one prune; the engine says how much it freed."""
    with engine_failures(engine.endpoint.display):
        if kind == "containers":
            result = _dict(engine.api.prune_containers())
            count = len(_list(result.get("ContainersDeleted")))
        elif kind == "images":
            # dangling=false: every image no container uses, as `docker image prune -a`.
            result = _dict(engine.api.prune_images(filters={"dangling": False}))
            count = sum(1 for e in map(_dict, _list(result.get("ImagesDeleted"))) if e.get("Deleted"))
        elif kind == "build-cache":
            result = _dict(engine.api.prune_builds(all=True))
            count = len(_list(result.get("CachesDeleted")))
        elif kind == "volumes":
            # Since API 1.42 a prune removes only anonymous volumes unless asked for all; older
            # engines remove all unused ones and refuse the filter.
            filters = {"all": True} if _api_at_least(engine.info.api_version, (1, 42)) else None
            result = _dict(engine.api.prune_volumes(filters=filters))
            count = len(_list(result.get("VolumesDeleted")))
        else:
            raise ValueError(f"unknown prune {kind}")
    return PruneResult(kind, count, max(_int(result.get("SpaceReclaimed")) or 0, 0))


def prune_job(engine: Engine, plan: PrunePlan) -> Job:
    """A prune as a job: Done says what was freed beside what was said it would free."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        yield Progress(f"Pruning {plan.title.lower()}…")
        result = prune(engine, plan.kind)
        yield Done(f"{plan.title}: removed {result.count}, freed {humanize.size(result.freed)} "
                   f"(expected {plan.frees_text}).", result)

    return run
