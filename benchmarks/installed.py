"""Benchmark of "keep what I installed" against the real engine: how long the comparison of a
running stack container with its image takes, and its two halves (the listing inside the running
container; the throwaway container of the image: create, start, list, remove).

Run: .venv/bin/python benchmarks/installed.py [--image jtui-test/minimal-notebook:latest] [--rounds 3]
(on a private engine: scripts/private_engine.sh NAME -- .venv/bin/python benchmarks/installed.py)
Asserts nothing (tests/app/test_installed.py proves behaviour, this measures it). Removes what it
created.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.engine import ContainerSpec, Engine
from tui.jupyter.installed import LIST_ARGV, find_installed

LABEL = "org.jtui.bench.installed"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", default="jtui-test/minimal-notebook:latest")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    engine = Engine.connect()
    details = engine.create_and_start(ContainerSpec(image=args.image, labels={LABEL: "1"}))
    try:
        time.sleep(2)  # let the server start: the comparison runs beside a live Jupyter
        argv = LIST_ARGV
        inside, throwaway, whole = [], [], []
        for _ in range(args.rounds):
            t = time.monotonic()
            engine.exec_capture(details.id, argv)
            inside.append(time.monotonic() - t)
            t = time.monotonic()
            engine.run_capture(details.summary.image_id, argv)
            throwaway.append(time.monotonic() - t)
            whole.append(find_installed(engine, details.id).seconds)
        for what, values in (("listing in the running container", inside),
                             ("throwaway container of the image", throwaway),
                             ("whole comparison (find_installed)", whole)):
            print(f"{what}: median {statistics.median(values):.2f}s, "
                  f"min {min(values):.2f}s, max {max(values):.2f}s ({args.rounds} rounds)")
    finally:
        engine.remove(details.id, force=True)


if __name__ == "__main__":
    main()
