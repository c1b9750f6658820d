"""Benchmark of the inventory calls against the real engine: how long the volumes pane, the disk
screen and the details screen wait for the engine, with many volumes and containers.

Creates N volumes (each with a little data) and M containers (each mounting one volume, half of
them stopped), then times `list_volumes` (one `df` + one container list), `disk_usage` (one `df`)
and `container_details` (two inspects), median and max of R runs each.

Run it on a private engine: scripts/private_engine.sh NAME -- .venv/bin/python benchmarks/inventory.py
[--volumes 200] [--containers 100] [--runs 20]. Asserts nothing; removes everything it created.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.engine import Engine
from tui.engine.inventory import container_details, disk_usage, list_volumes

LABEL = "org.jtui.bench.inventory"  # not org.jtui.test: a test session would remove these
IMAGE = "jtui-test/busybox:latest"


def timed(call, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volumes", type=int, default=200)
    parser.add_argument("--containers", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    engine = Engine.connect()
    api = engine.api
    volumes = [api.create_volume(f"bench-inv-{i}", labels={LABEL: "1"})["Name"] for i in range(args.volumes)]
    containers = []
    try:
        for i in range(args.containers):
            cid = api.create_container(IMAGE, labels={LABEL: "1"}, environment={"API_TOKEN": "x"},
                                       command=["sh", "-c", "head -c 100000 /dev/urandom > /v/d; sleep 100000"],
                                       host_config=api.create_host_config(binds=[f"{volumes[i % len(volumes)]}:/v"]))["Id"]
            containers.append(cid)
            api.start(cid)
            if i % 2:
                api.kill(cid)
        for name, call in (("list_volumes", lambda: list_volumes(engine)),
                           ("disk_usage", lambda: disk_usage(engine)),
                           ("container_details", lambda: container_details(engine, containers[0]))):
            median, worst = timed(call, args.runs)
            print(f"{name:18} {args.volumes} volumes, {args.containers} containers: "
                  f"median {median:.1f} ms, max {worst:.1f} ms ({args.runs} runs)")
    finally:
        for cid in containers:
            api.remove_container(cid, force=True)
        for name in volumes:
            api.remove_volume(name)
        engine.close()


if __name__ == "__main__":
    main()
