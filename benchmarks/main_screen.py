"""Benchmark of the main screen against the real engine: first paint with N containers, how fast
an outside change reaches the screen, and memory while a log flood streams in (the flood as a
user meets it, in a real terminal: benchmarks/log_flood.py).

Run: .venv/bin/python benchmarks/main_screen.py [--containers 100] [--changes 20]
Prints figures; asserts nothing (the tests prove behaviour, this measures it).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.app import create_app
from tui.config import AppConfig
from tui.engine import ContainerSpec, Engine

LABEL = "org.jtui.bench"
IMAGE = "jtui-test/busybox:latest"


async def until(pilot, predicate, timeout=60.0):
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError
        await pilot.pause(0.005)
    return time.perf_counter() - start


def cleanup(engine: Engine) -> None:
    for c in engine.api.containers(all=True, filters={"label": LABEL}):
        engine.api.remove_container(c["Id"], force=True)


async def first_paint(n: int) -> float:
    app = create_app(AppConfig(resync_seconds=3600))
    start = time.perf_counter()
    async with app.run_test(size=(200, 60)) as pilot:
        await until(pilot, lambda: app.containers.row_count >= n)
        took = time.perf_counter() - start
    return took


async def change_latency(engine: Engine, rounds: int) -> list[float]:
    app = create_app(AppConfig(resync_seconds=3600))
    out: list[float] = []
    async with app.run_test(size=(200, 60)) as pilot:
        await until(pilot, lambda: app.connected and app.containers.row_count > 0)
        for i in range(rounds):
            d = engine.create_and_start(ContainerSpec(IMAGE, name=f"bench-change-{i}",
                                                      labels={LABEL: "1"}))
            created_at = time.perf_counter()
            await until(pilot, lambda d=d: d.id in app.containers.containers)
            out.append(time.perf_counter() - created_at)
            engine.remove(d.id, force=True)
            await until(pilot, lambda d=d: d.id not in app.containers.containers)
    return out


async def flood(engine: Engine, lines: int) -> tuple[float, int, int]:
    script = f"i=0; while [ $i -lt {lines} ]; do echo flood line $i with some padding text; i=$((i+1)); done; sleep 1000"
    d = engine.create_and_start(ContainerSpec(IMAGE, command=["sh", "-c", script], labels={LABEL: "1"},
                                              name="bench-flood"))
    time.sleep(3)
    app = create_app(AppConfig(resync_seconds=3600, log_tail=lines, log_max_lines=5000))
    async with app.run_test(size=(200, 60)) as pilot:
        await until(pilot, lambda: d.id in app.containers.containers)
        app.containers.move_cursor(row=app.containers.get_row_index(d.id))
        start = time.perf_counter()
        last = f"flood line {lines - 1} with some padding text"
        pane = app.log_pane
        await until(pilot, lambda: pane.lines and pane.lines[-1].text == last, timeout=300)
        took = time.perf_counter() - start
        kept = len(pane.lines)
        drawn = len(pane.log_view.visible_lines())
    return took, kept, drawn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--containers", type=int, default=100)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--flood", type=int, default=200_000)
    args = parser.parse_args()
    engine = Engine.connect()
    cleanup(engine)
    try:
        print(f"engine: {engine.info.endpoint} Docker {engine.info.version}")
        for i in range(args.containers):
            engine.api.create_container(IMAGE, name=f"bench-{i:03d}", labels={LABEL: "1"})
        total = len(engine.list_containers())
        t = time.perf_counter()
        engine.list_containers()
        list_ms = (time.perf_counter() - t) * 1000
        print(f"list call with {total} containers: {list_ms:.1f} ms")
        paints = [asyncio.run(first_paint(total)) for _ in range(3)]
        print(f"first paint with {total} containers (app start -> all rows drawn): "
              f"median {statistics.median(paints) * 1000:.0f} ms, runs {[round(p * 1000) for p in paints]}")
        lat = asyncio.run(change_latency(engine, args.changes))
        print(f"outside create+start -> row on screen over {len(lat)} changes: median "
              f"{statistics.median(lat) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        took, kept, drawn = asyncio.run(flood(engine, args.flood))
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"log flood of {args.flood:,} lines: last line drawn after {took:.1f} s "
              f"({args.flood / took:,.0f} lines/s); {kept} lines kept, {drawn} rows on screen; "
              f"process max RSS {rss_before:.0f} MB before, {rss_after:.0f} MB after")
    finally:
        cleanup(engine)
        engine.close()


if __name__ == "__main__":
    main()
