"""Resource use of running containers: one-shot stats from the engine, turned into the figures the
docker CLI shows (CPU %, memory used / limit, network and block I/O), plus a short history.

Cost decides the shape. A streaming stats request keeps the engine reading the container's
cgroups every second for as long as it is open (lazydocker's streams for 50 containers cost the
engine ~10 % of a core). A one-shot request (`stream=False, one_shot=True`, API 1.41) is answered
at the engine's next collection tick (up to a second later) and costs the engine one reading. So
jtui asks, every few seconds, only for the containers the user can see, all at once in parallel
(they share the tick), and works out CPU % between its own two readings: a one-shot reply has no
`precpu_stats` to compare with.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import EngineError, NotFound, engine_failures

if TYPE_CHECKING:
    import docker

    from .client import Engine

log = logging.getLogger(__name__)

HISTORY = 60  # readings kept per container for the resources screen
PARALLEL = 2  # requests in flight at once (each reading takes ~1 s: 2 a second, above the budget of
# PER_READING in tui/ui/resource_watch.py); each keeps a pooled connection (a socket) open


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def memory_used(memory_stats: Any) -> int | None:
    """Memory in use as `docker stats` counts it: the cgroup's usage less the page cache the
    kernel can drop at once (inactive files), which would otherwise make every container that
    read a big file look full. cgroup v1 names it total_inactive_file, v2 inactive_file."""
    mem = _dict(memory_stats)
    usage = _int(mem.get("usage"))
    if usage is None:
        return None
    stats = _dict(mem.get("stats"))
    inactive = _int(stats.get("total_inactive_file"))
    if inactive is None:
        inactive = _int(stats.get("inactive_file"))
    if inactive is not None and inactive < usage:
        return usage - inactive
    return usage


def _network(raw: dict[str, Any]) -> tuple[int, int]:
    rx = tx = 0
    for iface in _dict(raw.get("networks")).values():
        rx += _int(_dict(iface).get("rx_bytes")) or 0
        tx += _int(_dict(iface).get("tx_bytes")) or 0
    return rx, tx


def _block_io(raw: dict[str, Any]) -> tuple[int, int]:
    """Bytes read and written, summed over devices (v1 says "Read", v2 "read")."""
    read = written = 0
    entries = _dict(raw.get("blkio_stats")).get("io_service_bytes_recursive")
    for entry in entries if isinstance(entries, list) else []:
        op = str(_dict(entry).get("op", "")).lower()
        value = _int(_dict(entry).get("value")) or 0
        if op == "read":
            read += value
        elif op == "write":
            written += value
    return read, written


@dataclass(frozen=True)
class StatsSample:
    """One reading of a container's counters, as the engine sent it (any JSON is accepted:
    what cannot be read is None or 0)."""

    cpu_total: int | None  # nanoseconds of CPU the container used since it started
    system_total: int | None  # nanoseconds of CPU the whole host used (all cores) since boot
    online_cpus: int
    memory_used: int | None
    memory_limit: int | None
    net_rx: int = 0
    net_tx: int = 0
    block_read: int = 0
    block_write: int = 0
    at: float = 0.0  # time.monotonic() when it was read: rates are per second of this clock

    @classmethod
    def from_raw(cls, raw: Any, at: float = 0.0, cpu_key: str = "cpu_stats") -> StatsSample:
        raw = _dict(raw)
        cpu = _dict(raw.get(cpu_key))
        usage = _dict(cpu.get("cpu_usage"))
        cpus = _int(cpu.get("online_cpus"))
        if not cpus:  # older engines: count the per-core figures
            percpu = usage.get("percpu_usage")
            cpus = len(percpu) if isinstance(percpu, list) and percpu else 1
        mem = _dict(raw.get("memory_stats"))
        rx, tx = _network(raw)
        read, written = _block_io(raw)
        return cls(cpu_total=_int(usage.get("total_usage")) or None,
                   system_total=_int(cpu.get("system_cpu_usage")) or None,
                   online_cpus=cpus, memory_used=memory_used(mem),
                   memory_limit=_int(mem.get("limit")) or None,
                   net_rx=rx, net_tx=tx, block_read=read, block_write=written, at=at)


def cpu_percent(before: StatsSample, after: StatsSample) -> float | None:
    """docker's formula: the container's share of the host's CPU time between two readings,
    times the number of cores (a container busy on both cores of two reads 200 %)."""
    if None in (before.cpu_total, after.cpu_total, before.system_total, after.system_total):
        return None
    cpu_delta = after.cpu_total - before.cpu_total  # type: ignore[operator]
    system_delta = after.system_total - before.system_total  # type: ignore[operator]
    if system_delta <= 0 or cpu_delta < 0:  # same tick twice, or the container restarted
        return None
    return cpu_delta / system_delta * after.online_cpus * 100.0


@dataclass(frozen=True)
class Usage:
    """What jtui shows of one container at one moment: CPU %, memory, and I/O per second."""

    cpu_percent: float | None
    memory_used: int | None
    memory_limit: int | None
    net_rx_rate: float | None = None  # bytes per second since the reading before
    net_tx_rate: float | None = None
    block_read_rate: float | None = None
    block_write_rate: float | None = None
    sample: StatsSample | None = None

    @property
    def memory_fraction(self) -> float | None:
        if self.memory_used is None or not self.memory_limit:
            return None
        return self.memory_used / self.memory_limit


def _rate(before: int, after: int, seconds: float) -> float | None:
    return (after - before) / seconds if seconds > 0 and after >= before else None


def usage_between(before: StatsSample | None, after: StatsSample) -> Usage:
    """The figures for `after`; CPU % and rates need the reading before it (None without)."""
    if before is None:
        return Usage(None, after.memory_used, after.memory_limit, sample=after)
    seconds = after.at - before.at
    return Usage(cpu_percent(before, after), after.memory_used, after.memory_limit,
                 _rate(before.net_rx, after.net_rx, seconds),
                 _rate(before.net_tx, after.net_tx, seconds),
                 _rate(before.block_read, after.block_read, seconds),
                 _rate(before.block_write, after.block_write, seconds), sample=after)


def usage_from_stream(raw: Any) -> Usage:
    """The figures of a full (not one-shot) reply, which carries the reading one second before
    in `precpu_stats`: exactly what `docker stats --no-stream` prints for CPU % and memory."""
    after = StatsSample.from_raw(raw)
    before = StatsSample.from_raw(raw, cpu_key="precpu_stats")
    return Usage(cpu_percent(before, after), after.memory_used, after.memory_limit, sample=after)


class StatsReader:
    """Reads the usage of several containers at once and keeps each one's recent history.

    `read(ids)` blocks (call it from a worker thread) for about a second: the engine answers
    one-shot requests at its next collection tick. Requests run in parallel on a client of their
    own (a docker-py client is a requests Session, not made for sharing with other threads'
    long calls). Containers that went away are left out of the answer."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._client: docker.DockerClient | None = None
        self._lock = threading.Lock()
        self._last: dict[str, StatsSample] = {}
        self.history: dict[str, deque[Usage]] = {}

    def _api(self) -> Any:
        with self._lock:
            if self._client is None:
                # The engine closes it with its other stream clients when it goes.
                self._client = self._engine._stream_client()
            return self._client.api

    def _read_one(self, container_id: str) -> StatsSample | None:
        api = self._api()
        try:
            with engine_failures(self._engine.endpoint.display):
                raw = api.stats(container_id, stream=False, one_shot=True)
        except NotFound:
            return None
        sample = StatsSample.from_raw(raw, at=time.monotonic())
        # A container that stopped meanwhile answers with empty counters: nothing to show.
        return sample if sample.cpu_total is not None else None

    def read(self, container_ids: Iterable[str]) -> dict[str, Usage]:
        ids = list(dict.fromkeys(container_ids))
        if not ids:
            return {}
        # Threads for this round only: a pool kept between rounds held its 8 threads (stacks,
        # malloc arenas) for good after one busy round, in an idle jtui (tests/terminal/test_soak.py
        # counts threads). Starting a thread costs ~0.1 ms; a reading takes about a second.
        with ThreadPoolExecutor(min(PARALLEL, len(ids)), thread_name_prefix="jtui-stats") as pool:
            futures = {cid: pool.submit(self._read_one, cid) for cid in ids}
            results: dict[str, StatsSample | None | EngineError] = {}
            for cid, future in futures.items():
                try:
                    results[cid] = future.result()
                except EngineError as exc:  # one container's failure must not hide the others
                    results[cid] = exc
        out: dict[str, Usage] = {}
        first_error: EngineError | None = None
        for cid, sample in results.items():
            if isinstance(sample, EngineError):
                first_error = first_error or sample
                continue
            if sample is None:
                self._forget(cid)
                continue
            with self._lock:
                usage = usage_between(self._last.get(cid), sample)
                self._last[cid] = sample
                self.history.setdefault(cid, deque(maxlen=HISTORY)).append(usage)
            out[cid] = usage
        if not out and first_error is not None:
            raise first_error  # the engine itself is failing: the caller says so
        return out

    def _forget(self, container_id: str) -> None:
        with self._lock:
            self._last.pop(container_id, None)
            self.history.pop(container_id, None)

    def keep_only(self, container_ids: Iterable[str]) -> None:
        """Drop what is known of containers not named (removed, stopped)."""
        keep = set(container_ids)
        with self._lock:
            for cid in [c for c in self._last if c not in keep]:
                self._last.pop(cid, None)
            for cid in [c for c in self.history if c not in keep]:
                self.history.pop(cid, None)

    def history_of(self, container_id: str) -> list[Usage]:
        with self._lock:
            return list(self.history.get(container_id, ()))

    def close(self) -> None:
        # A round under way ends with its requests: the client closed here fails them at once.
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            self._engine._release(client)
