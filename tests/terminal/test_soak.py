"""A long session compressed into a couple of minutes, against one jtui in tmux: container churn,
a log flood followed in the logs pane, the engine lost and found again twice (the socket proxy is
cut), and terminal resizes. Afterwards the screen shows what the engine has, and jtui holds no
more memory (within 50 MB), threads or file descriptors than it did at the start.

Marked `soak`, and part of the normal run (CI included). JTUI_SOAK_SECONDS makes it longer.
"""

from __future__ import annotations

import os
import re
import threading
import time

import pytest

from tests.rig import BUSYBOX, TEST_LABEL, unique
from tests.socket_proxy import SocketProxy
from tests.terminal.conftest import ENGINE_SOCKET
from tui.engine import ContainerSpec, EngineError

SOAK_SECONDS = float(os.environ.get("JTUI_SOAK_SECONDS", "100"))
ALIVE = 14  # churned containers at most at once: with the flood one they fit on the screen
SIZES = [(200, 50), (120, 36), (160, 45), (90, 30), (200, 50)]
RSS_GROWTH_MB = 50
# Sockets of a dropped connection can stay open until Python's cycle collector frees what holds
# them (the last error shown keeps its traceback): a few, not one per container or per event.
# Until the clients shared one connection pool each (tui/engine/client.py, _OnePoolAdapter), the
# end state held 8-10 more: docker-py keeps a pool, and its idle connection, per request URL, so
# every container read (stats, inspect) after the final reconnect left a socket open. A leak would
# grow with the 170 containers churned, by far more than this.
FD_SLACK = 6
# The flood: bursts of 100,000 numbered lines, a pause, again (about 40 MB of log in all).
FLOOD = ["sh", "-c", 'for j in $(seq 1 30); do seq 1 100000 | sed "s/^/flood $j line /"; sleep 2; done; '
         "sleep 100000"]

pytestmark = pytest.mark.soak


class Churn:
    """Creates and removes labelled containers named PREFIX-cN, in a thread, until stopped."""

    def __init__(self, engine, prefix: str) -> None:
        self.engine = engine
        self.prefix = prefix
        self.alive: list[str] = []
        self.created = self.removed = self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="churn", daemon=True)

    def start(self) -> Churn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                if len(self.alive) >= ALIVE or (self.alive and n % 3 == 0):
                    victim = self.alive.pop(n % len(self.alive))
                    self.engine.remove(victim, force=True)
                    self.removed += 1
                else:
                    spec = ContainerSpec(image=BUSYBOX, name=f"{self.prefix}-c{n}",
                                         labels={TEST_LABEL: "1"})
                    if n % 4 == 0:  # some that exit at once: rows in other states too
                        spec.command = ["true"]
                    self.alive.append(self.engine.create_and_start(spec).id)
                    self.created += 1
            except EngineError:
                self.failed += 1
            self._stop.wait(0.1)


def containers_on_screen(screen: str, prefix: str) -> set[str]:
    """Names in the containers pane (the left box), not in titles or the logs pane."""
    names = set()
    pattern = re.compile(rf"{re.escape(prefix)}-(?:c\d+|flood)")
    for line in screen.splitlines():
        if not line.startswith("│"):
            continue
        cell = line[1:].split("│", 1)[0]
        names.update(pattern.findall(cell))
    return names


def engine_containers(engine, prefix: str) -> set[str]:
    return {c["Names"][0].lstrip("/") for c in engine.api.containers(all=True, filters={"name": prefix})
            if c["Names"][0].lstrip("/").startswith(prefix)}


def steady(measure, seconds: float = 4.0) -> int:
    """The lowest of several readings: transient workers (an inspect, a re-list) come and go."""
    readings = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        readings.append(measure())
        time.sleep(0.25)
    return min(readings)


def test_soak(jtui, engine, tmp_path):
    prefix = unique("jtui-soak")
    proxy = SocketProxy(str(tmp_path / "engine.sock"), upstream=ENGINE_SOCKET).start()
    flood = engine.create_and_start(ContainerSpec(image=BUSYBOX, name=f"{prefix}-flood", command=FLOOD,
                                                  labels={TEST_LABEL: "1"}))
    churn = Churn(engine, prefix)
    try:
        term = jtui("--host", proxy.url)
        term.wait_for("connected")
        term.select_by_filter(flood.name)
        term.wait_for("flood ", timeout=30)
        time.sleep(3)  # warmed up: the flood followed, the first bursts drawn
        rss0, threads0, fds0 = term.rss_mb(), steady(term.threads), steady(term.fds)
        print(f"\nstart: RSS {rss0:.1f} MB, {threads0} threads, {fds0} fds")
        targets0 = term.fd_targets()

        churn.start()
        start = time.monotonic()
        losses = [start + SOAK_SECONDS / 3, start + 2 * SOAK_SECONDS / 3]
        size_index = 0
        next_resize = start + 5
        peak = rss0
        while time.monotonic() - start < SOAK_SECONDS:
            now = time.monotonic()
            if losses and now >= losses[0]:
                losses.pop(0)
                proxy.cut()
                term.wait_for("disconnected", timeout=30)
                time.sleep(3)
                proxy.start()
                term.wait_for("● connected", timeout=40)
            if now >= next_resize:
                size_index = (size_index + 1) % len(SIZES)
                width, height = SIZES[size_index]
                term.tmux("resize-window", "-t", term.name, "-x", str(width), "-y", str(height))
                next_resize = now + 7
            assert term.running(), "jtui ended during the soak"
            peak = max(peak, term.rss_mb())
            time.sleep(0.5)
        churn.stop()
        print(f"churn: {churn.created} created, {churn.removed} removed, {churn.failed} failed; "
              f"RSS peak {peak:.1f} MB")

        # The screen equals the engine: every container of the soak, and nothing else.
        term.tmux("resize-window", "-t", term.name, "-x", "200", "-y", "50")
        term.keys("Escape")
        term.select_by_filter(prefix)
        expected = engine_containers(engine, prefix)
        assert len(expected) <= ALIVE + 1
        deadline = time.monotonic() + 10
        shown: set[str] = set()
        while time.monotonic() < deadline:
            shown = containers_on_screen(term.screen(), prefix)
            if shown == expected:
                break
            time.sleep(0.2)
        print(f"screen matches the engine {10 - (deadline - time.monotonic()):.1f} s after the churn "
              f"ended ({len(expected)} containers)")
        assert shown == expected, (f"on screen only: {sorted(shown - expected)}; "
                                   f"in the engine only: {sorted(expected - shown)}")

        # Nothing grew: freshly connected and back on the flood container, as at the start (a
        # last reconnect empties the connection pools, which churn fills up to their size).
        proxy.cut()
        term.wait_for("disconnected", timeout=30)
        proxy.start()
        term.wait_for("● connected", timeout=40)
        term.keys("Escape")
        term.select_by_filter(flood.name)
        time.sleep(3)
        rss1, threads1, fds1 = term.rss_mb(), steady(term.threads), steady(term.fds)
        print(f"end: RSS {rss1:.1f} MB, {threads1} threads, {fds1} fds")
        assert rss1 - rss0 < RSS_GROWTH_MB
        assert threads1 <= threads0, f"threads {threads0} -> {threads1}"
        assert fds1 <= fds0 + FD_SLACK, f"file descriptors {fds0} -> {fds1}: {targets0} -> {term.fd_targets()}"
        term.keys("q")
        assert term.wait_gone(5) is not None
    finally:
        churn.stop()
        proxy.stop()
        for cid in [*churn.alive, flood.id]:
            try:
                engine.remove(cid, force=True)
            except EngineError:
                pass
