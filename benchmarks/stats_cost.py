"""What reading container stats costs (issue 12): jtui in tmux (200x50) against the engine that
DOCKER_HOST names, with 100 containers / 50 running (busybox sleep), measured from outside.

Per run, four windows of `--idle` seconds each:
- the engine alone (no jtui);
- jtui idle on the containers pane, stats on (as always: the running rows on screen are read);
- jtui idle with a filter that matches no row (nothing on screen, so nothing read: jtui's idle
  cost without stats, in the same process);
- jtui idle after `O O` (sorted by CPU: every running container is read, the worst case), a
  window three times as long: a round of 50 readings comes every ~27 s.
For the last three: jtui's own CPU and the engine's (dockerd and everything under it), as % of
one core, from /proc. Prints a table of medians (min-max); asserts nothing.

Run it on an engine of its own (it creates 100 containers):
    scripts/private_engine.sh stats -- .venv/bin/python benchmarks/stats_cost.py
Options: --runs 3, --idle 25, --total 100, --running 50.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from churn import LABEL, cleanup, populate  # noqa: E402
from log_flood import Terminal  # noqa: E402
from run import engine_pid, listed, tree_cpu, wait_screen  # noqa: E402

from tui.engine import Engine  # noqa: E402

YOUNG = 62.0  # seconds before the containers stop being "young"
SETTLE = 10.0  # seconds after the list is on screen: start-up is over, the first rounds are in


def window(term: Terminal | None, dockerd: int, seconds: float) -> tuple[float | None, float]:
    """(jtui CPU %, engine CPU %) over `seconds`."""
    j0 = term.cpu() if term else 0.0
    e0, t0 = tree_cpu(dockerd), time.perf_counter()
    time.sleep(seconds)
    wall = time.perf_counter() - t0
    jtui = (term.cpu() - j0) / wall * 100 if term else None
    return jtui, (tree_cpu(dockerd) - e0) / wall * 100


def one_run(dockerd: int, total: int, idle: float, out: dict[str, list[float]]) -> None:
    out["engine alone %"].append(window(None, dockerd, idle)[1])
    with tempfile.TemporaryDirectory() as tmp:
        term = Terminal(Path(tmp), 5000)
        try:
            if wait_screen(term, listed(total), timeout=60, every=0.05) is None:
                raise SystemExit(f"jtui never listed the {total} containers:\n{term.screen()}")
            time.sleep(SETTLE)
            if "CPU %" not in term.screen():
                raise SystemExit(f"no CPU % column on screen:\n{term.screen()}")
            jtui, eng = window(term, dockerd, idle)
            out["jtui CPU %, stats on"].append(jtui or 0.0)
            out["engine CPU % with jtui"].append(eng)
            shown = sum(1 for line in term.screen().splitlines() if "bench-" in line and "running" in line)
            out["running rows on screen"].append(shown)
            term.keys("/", "no-such-row", "Enter")
            if term.wait_for(lambda s: f"(0/{total}" in s, timeout=10) is None:
                raise SystemExit(f"the filter did not apply:\n{term.screen()}")
            time.sleep(5)  # the last round in flight ends
            jtui, eng = window(term, dockerd, idle)
            out["jtui CPU %, nothing on screen"].append(jtui or 0.0)
            out["engine CPU %, nothing on screen"].append(eng)
            term.keys("Escape")
            time.sleep(1)
            term.keys("O", "O")  # sorted by CPU: every running container is read
            time.sleep(SETTLE)
            if "by CPU" not in term.screen():
                raise SystemExit(f"the sort did not change:\n{term.screen()}")
            jtui, eng = window(term, dockerd, 3 * idle)
            out["jtui CPU %, sort by CPU"].append(jtui or 0.0)
            out["engine CPU %, sort by CPU"].append(eng)
        finally:
            term.close()


def median(values: list[float]) -> str:
    m = statistics.median(values)
    return f"{m:.2f} ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else f"{m:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=25.0, help="seconds of each window")
    parser.add_argument("--total", type=int, default=100)
    parser.add_argument("--running", type=int, default=50)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user's shell runs it
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    dockerd = engine_pid(host)
    engine = Engine.connect()
    out: dict[str, list[float]] = collections.defaultdict(list)
    try:
        cleanup(engine)
        populate(engine, args.total, args.running)
        others = len(engine.api.containers(all=True)) - args.total
        print(f"engine: {engine.info.endpoint} Docker {engine.info.version} (dockerd pid {dockerd}); "
              f"{os.cpu_count()} cores; {args.total} containers ({args.running} running, label "
              f"{LABEL}) + {others} others; {args.runs} runs, windows of {args.idle:.0f} s", flush=True)
        # Rows younger than a minute have their age redrawn every second (tui/ui/main_screen.py):
        # that cost is not the stats' (seen: 3-5 % of a core in the first run when it was counted).
        time.sleep(YOUNG)
        for run in range(args.runs):
            one_run(dockerd, args.total + others, args.idle, out)
            print(f"  run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in out.items())
                  + f"; load average {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        cleanup(engine)
        engine.close()
    width = max(map(len, out))
    print(f"\n{'figure (median, min-max)':{width}} | value")
    for key, values in out.items():
        print(f"{key:{width}} | {median(values)}")


if __name__ == "__main__":
    main()
