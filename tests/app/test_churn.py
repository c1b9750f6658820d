"""The live view under churn against the real engine: many containers, outside creates and
removes at a steady rate; the screen catches up with the engine soon after the churn ends, and
keys answer during it. (benchmarks/churn.py measures the same at 1,000 containers.)"""

from __future__ import annotations

import asyncio
import collections
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from textual import events

from tests.app.conftest import wait_for
from tests.rig import BUSYBOX, TEST_LABEL, unique
from tui.app import create_app

CONTAINERS = 400
RUNNING = 60
RATE = 20  # creates and removes per second
SECONDS = 10
# The screen must match the engine this soon after the churn ends (measured: 0.15-0.2 s).
CONVERGE = 2.0
# Keys during the churn, from the key to the cursor moving, polled every 20 ms. The goal is
# 150 ms; measured on the 2-core machine with dockerd busy creating containers in the same two
# cores: median 40-70 ms, max 200-430 ms, and once 1.07 s with the machine's load average at 14
# (other test sessions). Before events were batched: median 450 ms, keys waiting 3.4 s and 6 s.
# The median holds the goal; the maximum is bounded generously for a loaded CI machine.
KEY_MEDIAN = 0.15
KEY_MAX = 2.0


def _state(engine, label: str) -> dict[str, str]:
    return {c["Id"]: c["State"] for c in engine.api.containers(all=True, filters={"label": label})}


def _screen(app, run: str) -> dict[str, str]:
    table = app.containers
    return {cid: str(table.get_cell(cid, "state")) for cid, c in table.containers.items()
            if c.labels.get("org.jtui.churn") == run and cid in table._rendered}


def _churn(engine, label: str, run: str, stop: threading.Event) -> None:
    """RATE creates (every third one started) and RATE removes per second, for SECONDS."""
    victims = collections.deque(cid for cid, state in _state(engine, label).items() if state != "running")
    lock = threading.Lock()

    def create(i: int) -> None:
        c = engine.api.create_container(BUSYBOX, command=["sleep", "100000"], name=f"{run}-churn-{i:04d}",
                                        labels={TEST_LABEL: "1", "org.jtui.churn": run})
        if i % 3 == 0:
            engine.api.start(c["Id"])
        with lock:
            victims.append(c["Id"])

    def remove() -> None:
        with lock:
            cid = victims.popleft() if victims else None
        if cid:
            engine.api.remove_container(cid, force=True)

    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        futures = []
        for i in range(RATE * SECONDS):
            delay = start + i / RATE - time.monotonic()
            if delay > 0 and stop.wait(delay):
                break
            futures += [pool.submit(create, i), pool.submit(remove)]
        for f in futures:
            f.result()


async def test_the_screen_keeps_up_with_churn_and_keys_answer(engine, config):
    run = unique("churn")
    label = f"org.jtui.churn={run}"

    def populate(i: int) -> None:
        c = engine.api.create_container(BUSYBOX, command=["sleep", "100000"], name=f"{run}-{i:04d}",
                                        labels={TEST_LABEL: "1", "org.jtui.churn": run})
        if i < RUNNING:
            engine.api.start(c["Id"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(populate, range(CONTAINERS)))
    stop = threading.Event()
    app = create_app(config)
    try:
        async with app.run_test(size=(180, 50)) as pilot:
            table = app.containers
            await wait_for(pilot, lambda: len(_screen(app, run)) == CONTAINERS, timeout=30,
                           what="every container")
            table.focus()
            # A running container of this test, which the churn never removes.
            table.move_cursor(row=table.get_row_index(sorted(
                cid for cid, s in _screen(app, run).items() if s == "running")[RUNNING // 2]))
            await pilot.pause()

            churn = asyncio.create_task(asyncio.to_thread(_churn, engine, label, run, stop))
            latencies: list[float] = []
            key = "j"
            while not churn.done():
                before = table.selected_key
                pressed = time.monotonic()
                app.post_message(events.Key(key, key))  # as the terminal driver does
                await wait_for(pilot, lambda b=before: table.selected_key != b, timeout=30,
                               what=f"the answer to {key}")
                latencies.append(time.monotonic() - pressed)
                key = "k" if key == "j" else "j"
                await asyncio.wait([churn], timeout=0.3)
            await churn
            ended = time.monotonic()
            truth = _state(engine, label)
            await wait_for(pilot, lambda: _screen(app, run) == truth, timeout=30,
                           what="the screen to match the engine")
            lag = time.monotonic() - ended
            keys = [round(x * 1000) for x in latencies]
            assert max(latencies) < KEY_MAX, f"keys took (ms): {keys}"
            assert statistics.median(latencies) < KEY_MEDIAN, f"keys took (ms): {keys}"
            assert len(latencies) >= SECONDS * 2, f"keys took (ms): {keys}"  # one every 0.3 s
            assert lag < CONVERGE, f"the screen matched the engine {lag:.2f}s after the churn"
    finally:
        stop.set()
        ids = list(_state(engine, label))
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda cid: engine.api.remove_container(cid, force=True), ids))
