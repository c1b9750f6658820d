"""Benchmark: what one look at a Jupyter container's kernels costs (the busy-mark watch does one per
known server every 5 s; the kernels screen one every 2 s): the REST calls alone (/api/kernels +
/api/sessions), and with the memory of each kernel (the engine's `top` + one inspect), for a
container with 1 and with 8 kernels.

Run (on a private engine): scripts/private_engine.sh NAME -- .venv/bin/python benchmarks/kernels_poll.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.engine import Engine
from tui.jupyter.kernels import BusyTracker, KernelClient
from tui.jupyter.launch import LaunchRequest
from tui.jupyter.launcher import Ready, launch
from tui.ui.kernels_screen import look_at

IMAGE = "jtui-test/minimal-notebook:latest"


def _post_session(client: KernelClient, index: int) -> None:
    server = client.server
    body = json.dumps({"path": f"work/N{index}.ipynb", "type": "notebook", "name": f"N{index}.ipynb",
                       "kernel": {"name": "python3"}}).encode()
    request = urllib.request.Request(server.base + "api/sessions", method="POST", data=body, headers={
        "Authorization": f"token {server.token}", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()


def _timed(what: str, call, rounds: int) -> None:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{what:<44} median {statistics.median(times):6.1f} ms   p95 {times[int(len(times) * .95) - 1]:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    engine = Engine.connect()
    ready = [e for e in launch(engine, LaunchRequest(image=IMAGE, name="jtui-bench-kernels",
                                                     memory="2g")) if isinstance(e, Ready)][0]
    cid, server = ready.container.id, ready.server
    client = KernelClient(server)
    tracker = BusyTracker()
    try:
        for count in (1, 8):
            while len(client.kernels()) < count:
                _post_session(client, len(client.kernels()))
            time.sleep(3)
            _timed(f"{count} kernel(s): REST only (stop/remove check)",
                   lambda: look_at(engine, cid, server, tracker, datetime.now(UTC), memory=False),
                   args.rounds)
            _timed(f"{count} kernel(s): REST + top + inspect (watch)",
                   lambda: look_at(engine, cid, server, tracker, datetime.now(UTC), memory=True),
                   args.rounds)
            look = look_at(engine, cid, server, tracker, datetime.now(UTC), memory=True)
            found = sum(1 for r in look.rows if r.rss)
            print(f"   memory found for {found}/{len(look.rows)} kernels, "
                  f"{sum(r.rss or 0 for r in look.rows) / 1e6:.0f} MB in all")
    finally:
        engine.remove(cid, force=True)
        engine.close()


if __name__ == "__main__":
    main()
