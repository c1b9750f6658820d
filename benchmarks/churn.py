"""Benchmark of the live view under churn against the real engine: 1,000 containers (300 running),
then creates and removes at a steady rate while keys are pressed.

Prints: first paint with all containers, the lag between the end of the churn and the screen
matching the engine, key latency during the churn (median / p95 / max), jtui's CPU during the
churn. The churn runs in a child process (this same file with --drive), so the CPU measured here
is the app's (plus this script's light polling).

Run: .venv/bin/python benchmarks/churn.py [--containers 1000] [--running 300] [--rate 20] [--seconds 60]
Asserts nothing (the tests prove behaviour, this measures it). Removes everything it created.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events

from tui.app import create_app
from tui.config import AppConfig
from tui.engine import Engine

# Not org.jtui.test: a test session starting meanwhile would remove these mid-run.
LABEL = "org.jtui.bench.churn"
IMAGE = "jtui-test/busybox:latest"
SLEEP = ["sleep", "100000"]


def cleanup(engine: Engine) -> None:
    ids = [c["Id"] for c in engine.api.containers(all=True, filters={"label": LABEL})]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda cid: engine.api.remove_container(cid, force=True), ids))


def populate(engine: Engine, total: int, running: int) -> None:
    def make(i: int) -> None:
        c = engine.api.create_container(IMAGE, command=SLEEP, name=f"bench-{i:04d}",
                                        labels={LABEL: "base"})
        if i < running:
            engine.api.start(c["Id"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(total)))


def drive(rate: float, seconds: float, start_every: int) -> None:
    """The churn, in its own process: `rate` creates (every `start_every`-th one started, 0:
    none) and `rate` removes per second, oldest stopped containers first."""
    engine = Engine.connect()
    victims = collections.deque(
        c["Id"] for c in engine.api.containers(all=True, filters={"label": LABEL})
        if c["State"] != "running")
    lock = threading.Lock()
    done: collections.Counter[str] = collections.Counter()

    def create(i: int) -> None:
        c = engine.api.create_container(IMAGE, command=SLEEP, name=f"churn-{i:05d}",
                                        labels={LABEL: "churn"})
        if start_every and i % start_every == 0:
            engine.api.start(c["Id"])
        with lock:
            victims.append(c["Id"])
            done["created"] += 1

    def remove() -> None:
        with lock:
            cid = victims.popleft() if victims else None
        if cid:
            engine.api.remove_container(cid, force=True)
            with lock:
                done["removed"] += 1

    start = time.monotonic()
    futures = []
    with ThreadPoolExecutor(12) as pool:
        i = 0
        while time.monotonic() - start < seconds:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures += [pool.submit(create, i), pool.submit(remove)]
            i += 1
        for f in futures:
            f.result()
    took = time.monotonic() - start
    print(f"churn: {done['created']} created and {done['removed']} removed in {took:.1f} s "
          f"({done['created'] / took:.1f} creates + {done['removed'] / took:.1f} removes per second)",
          flush=True)


def engine_state(engine: Engine) -> dict[str, str]:
    return {c["Id"]: c["State"] for c in engine.api.containers(all=True, filters={"label": LABEL})}


def screen_state(app) -> dict[str, str]:
    table = app.containers
    return {cid: str(table.get_cell(cid, "state")) for cid, c in table.containers.items()
            if LABEL in c.labels and cid in table._rendered}


async def wait(predicate, timeout: float, step: float = 0.01) -> float:
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError
        await asyncio.sleep(step)
    return time.perf_counter() - start


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(engine: Engine, args: argparse.Namespace) -> None:
    expected = set(engine_state(engine))
    app = create_app(AppConfig(resync_seconds=3600))
    start = time.perf_counter()
    async with app.run_test(size=(200, 60)):
        table = app.containers
        await wait(lambda: expected <= set(table._rendered), timeout=300)
        print(f"first paint with {len(table._rendered)} containers ({len(expected)} of the benchmark): "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
        await asyncio.sleep(1)
        table.focus()
        # A running base container (running rows sort first): the churn never removes it.
        table.move_cursor(row=table.get_row_index(
            next(c.id for c in table.containers.values() if c.name == "bench-0010")))
        await asyncio.sleep(0.2)

        paints = record_paints(app)
        # The noise floor: the same keys on this machine, with no churn.
        quiet_until = time.monotonic() + args.quiet_keys
        floor, _ = await press_keys(app, paints, lambda: time.monotonic() < quiet_until)
        if floor:
            ms = sorted(x * 1000 for x in floor)
            print(f"key -> cursor drawn with no churn ({len(ms)} keys): median "
                  f"{statistics.median(ms):.0f} ms, p95 {ms[min(len(ms) - 1, int(len(ms) * 0.95))]:.0f} ms, "
                  f"max {ms[-1]:.0f} ms")

        churn = Churn(engine, args)
        churn.start()
        keys = asyncio.create_task(press_keys(app, paints, lambda: not churn.finished.is_set()))
        while not churn.finished.is_set():
            await asyncio.sleep(0.05)
        try:
            await wait(lambda: screen_state(app) == churn.truth, timeout=600, step=0.05)
            lag_text = f"{(time.monotonic() - churn.ended) * 1000:.0f} ms"
        except TimeoutError:
            lag_text = "not within 600 s"
        latencies, late = await keys
        print(churn.output)
        print(f"screen == engine ({len(churn.truth)} containers) after the churn ended: {lag_text}")
        if latencies:
            ms = sorted(x * 1000 for x in latencies)
            p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
            print(f"key -> cursor drawn during the churn ({len(ms)} keys, one every 0.5 s or when "
                  f"the last one answered): median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, "
                  f"max {ms[-1]:.0f} ms{late}")
        wall = churn.ended - churn.began
        print(f"jtui CPU during the churn: {churn.cpu:.1f} s over {wall:.1f} s "
              f"({churn.cpu / wall * 100:.0f} % of one core); machine load average (1 min) at the "
              f"end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


class Churn(threading.Thread):
    """Runs the churn process and notes, the moment it ends (from this thread: the app's event
    loop may be too busy to notice in time), the time, this process's CPU, and the engine's
    state."""

    def __init__(self, engine: Engine, args: argparse.Namespace) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.args = args
        self.finished = threading.Event()
        self.began = self.ended = self.cpu = 0.0
        self.output = ""
        self.truth: dict[str, str] = {}

    def run(self) -> None:
        args = self.args
        cpu = cpu_seconds()
        self.began = time.monotonic()
        out = subprocess.run(
            [sys.executable, __file__, "--drive", "--rate", str(args.rate), "--seconds",
             str(args.seconds), "--start-every", str(args.start_every)],
            capture_output=True, text=True, check=True).stdout
        self.ended = time.monotonic()
        self.cpu = cpu_seconds() - cpu
        self.truth = engine_state(self.engine)
        self.output = out.strip()
        self.finished.set()


def record_paints(app) -> list[float]:
    """When the screen was painted: every update the app hands to the terminal (headless here,
    so nothing is written, but the work up to that point is the same)."""
    paints: list[float] = []
    display = app._display

    def recorded(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None:
            paints.append(time.perf_counter())

    app._display = recorded
    return paints


async def press_keys(app, paints: list[float], going: Callable[[], bool]) -> tuple[list[float], str]:
    """j and k in turn while `going()`, each timed from the key to the first paint after the
    cursor moved; the last key may be answered after the churn ended (it still counts: the user
    is waiting for it)."""
    table = app.containers
    latencies: list[float] = []
    key = "j"
    while going():
        before = table.selected_key
        pressed = time.perf_counter()
        app.post_message(events.Key(key, key))
        try:
            await wait(lambda b=before: table.selected_key != b, timeout=600, step=0.002)
            moved = time.perf_counter()
            await wait(lambda m=moved: bool(paints) and paints[-1] >= m, timeout=600, step=0.002)
        except TimeoutError:
            return latencies, "; a key got no answer within 600 s"
        latencies.append(next(p for p in paints if p >= moved) - pressed)
        key = "k" if key == "j" else "j"
        rest = pressed + 0.5 - time.perf_counter()
        while rest > 0 and going():
            await asyncio.sleep(min(rest, 0.05))
            rest = pressed + 0.5 - time.perf_counter()
    return latencies, ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--containers", type=int, default=1000)
    parser.add_argument("--running", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--quiet-keys", type=float, default=10,
                        help="seconds of key presses with no churn first (the noise floor)")
    parser.add_argument("--start-every", type=int, default=0,
                        help="start every Nth created container (0: create only)")
    parser.add_argument("--drive", action="store_true", help="internal: be the churn process")
    args = parser.parse_args()
    if args.drive:
        drive(args.rate, args.seconds, args.start_every)
        return
    engine = Engine.connect()
    cleanup(engine)
    try:
        print(f"engine: {engine.info.endpoint} Docker {engine.info.version}")
        t = time.perf_counter()
        populate(engine, args.containers, args.running)
        print(f"created {args.containers} containers ({args.running} running) in "
              f"{time.perf_counter() - t:.0f} s")
        asyncio.run(run(engine, args))
    finally:
        cleanup(engine)
        engine.close()


if __name__ == "__main__":
    main()
