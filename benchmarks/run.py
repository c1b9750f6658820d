"""The figures of issue 14, as a user meets them: jtui in tmux (200x50) against the engine that
DOCKER_HOST names, measured from outside, each a median over several runs.

For each size (default: 100 containers / 50 running, then 1,000 / 300), per run:
- launch -> container list on screen: from `tmux new-session` starting `python -m tui` until the
  containers pane's title counts every container and the first running row is drawn;
- jtui's CPU while idle for `--idle` seconds (nothing changes), from /proc, twice: 3 s after the
  list is on screen (start: the CPU and memory columns are being filled) and 90 s after (steady);
- the engine's CPU (dockerd and everything under it) in those windows, and in a window of the
  same length with no jtui running just before it (the engine alone);
- jtui's resident memory (VmRSS) at the end of the second idle window;
- an outside create+start -> its row on screen (running), and an outside `rm -f` -> row gone,
  each timed from the moment the engine call returned until tmux shows it.

Run on an engine of its own (it creates up to 1,000 containers; see
/work/shared/notes/test-rig.md "A second, throw-away engine"):
    DOCKER_HOST=unix:///tmp/pe/docker.sock .venv/bin/python benchmarks/run.py
Options: --sizes 100:50 1000:300, --runs 5, --idle 20, --events 10, --engine-pid PID,
--trees DIR... (the jtui of other source trees, in turn: before/after a change), --keep (leave
the containers for the next run).
Prints a table; asserts nothing (the tests prove behaviour, this measures it). Removes what it made.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import log_flood  # noqa: E402
from churn import IMAGE, LABEL, SLEEP, cleanup, populate  # noqa: E402
from log_flood import TICKS, Terminal  # noqa: E402

from tui.engine import Engine  # noqa: E402

SETTLE = 3.0  # seconds after the list is on screen before the idle window starts
AGE_IN_SECONDS = 62.0  # the containers' ages read "1m" from then on
STEADY = 90.0  # seconds after the list is on screen: the second idle window starts
TITLE = re.compile(r"Containers \((\d+)/(\d+)")
STATES = {"created", "running", "paused", "restarting", "removing", "exited", "dead"}


def wait_screen(term: Terminal, predicate: Callable[[str], bool], timeout: float,
                every: float = 0.002) -> float | None:
    """Seconds until tmux shows a screen `predicate` accepts (polled as fast as tmux answers)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate(term.screen()):
            return time.perf_counter() - start
        time.sleep(every)
    return None


def listed(total: int) -> Callable[[str], bool]:
    """The containers pane counts all `total` containers and draws the first running row."""
    def check(screen: str) -> bool:
        m = TITLE.search(screen)
        return bool(m) and int(m.group(2)) >= total and "bench-0000" in screen
    return check


def row_state(screen: str, name: str) -> str | None:
    """The state cell of `name`'s row in the containers pane, or None when it has no row (the
    name elsewhere, e.g. in the logs pane's title, is not a row)."""
    for line in screen.splitlines():
        cells = line.split()
        if name in cells:
            i = cells.index(name)
            if i + 1 < len(cells) and cells[i + 1] in STATES:
                return cells[i + 1]
    return None


# --- CPU and memory from /proc ---------------------------------------------------------------
def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads


def children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_cpu(root: int) -> float:
    """CPU seconds of `root` and every process under it (containerd, shims, containers)."""
    tree, total, todo = children(), 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += proc_cpu(pid)
        except OSError:
            continue  # ended meanwhile
        todo.extend(tree.get(pid, []))
    return total


def engine_pid(host: str) -> int:
    """The dockerd serving `host` (unix:// only): the one naming its socket on its command line,
    or for the default socket the one naming no other."""
    path = host.removeprefix("unix://") if host.startswith("unix://") else "/var/run/docker.sock"
    default = path in ("/var/run/docker.sock", "/run/docker.sock")
    fallback = None
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry.name}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if not argv or not argv[0].endswith("dockerd"):
            continue
        if any(path in arg for arg in argv):
            return int(entry.name)
        if default and not any(a.startswith("unix://") or a.startswith("-H") for a in argv[1:]):
            fallback = int(entry.name)
    if fallback is None:
        raise SystemExit(f"no dockerd found for {host}: give --engine-pid")
    return fallback


# --- one run ---------------------------------------------------------------------------------
def one_run(engine: Engine, dockerd: int, total: int, idle: float, events: int, run: int,
            out: dict[str, list[float]]) -> None:
    # The engine alone first, the same length as jtui's idle window.
    e0 = tree_cpu(dockerd)
    time.sleep(idle)
    out["engine alone %"].append((tree_cpu(dockerd) - e0) / idle * 100)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        term = Terminal(Path(tmp), 5000)
        try:
            took = wait_screen(term, listed(total), timeout=60, every=0.005)
            if took is None:
                raise SystemExit(f"jtui never listed the {total} containers:\n{term.screen()}")
            out["launch -> list s"].append(time.perf_counter() - start)
            listed_at = time.perf_counter()
            time.sleep(SETTLE)
            # Two windows: just after start (the CPU and memory columns are being filled: two
            # stats readings of every running row on screen) and once that is over.
            for label, begin in (("start", SETTLE), ("steady", STEADY)):
                time.sleep(max(0.0, begin - (time.perf_counter() - listed_at)))
                j0, e0, t0 = term.cpu(), tree_cpu(dockerd), time.perf_counter()
                time.sleep(idle)
                wall = time.perf_counter() - t0
                out[f"idle CPU % ({label})"].append((term.cpu() - j0) / wall * 100)
                out[f"engine CPU with jtui % ({label})"].append(
                    (tree_cpu(dockerd) - e0) / wall * 100)
            out["RSS MB"].append(term.rss_mb())
            for i in range(events):
                # "aaa-": sorts first among the running rows, so it is drawn at any size.
                name = f"aaa-event-{run}-{i}"
                cid = engine.api.create_container(IMAGE, command=SLEEP, name=name,
                                                  labels={LABEL: "event"})["Id"]
                engine.api.start(cid)
                lat = wait_screen(term, lambda s, n=name: row_state(s, n) == "running", timeout=10)
                out["run -> row ms"].append(lat * 1000 if lat is not None else float("inf"))
                time.sleep(0.3)
                engine.api.remove_container(cid, force=True)
                lat = wait_screen(term, lambda s, n=name: row_state(s, n) is None, timeout=10)
                out["rm -f -> gone ms"].append(lat * 1000 if lat is not None else float("inf"))
                time.sleep(0.3)
        finally:
            term.close()


def median(values: list[float]) -> str:
    if not values:
        return "-"
    m = statistics.median(values)
    spread = f" ({min(values):.3g}-{max(values):.3g})" if len(values) > 1 else ""
    return f"{m:.3g}{spread}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="*", default=["100:50", "1000:300"],
                        help="containers:running, one table column each")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of each idle window")
    parser.add_argument("--events", type=int, default=10, help="outside run/rm pairs per run")
    parser.add_argument("--engine-pid", type=int, help="dockerd's pid (default: found from DOCKER_HOST)")
    parser.add_argument("--trees", nargs="*", type=Path, default=[ROOT],
                        help="run the jtui of each of these source trees, in turn within each "
                        "run (e.g. a copy from before a change, then this one)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the containers for the next run (which then reuses them)")
    args = parser.parse_args()
    # As a user's shell runs it: with Python's bytecode cache (some sandboxes turn it off, and
    # then every start compiles jtui's own modules again).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    dockerd = args.engine_pid or engine_pid(host)
    engine = Engine.connect()
    results: dict[str, dict[str, list[float]]] = {}
    try:
        print(f"engine: {engine.info.endpoint} Docker {engine.info.version} (dockerd pid {dockerd}); "
              f"{os.cpu_count()} cores; {args.runs} runs, idle windows of {args.idle:.0f} s; "
              f"jtui from {', '.join(map(str, args.trees))}")
        for size in args.sizes:
            total, running = (int(x) for x in size.split(":"))
            mine = engine.api.containers(all=True, filters={"label": f"{LABEL}=base"})
            if (len(mine), sum(c["State"] == "running" for c in mine)) != (total, running):
                cleanup(engine)
                t = time.perf_counter()
                populate(engine, total, running)
                print(f"{size}: created {total} containers ({running} running) in "
                      f"{time.perf_counter() - t:.0f} s", flush=True)
                # Ages under a minute read in seconds, and a clock that shows them must redraw
                # them every second: that is a change, and the idle windows measure none.
                time.sleep(max(0.0, AGE_IN_SECONDS - (time.perf_counter() - t)))
            others = len(engine.api.containers(all=True)) - total
            print(f"{size}: {others} other containers on the engine", flush=True)
            outs = {tree: collections.defaultdict(list) for tree in args.trees}
            for run in range(args.runs):
                for tree, out in outs.items():
                    log_flood.ROOT = tree.resolve()  # where Terminal runs `python -m tui`
                    one_run(engine, dockerd, total + others, args.idle, args.events, run, out)
                    print(f"  run {run + 1} {tree}: "
                          + ", ".join(f"{k} {v[-1]:.3g}" for k, v in out.items())
                          + f"; load average {os.getloadavg()[0]:.1f}", flush=True)
            for tree, out in outs.items():
                label = size if len(outs) == 1 else f"{size} {tree.name}"
                results[label] = out
    finally:
        if not args.keep:
            cleanup(engine)
        engine.close()
    keys = list(next(iter(results.values())))
    width = max(map(len, keys))
    print(f"\n{'figure (median, min-max)':{width}} | " + " | ".join(f"{s:>24}" for s in results))
    for key in keys:
        print(f"{key:{width}} | " + " | ".join(f"{median(r[key]):>24}" for r in results.values()))


if __name__ == "__main__":
    main()
