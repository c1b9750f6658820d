"""Plain dataclasses for what the engine reports.

Every field tolerates missing, null or wrongly typed data (a proxy or a "compatible" engine may
send anything): the `from_*` constructors never raise for any JSON value, they fall back to empty
values. A property test feeds them generated JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_FRACTION = re.compile(r"^(\d+)(.*)$")
_DIGITS = re.compile(r"[0-9]+")


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    """An integer from an int or a string of digits; anything else (bools included) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _labels(value: Any) -> dict[str, str]:
    """Labels and attributes: text keys, values as text; a list ("a=b") as some proxies send."""
    if isinstance(value, list):
        pairs = [str(item).partition("=") for item in value if isinstance(item, str)]
        return {k: v for k, _, v in pairs if k}
    return {k: v if isinstance(v, str) else str(v) for k, v in _dict(value).items()
            if isinstance(k, str) and v is not None}


def _parse_time(value: Any) -> datetime | None:
    """Engine timestamps are either unix seconds or RFC 3339 with nanoseconds."""
    if value in (None, "", 0, "0001-01-01T00:00:00Z") or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    # Python's fromisoformat takes at most 6 fractional digits; the engine sends 9.
    if "." in text:
        head, _, rest = text.partition(".")
        m = _FRACTION.match(rest)
        if m:
            text = f"{head}.{m.group(1)[:6]}{m.group(2)}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class EngineInfo:
    endpoint: str
    version: str
    api_version: str
    os: str = ""
    arch: str = ""
    product: str = "Docker"  # Docker, Docker Desktop or Podman
    rootless: bool = False  # the engine runs as an ordinary user: its root is that user
    gpu_runtime: bool = False  # the NVIDIA runtime is installed

    @classmethod
    def from_engine(cls, endpoint: str, version: Any, info: Any) -> EngineInfo:
        """From the engine's `version()` and `info()` replies (any JSON: what cannot be read is
        taken as plain rootful Docker). Podman names its components "Podman Engine", Conmon...;
        rootless Docker lists the `name=rootless` security option, Podman says `Rootless`;
        Docker Desktop says so in OperatingSystem."""
        version, info = _dict(version), _dict(info)
        components = {_str(_dict(c).get("Name")) for c in _list(version.get("Components"))}
        security = " ".join(_str(o) for o in _list(info.get("SecurityOptions")))
        host = _dict(info.get("host"))  # Podman's own info shape, in case a proxy passes it on
        podman = "Podman Engine" in components or "BuildahVersion" in info or "buildahVersion" in host
        if podman:
            product = "Podman"
        elif "Docker Desktop" in _str(info.get("OperatingSystem")):
            product = "Docker Desktop"
        else:
            product = "Docker"
        rootless = "name=rootless" in security or info.get("Rootless") is True \
            or _dict(host.get("security")).get("rootless") is True
        return cls(endpoint=endpoint, version=_str(version.get("Version")) or "?",
                   api_version=_str(version.get("ApiVersion")) or "?",
                   os=_str(version.get("Os")), arch=_str(version.get("Arch")), product=product,
                   rootless=bool(rootless), gpu_runtime="nvidia" in _dict(info.get("Runtimes")))

    @property
    def kind(self) -> str:
        """In a few words, for the header: "Docker 27.3.1 (rootless)"."""
        return f"{self.product} {self.version}" + (" (rootless)" if self.rootless else "")


@dataclass(frozen=True)
class PortBinding:
    container_port: int
    protocol: str = "tcp"
    host_ip: str = ""
    host_port: int | None = None

    def __str__(self) -> str:
        if self.host_port is None:
            return f"{self.container_port}/{self.protocol}"
        ip = self.host_ip if self.host_ip not in ("", "0.0.0.0", "::") else "*"
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        return f"{ip}:{self.host_port}->{self.container_port}{suffix}"


def _ports_from_list(raw: Any) -> tuple[PortBinding, ...]:
    """The list call's `Ports`: [{IP, PrivatePort, PublicPort, Type}], IPv4 and IPv6 repeated."""
    seen: dict[tuple[int, str, int | None], PortBinding] = {}
    for item in _list(raw):
        port = _int(_dict(item).get("PrivatePort"))
        if port is None:
            continue  # an entry we cannot read costs that entry, not the row
        binding = PortBinding(port, _str(item.get("Type")) or "tcp", _str(item.get("IP")),
                              _int(item.get("PublicPort")))
        key = (binding.container_port, binding.protocol, binding.host_port)
        # Keep IPv4 over the duplicate IPv6 entry the engine also lists.
        if key not in seen or ":" in seen[key].host_ip:
            seen[key] = binding
    return tuple(sorted(seen.values(), key=lambda b: (b.container_port, b.host_port or 0)))


def _ports_from_inspect(raw: Any) -> tuple[PortBinding, ...]:
    """Inspect's `NetworkSettings.Ports`: {"8888/tcp": [{HostIp, HostPort}] | null}."""
    out: list[PortBinding] = []
    for key, value in _dict(raw).items():
        number, _, proto = str(key).partition("/")
        port = _int(number)
        if port is None:
            continue
        bindings = [b for b in _list(value) if isinstance(b, dict)]
        if not bindings:
            out.append(PortBinding(port, proto or "tcp"))
            continue
        for b in bindings:
            if ":" in _str(b.get("HostIp")) and len(bindings) > 1:
                continue  # IPv6 twin of an IPv4 binding
            out.append(PortBinding(port, proto or "tcp", _str(b.get("HostIp")),
                                   _int(b.get("HostPort"))))
    return tuple(sorted(out, key=lambda b: (b.container_port, b.host_port or 0)))


@dataclass(frozen=True)
class ContainerSummary:
    """One row of the container list (one engine call for all of them)."""

    id: str
    name: str
    image: str
    image_id: str = ""
    state: str = ""
    status: str = ""
    created: datetime | None = None
    ports: tuple[PortBinding, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    command: str = ""
    # From inspect only (the list call does not say): killed for memory, and the memory limit
    # in bytes (0: none). None: not known, as for rows from the list call.
    oom_killed: bool | None = None
    memory_limit: int = 0

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def running(self) -> bool:
        return self.state == "running"

    @classmethod
    def from_list(cls, raw: Any) -> ContainerSummary:
        raw = _dict(raw)
        cid = _str(raw.get("Id"))
        names = [n for n in _list(raw.get("Names")) if isinstance(n, str) and n]
        return cls(
            id=cid,
            name=(names[0] if names else cid[:12]).lstrip("/"),
            image=_str(raw.get("Image")),
            image_id=_str(raw.get("ImageID")),
            state=_str(raw.get("State")).lower(),
            status=_str(raw.get("Status")),
            created=_parse_time(raw.get("Created")),
            ports=_ports_from_list(raw.get("Ports")),
            labels=_labels(raw.get("Labels")),
            command=_str(raw.get("Command")),
        )

    @classmethod
    def unreadable(cls, index: int) -> ContainerSummary:
        """A row for an entry of the list that could not be read: it costs one row, not the list."""
        return cls(id=f"unreadable-{index}", name=f"(unreadable entry {index})", image="",
                   state="unknown", status="the engine sent something jtui cannot read")


@dataclass(frozen=True)
class ContainerDetails:
    """What inspect adds to the summary: environment, health, exit code, mounts, tty."""

    summary: ContainerSummary
    env: dict[str, str] = field(default_factory=dict)
    health: str = ""
    exit_code: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    mounts: tuple[tuple[str, str], ...] = ()
    tty: bool = False
    user: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return self.summary.id

    @property
    def name(self) -> str:
        return self.summary.name

    @property
    def state(self) -> str:
        return self.summary.state

    @property
    def ports(self) -> tuple[PortBinding, ...]:
        return self.summary.ports

    def host_port(self, container_port: int, protocol: str = "tcp") -> PortBinding | None:
        for b in self.ports:
            if b.container_port == container_port and b.protocol == protocol and b.host_port:
                return b
        return None

    @classmethod
    def from_inspect(cls, raw: Any) -> ContainerDetails:
        raw = _dict(raw)
        config = _dict(raw.get("Config"))
        state = _dict(raw.get("State"))
        net = _dict(raw.get("NetworkSettings"))
        status = _str(state.get("Status")).lower()
        health = _str(_dict(state.get("Health")).get("Status")).lower()
        env: dict[str, str] = {}
        for item in _list(config.get("Env")):  # null for imported images
            if isinstance(item, str):
                key, _, value = item.partition("=")
                env[key] = value
        command = [*_list(config.get("Entrypoint")), *_list(config.get("Cmd"))]
        summary = ContainerSummary(
            id=_str(raw.get("Id")),
            name=_str(raw.get("Name")).lstrip("/"),
            image=_str(config.get("Image")),
            image_id=_str(raw.get("Image")),
            state=status,
            status=_status_text(status, health, state),
            created=_parse_time(raw.get("Created")),
            ports=_ports_from_inspect(net.get("Ports")),
            labels=_labels(config.get("Labels")),
            command=" ".join(str(p) for p in command),
            oom_killed=state.get("OOMKilled") is True,
            memory_limit=_int(_dict(raw.get("HostConfig")).get("Memory")) or 0,
        )
        mounts = tuple((_str(m.get("Source")) or _str(m.get("Name")), _str(m.get("Destination")))
                       for m in _list(raw.get("Mounts")) if isinstance(m, dict))
        return cls(
            summary=summary,
            env=env,
            health=health,
            exit_code=_int(state.get("ExitCode")) if status in ("exited", "dead") else None,
            started_at=_parse_time(state.get("StartedAt")),
            finished_at=_parse_time(state.get("FinishedAt")),
            mounts=mounts,
            tty=config.get("Tty") is True,
            user=_str(config.get("User")),
            error=_str(state.get("Error")),
        )


def _status_text(status: str, health: str, state: dict[str, Any]) -> str:
    """A short status like the list call's, for rows refreshed from an inspect."""
    if status == "running":
        return f"Up ({health})" if health else "Up"
    if status in ("exited", "dead"):
        code = _int(state.get("ExitCode"))
        return f"Exited ({'?' if code is None else code})"
    return status.capitalize()


@dataclass(frozen=True)
class ImageSummary:
    id: str
    tags: tuple[str, ...] = ()
    size: int = 0
    created: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    digests: tuple[str, ...] = ()

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @property
    def display_name(self) -> str:
        """The friendliest tag: one without a registry host, then the shortest."""
        if not self.tags:
            return f"<none>@{self.short_id}"
        return min(self.tags, key=lambda t: ("." in t.split("/")[0] or ":" in t.split("/")[0]
                                             if "/" in t else False, len(t), t))

    @property
    def dangling(self) -> bool:
        return not self.tags

    @classmethod
    def from_list(cls, raw: Any) -> ImageSummary:
        raw = _dict(raw)
        return cls._from(raw, labels=raw.get("Labels"))

    @classmethod
    def from_inspect(cls, raw: Any) -> ImageSummary:
        raw = _dict(raw)
        return cls._from(raw, labels=_dict(raw.get("Config")).get("Labels"))

    @classmethod
    def _from(cls, raw: dict[str, Any], labels: Any) -> ImageSummary:
        """The list call and inspect agree on every field but where the labels are."""
        return cls(
            id=_str(raw.get("Id")),
            tags=_tags(raw.get("RepoTags")),
            size=max(_int(raw.get("Size")) or 0, 0),
            created=_parse_time(raw.get("Created")),
            labels=_labels(labels),
            digests=_digests(raw.get("RepoDigests")),
        )


def _tags(value: Any) -> tuple[str, ...]:
    return tuple(t for t in _list(value) if isinstance(t, str) and t and t != "<none>:<none>")


def _digests(value: Any) -> tuple[str, ...]:
    return tuple(d for d in _list(value) if isinstance(d, str) and d and "<none>" not in d)


@dataclass(frozen=True)
class EngineEvent:
    """One message of the engine's event stream (API >= 1.52 field names only)."""

    type: str
    action: str
    actor_id: str
    attributes: dict[str, str]
    time_nano: int

    @property
    def name(self) -> str:
        return self.attributes.get("name", "")

    @property
    def base_action(self) -> str:
        # "health_status: healthy" and "exec_start: bash" carry a suffix.
        return self.action.split(":", 1)[0].strip()

    @classmethod
    def from_raw(cls, raw: Any) -> EngineEvent:
        raw = _dict(raw)
        actor = _dict(raw.get("Actor"))
        nano = _int(raw.get("timeNano")) or (_int(raw.get("time")) or 0) * 1_000_000_000
        return cls(
            type=_str(raw.get("Type")),
            action=_str(raw.get("Action")),
            actor_id=_str(actor.get("ID")),
            attributes=_labels(actor.get("Attributes")),
            time_nano=max(nano, 0),
        )


@dataclass(frozen=True)
class LogLine:
    stream: str  # "stdout" | "stderr"
    text: str
    timestamp: str = ""  # RFC 3339 from the engine, when asked for


@dataclass
class LayerProgress:
    status: str = ""
    current: int = 0
    total: int = 0  # 0 when unknown

    @property
    def done(self) -> bool:
        return self.status in ("Pull complete", "Already exists")


@dataclass
class PullProgress:
    """The state of a pull after each message: per layer and overall bytes."""

    reference: str
    layers: dict[str, LayerProgress] = field(default_factory=dict)
    status: str = ""
    finished: bool = False

    @property
    def layers_total(self) -> int:
        return len(self.layers)

    @property
    def layers_done(self) -> int:
        return sum(1 for layer in self.layers.values() if layer.done)

    @property
    def total_bytes(self) -> int:
        return sum(layer.total for layer in self.layers.values() if layer.total > 0)

    @property
    def current_bytes(self) -> int:
        total = 0
        for layer in self.layers.values():
            if layer.done:
                total += max(layer.total, 0)
            elif layer.total > 0:
                total += min(layer.current, layer.total)
        return total

    @property
    def fraction(self) -> float:
        if self.finished:
            return 1.0
        if not self.layers:
            return 0.0
        if self.total_bytes <= 0:
            return self.layers_done / self.layers_total
        return min(1.0, self.current_bytes / self.total_bytes)

    def apply(self, msg: Any) -> None:
        msg = _dict(msg)
        status = _str(msg.get("status"))
        layer_id = _str(msg.get("id"))
        detail = _dict(msg.get("progressDetail"))
        # Layer ids are 12 hex chars; other ids are the tag ("latest: Pulling from ...").
        if layer_id and len(layer_id) == 12 and all(c in "0123456789abcdef" for c in layer_id):
            layer = self.layers.setdefault(layer_id, LayerProgress())
            layer.status = status
            total = detail.get("total")
            if isinstance(total, int) and total > 0:
                # Extraction reports the same total again; keep the download total.
                if status == "Downloading" or not layer.total:
                    layer.total = total
            current = detail.get("current")
            if isinstance(current, int) and status == "Downloading":
                layer.current = current
            if status in ("Download complete", "Verifying Checksum") and layer.total:
                layer.current = layer.total
        elif status:
            self.status = status


@dataclass(frozen=True)
class ExecOutput:
    stream: str
    text: str


@dataclass(frozen=True)
class BuildResult:
    image_id: str
    tag: str
