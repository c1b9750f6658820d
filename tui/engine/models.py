"""Plain dataclasses for what the engine reports; every field tolerates missing or null data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def _parse_time(value: Any) -> datetime | None:
    """Engine timestamps are either unix seconds or RFC 3339 with nanoseconds."""
    if value in (None, "", 0, "0001-01-01T00:00:00Z"):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    text = str(value).replace("Z", "+00:00")
    # Python's fromisoformat takes at most 6 fractional digits; the engine sends 9.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(digits):]
        text = f"{head}.{digits[:6]}{tz}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class EngineInfo:
    endpoint: str
    version: str
    api_version: str
    os: str = ""
    arch: str = ""


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
    seen: dict[tuple, PortBinding] = {}
    for item in raw or []:
        if not isinstance(item, dict) or "PrivatePort" not in item:
            continue
        binding = PortBinding(int(item["PrivatePort"]), item.get("Type") or "tcp",
                              item.get("IP") or "", item.get("PublicPort"))
        key = (binding.container_port, binding.protocol, binding.host_port)
        # Keep IPv4 over the duplicate IPv6 entry the engine also lists.
        if key not in seen or ":" in seen[key].host_ip:
            seen[key] = binding
    return tuple(sorted(seen.values(), key=lambda b: (b.container_port, b.host_port or 0)))


def _ports_from_inspect(raw: Any) -> tuple[PortBinding, ...]:
    """Inspect's `NetworkSettings.Ports`: {"8888/tcp": [{HostIp, HostPort}] | null}."""
    out: list[PortBinding] = []
    for key, bindings in (raw or {}).items():
        port, _, proto = str(key).partition("/")
        if not port.isdigit():
            continue
        if not bindings:
            out.append(PortBinding(int(port), proto or "tcp"))
            continue
        for b in bindings:
            if ":" in (b.get("HostIp") or "") and len(bindings) > 1:
                continue  # IPv6 twin of an IPv4 binding
            hp = b.get("HostPort")
            out.append(PortBinding(int(port), proto or "tcp", b.get("HostIp") or "",
                                   int(hp) if hp and str(hp).isdigit() else None))
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

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def running(self) -> bool:
        return self.state == "running"

    @classmethod
    def from_list(cls, raw: dict[str, Any]) -> "ContainerSummary":
        names = raw.get("Names") or []
        name = (names[0] if names else raw.get("Id", "")[:12]).lstrip("/")
        return cls(
            id=raw.get("Id") or "",
            name=name,
            image=raw.get("Image") or "",
            image_id=raw.get("ImageID") or "",
            state=(raw.get("State") or "").lower(),
            status=raw.get("Status") or "",
            created=_parse_time(raw.get("Created")),
            ports=_ports_from_list(raw.get("Ports")),
            labels=dict(raw.get("Labels") or {}),
            command=raw.get("Command") or "",
        )


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
    def from_inspect(cls, raw: dict[str, Any]) -> "ContainerDetails":
        config = raw.get("Config") or {}
        state = raw.get("State") or {}
        net = raw.get("NetworkSettings") or {}
        status = (state.get("Status") or "").lower()
        health = ((state.get("Health") or {}).get("Status") or "").lower()
        env: dict[str, str] = {}
        for item in config.get("Env") or []:  # null for imported images
            key, _, value = str(item).partition("=")
            env[key] = value
        cmd = config.get("Cmd") or []
        entry = config.get("Entrypoint") or []
        summary = ContainerSummary(
            id=raw.get("Id") or "",
            name=(raw.get("Name") or "").lstrip("/"),
            image=config.get("Image") or "",
            image_id=raw.get("Image") or "",
            state=status,
            status=_status_text(status, health, state),
            created=_parse_time(raw.get("Created")),
            ports=_ports_from_inspect(net.get("Ports")),
            labels=dict(config.get("Labels") or {}),
            command=" ".join(str(p) for p in [*entry, *cmd]),
        )
        mounts = tuple((m.get("Source") or m.get("Name") or "", m.get("Destination") or "")
                       for m in raw.get("Mounts") or [])
        exit_code = state.get("ExitCode")
        return cls(
            summary=summary,
            env=env,
            health=health,
            exit_code=exit_code if status in ("exited", "dead") else None,
            started_at=_parse_time(state.get("StartedAt")),
            finished_at=_parse_time(state.get("FinishedAt")),
            mounts=mounts,
            tty=bool(config.get("Tty")),
            user=config.get("User") or "",
            error=state.get("Error") or "",
        )


def _status_text(status: str, health: str, state: dict[str, Any]) -> str:
    """A short status like the list call's, for rows refreshed from an inspect."""
    if status == "running":
        return f"Up ({health})" if health else "Up"
    if status in ("exited", "dead"):
        return f"Exited ({state.get('ExitCode', '?')})"
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
    def from_list(cls, raw: dict[str, Any]) -> "ImageSummary":
        tags = tuple(t for t in (raw.get("RepoTags") or []) if t and t != "<none>:<none>")
        return cls(
            id=raw.get("Id") or "",
            tags=tags,
            size=int(raw.get("Size") or 0),
            created=_parse_time(raw.get("Created")),
            labels=dict(raw.get("Labels") or {}),
            digests=tuple(d for d in (raw.get("RepoDigests") or []) if d and "<none>" not in d),
        )

    @classmethod
    def from_inspect(cls, raw: dict[str, Any]) -> "ImageSummary":
        config = raw.get("Config") or {}
        return cls(
            id=raw.get("Id") or "",
            tags=tuple(raw.get("RepoTags") or ()),
            size=int(raw.get("Size") or 0),
            created=_parse_time(raw.get("Created")),
            labels=dict(config.get("Labels") or {}),
            digests=tuple(raw.get("RepoDigests") or ()),
        )


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
    def from_raw(cls, raw: dict[str, Any]) -> "EngineEvent":
        actor = raw.get("Actor") or {}
        nano = raw.get("timeNano") or int(raw.get("time") or 0) * 1_000_000_000
        return cls(
            type=raw.get("Type") or "",
            action=raw.get("Action") or "",
            actor_id=actor.get("ID") or "",
            attributes=dict(actor.get("Attributes") or {}),
            time_nano=int(nano),
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

    def apply(self, msg: dict[str, Any]) -> None:
        status = msg.get("status") or ""
        layer_id = msg.get("id") or ""
        detail = msg.get("progressDetail") or {}
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
