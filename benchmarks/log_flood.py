"""Benchmark of the logs pane under a log flood, with jtui in a real terminal (tmux).

A container waits for a signal, then prints N lines as fast as it can and exits with code 3.
jtui follows it in tmux from before the flood starts. Measured from outside, as a user sees it:
- when the last line is on the screen (lines/s consumed = N / that time), and the highest line
  number on screen meanwhile (a frozen view stops there);
- jtui's CPU seconds (from /proc) until then, and until the pane says the log ended;
- key -> screen latency while flooding: `t` toggles timestamps, the time until the pane title
  shows the change (tmux capture-pane);
- memory: RSS before and after, and over a minute of an endless flood;
- the reference: how fast `docker logs -f` follows the same flood.

Run: .venv/bin/python benchmarks/log_flood.py [--lines 200000 1000000] [--minute 60]
Prints figures; asserts nothing (the tests prove behaviour, this measures it).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tui.engine import ContainerSpec, Engine  # noqa: E402

IMAGE = "jtui-test/busybox:latest"
LABEL = "org.jtui.bench"
LINE = re.compile(r"flood line (\d+) ")
TICKS = os.sysconf("SC_CLK_TCK")


def flood_script(lines: int | None) -> str:
    """Wait for /go, print `lines` lines (None: for ever) as fast as busybox awk can, exit 3."""
    loop = f"for(i=0;i<{lines};i++)" if lines else "for(i=0;;i++)"
    return ("while [ ! -f /go ]; do sleep 0.05; done; "
            f"awk 'BEGIN{{{loop} print \"flood line \" i \" with some padding text\"}}'; exit 3")


class Terminal:
    """jtui in its own tmux server: keys in, screen text out, its process for /proc figures."""

    def __init__(self, workdir: Path, max_lines: int) -> None:
        self.socket = f"jtui-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        conf = workdir / "tmux.conf"
        conf.write_text("set -g default-size 200x50\n")
        config = workdir / "config.toml"
        config.write_text(f"log_max_lines = {max_lines}\n")
        env = {"JTUI_STATE_DIR": str(workdir / "state"), "JTUI_CONFIG": str(config),
               "TERM": "xterm-256color"}
        env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
        clean_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        subprocess.run(["tmux", "-L", self.socket, "-f", str(conf), "new-session", "-d", "-s", "b",
                        "-x", "200", "-y", "50", *env_args, "-c", str(ROOT),
                        f"exec {sys.executable} -m tui"], check=True, env=clean_env)
        self.pid = int(self.tmux("list-panes", "-t", "b", "-F", "#{pane_pid}").split()[0])

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=False).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "b")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "b", *keys)

    def wait_for(self, predicate, timeout: float = 30.0, every: float = 0.05) -> float | None:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if predicate(self.screen()):
                return time.monotonic() - start
            time.sleep(every)
        return None

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False)


def title(screen: str) -> str:
    """The logs pane's title (the panes stand side by side: cut what is left of it)."""
    line = next((line for line in screen.splitlines() if "[3] Logs" in line), "")
    return line[line.find("[3] Logs"):]


def highest(screen: str) -> int:
    return max((int(n) for n in LINE.findall(screen)), default=-1)


def key_latency(term: Terminal, timeout: float = 20.0) -> float | None:
    """Press t (timestamps) in the logs pane; seconds until the title shows the new state."""
    before = "timestamps" in title(term.screen())
    term.keys("t")
    return term.wait_for(lambda s: ("timestamps" in title(s)) != before, timeout=timeout, every=0.01)


def start_jtui_on(engine: Engine, workdir: Path, max_lines: int, name: str) -> Terminal:
    """jtui in tmux with the logs pane following container `name` (filtered down to it)."""
    term = Terminal(workdir, max_lines)
    try:
        if term.wait_for(lambda s: "● connected" in s and "Containers (0/" not in s, timeout=30) is None:
            raise SystemExit(f"jtui never listed the containers:\n{term.screen()}")
        term.keys("/")
        term.keys(*name)
        term.keys("Enter")
        if term.wait_for(lambda s: f"{name} · following" in title(s), timeout=60) is None:
            raise SystemExit(f"the logs pane never followed {name}:\n{term.screen()}")
        time.sleep(1.0)  # Enter moves the focus in a message after the key: let it land first
        term.keys("3")  # focus the logs pane: its keys (t, f, s) answer there
        if term.wait_for(lambda s: f"{name} · following" in title(s), timeout=10) is None:
            raise SystemExit(f"the logs pane lost {name}:\n{term.screen()}")
    except BaseException:
        term.close()
        raise
    return term


def run_flood(engine: Engine, lines: int, max_lines: int, timeout: float) -> None:
    name = f"bench-flood-{uuid.uuid4().hex[:6]}"
    d = engine.create_and_start(ContainerSpec(IMAGE, name=name, labels={LABEL: "1"},
                                              command=["sh", "-c", flood_script(lines)]))
    term: Terminal | None = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            term = start_jtui_on(engine, Path(tmp), max_lines, name)
            rss0, cpu0 = term.rss_mb(), term.cpu()
            go = time.monotonic()
            engine.api.exec_start(engine.api.exec_create(d.id, ["touch", "/go"]))
            last_seen, last_change, latencies = -1, go, []
            shown_at: float | None = None
            next_key = go + 1.0
            while time.monotonic() - go < timeout:
                screen = term.screen()
                seen = highest(screen)
                if seen > last_seen:
                    last_seen, last_change = seen, time.monotonic()
                if seen >= lines - 1:
                    shown_at = time.monotonic() - go
                    break
                if time.monotonic() >= next_key:
                    lat = key_latency(term)
                    latencies.append(lat if lat is not None else float("inf"))
                    next_key = time.monotonic() + 1.0
                if time.monotonic() - last_change > 30:
                    break  # frozen: nothing new on screen for 30 s
                time.sleep(0.1)
            cpu_shown = term.cpu() - cpu0
            ended = term.wait_for(lambda s: "stopped" in title(s) or "ended" in title(s), timeout=60)
            cpu_ended = term.cpu() - cpu0
            time.sleep(2)
            cpu_settled = term.cpu() - cpu0
            screen = term.screen()
            lat_txt = (f"median {statistics.median(latencies) * 1000:.0f} ms, "
                       f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} presses"
                       if latencies else "no press (the flood was over first)")
            if shown_at is not None:
                shown = f"last line on screen after {shown_at:.1f} s ({lines / shown_at:,.0f} lines/s)"
            else:
                shown = (f"last line NEVER on screen: the highest line shown was {last_seen:,} "
                         f"(view frozen or behind)")
            print(f"flood of {lines:,} lines (log_max_lines {max_lines}): {shown}")
            print(f"  jtui CPU: {cpu_shown:.1f} s until then, {cpu_ended:.1f} s until the pane said "
                  f"the log ended ({'after ' + format(ended, '.1f') + ' s more' if ended is not None else 'never'}),"
                  f" {cpu_settled:.1f} s two seconds later")
            print(f"  key -> screen while flooding (t): {lat_txt}")
            print(f"  RSS {rss0:.0f} MB before, {term.rss_mb():.0f} MB after")
            print(f"  title at the end: {title(screen).strip()[:150]}")
        finally:
            if term is not None:
                term.close()
            engine.remove(d.id, force=True)


def run_minute(engine: Engine, seconds: int, max_lines: int) -> None:
    name = f"bench-endless-{uuid.uuid4().hex[:6]}"
    d = engine.create_and_start(ContainerSpec(IMAGE, name=name, labels={LABEL: "1"},
                                              command=["sh", "-c", flood_script(None)]))
    term: Terminal | None = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            term = start_jtui_on(engine, Path(tmp), max_lines, name)
            cpu0 = term.cpu()
            engine.api.exec_start(engine.api.exec_create(d.id, ["touch", "/go"]))
            go = time.monotonic()
            samples, latencies, seen = [], [], []
            while time.monotonic() - go < seconds:
                samples.append((time.monotonic() - go, term.rss_mb()))
                seen.append((time.monotonic() - go, highest(term.screen())))
                lat = key_latency(term)
                latencies.append(lat if lat is not None else float("inf"))
                time.sleep(max(0.0, 5.0 - (time.monotonic() - go) % 5.0))
            elapsed = time.monotonic() - go
            cpu = term.cpu() - cpu0
            rss = ", ".join(f"{t:.0f}s {m:.0f}" for t, m in samples)
            print(f"endless flood for {elapsed:.0f} s: jtui CPU {cpu:.1f} s ({cpu / elapsed * 100:.0f} %)")
            print(f"  RSS MB over time: {rss}")
            print("  line numbers on screen over time: "
                  + ", ".join(f"{t:.0f}s {n:,}" for t, n in seen))
            print(f"  key -> screen (t): median {statistics.median(latencies) * 1000:.0f} ms, "
                  f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} presses")
        finally:
            if term is not None:
                term.close()
            engine.remove(d.id, force=True)


def docker_logs_rate(engine: Engine, lines: int) -> None:
    """The reference: `docker logs -f` following the same flood, output to /dev/null."""
    d = engine.create_and_start(ContainerSpec(IMAGE, name=f"bench-ref-{uuid.uuid4().hex[:6]}",
                                              labels={LABEL: "1"},
                                              command=["sh", "-c", flood_script(lines)]))
    try:
        proc = subprocess.Popen(["docker", "logs", "-f", d.id], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        go = time.monotonic()
        engine.api.exec_start(engine.api.exec_create(d.id, ["touch", "/go"]))
        count = sum(1 for _ in proc.stdout)  # type: ignore[union-attr]
        took = time.monotonic() - go
        proc.wait()
        print(f"reference: docker logs -f read {count:,} lines in {took:.1f} s ({count / took:,.0f} lines/s)")
    finally:
        engine.remove(d.id, force=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="*", default=[200_000, 1_000_000])
    parser.add_argument("--minute", type=int, default=60, help="seconds of endless flood (0: skip)")
    parser.add_argument("--max-lines", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    engine = Engine.connect()
    try:
        print(f"engine: {engine.info.endpoint} Docker {engine.info.version}; {os.cpu_count()} cores")
        for n in args.lines:
            if not args.no_reference:
                docker_logs_rate(engine, n)
            run_flood(engine, n, args.max_lines, args.timeout)
        if args.minute:
            run_minute(engine, args.minute, args.max_lines)
    finally:
        engine.close()


if __name__ == "__main__":
    main()
