"""Benchmark: pressing launch in jtui until the URL is on the clipboard, next to the docker CLI
flow of the Jupyter Docker Stacks docs (docker run -d, then read the token from docker logs and
wait until the URL answers), for the same local image.

Run: .venv/bin/python benchmarks/launch.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.app import create_app
from tui.config import AppConfig
from tui.ui.launch_form import LaunchForm

IMAGE = "jtui-test/minimal-notebook:latest"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def jtui_once(folder: str, name: str) -> tuple[float, float]:
    app = create_app(AppConfig(resync_seconds=3600))
    async with app.run_test(size=(170, 50)) as pilot:
        while not (app.connected and app.images.images):
            await pilot.pause(0.02)
        image_id = next(i.id for i in app.images.images.values() if IMAGE in i.tags)
        await pilot.press("2")
        app.images.move_cursor(row=app.images.get_row_index(image_id))
        await pilot.press("l")
        while not isinstance(app.screen, LaunchForm):
            await pilot.pause(0.02)
        form = app.screen
        form.query_one("#name").value = name
        form.query_one("#folder").value = folder
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press("ctrl+l")
        while app.main.last_launch is None:
            # Plain sleep, not pilot.pause: the harness must not compete with Jupyter for CPU.
            await asyncio.sleep(0.02)
        shown = time.perf_counter() - start
        await pilot.press("1", "u")
        assert app.clipboard == app.main.last_launch.server.url
        return shown, time.perf_counter() - start


def cli_once(folder: str, name: str) -> float:
    port = free_port()
    start = time.perf_counter()
    subprocess.run(["docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8888",
                    "-v", f"{folder}:/home/jovyan/work", IMAGE], check=True, capture_output=True)
    url = None
    while url is None:  # what a person does: docker logs until the token line shows up
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
        m = re.search(r"http://127\.0\.0\.1:8888/lab\?token=([0-9a-f]+)", logs.stdout + logs.stderr)
        if m:
            url = f"http://127.0.0.1:{port}/lab?token={m.group(1)}"
        else:
            time.sleep(0.25)
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    shown, ours, theirs = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.rounds):
            name = f"bench-launch-jtui-{i}"
            on_screen, copied = asyncio.run(jtui_once(folder, name))
            shown.append(on_screen)
            ours.append(copied)
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)
            name = f"bench-launch-cli-{i}"
            theirs.append(cli_once(folder, name))
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    print(f"{IMAGE}, {args.rounds} rounds each")
    print(f"jtui: launch key -> verified URL on screen: median {statistics.median(shown):.2f} s "
          f"(min {min(shown):.2f}, max {max(shown):.2f})")
    print(f"jtui: launch key -> URL verified and copied (test pilot presses 1, u): median {statistics.median(ours):.2f} s "
          f"(min {min(ours):.2f}, max {max(ours):.2f})")
    print(f"docker CLI: docker run -d -> token read from logs -> URL answers: median "
          f"{statistics.median(theirs):.2f} s (min {min(theirs):.2f}, max {max(theirs):.2f}); "
          "a person also types the command and copies the token by hand")


if __name__ == "__main__":
    main()
