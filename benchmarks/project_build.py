"""Benchmark of building the project folder's image (requirements.txt naming wheels of a local
index) on the rig's stack: the first build, a rebuild after the file changed, and an unchanged
rebuild (all layer cache), each timed from the build call to the tagged image.

Run it on a private engine: scripts/private_engine.sh bench -- .venv/bin/python benchmarks/project_build.py [--runs 5]
Prints seconds (median of the runs for the cached rebuild). Asserts nothing; removes what it made.
"""

from __future__ import annotations

import argparse
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.local_index import LocalIndex, _Quiet, bridge_gateway
from tests.project_stack import FIX_PERMISSIONS
from tests.rig import STACK
from tui.engine import Engine
from tui.engine.models import BuildResult
from tui.jupyter.project import build_events, plan_build

BENCH_STACK = "jtui-bench/project-stack:latest"  # not org.jtui.test: a test session would remove it


def timed_build(engine: Engine, folder: Path, env: dict[str, str]) -> tuple[float, int]:
    build = plan_build(folder, BENCH_STACK, env)
    assert build is not None
    started = time.monotonic()
    cached = 0
    for event in build_events(engine, build, threading.Event()):
        if isinstance(event, BuildResult):
            break
        cached += "Using cache" in getattr(event, "text", "")
    return time.monotonic() - started, cached


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = Engine.connect()
    root = Path(tempfile.mkdtemp(prefix="jtui-bench-index-"))
    handler = lambda *a, **kw: _Quiet(*a, directory=str(root), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = LocalIndex(root=root, host=bridge_gateway(engine), port=server.server_address[1])
    for version in ("1.0", "2.0"):
        index.add("jtui-bench-demo", version)
    folder = Path(tempfile.mkdtemp(prefix="jtui-bench-project-"))
    tag = ""
    try:
        dockerfile = (f"FROM {STACK}\nUSER root\nCOPY fix-permissions /usr/local/bin/fix-permissions\n"
                      "RUN chmod 0755 /usr/local/bin/fix-permissions\nENV CONDA_DIR=/opt/conda\nUSER 1000\n")
        for _ in engine.build(dockerfile, BENCH_STACK, files={"fix-permissions": FIX_PERMISSIONS.encode()}):
            pass
        (folder / "requirements.txt").write_text("jtui-bench-demo==1.0\n")
        plan = plan_build(folder, BENCH_STACK, index.pip_env)
        assert plan is not None
        tag = plan.tag
        first, _ = timed_build(engine, folder, index.pip_env)
        (folder / "requirements.txt").write_text("jtui-bench-demo==2.0\n")
        changed, _ = timed_build(engine, folder, index.pip_env)
        cached_runs = [timed_build(engine, folder, index.pip_env) for _ in range(args.runs)]
        print(f"first build (pip install from the local index): {first:.2f}s")
        print(f"rebuild after requirements.txt changed:         {changed:.2f}s")
        print(f"unchanged rebuild, median of {args.runs} runs:          "
              f"{statistics.median(s for s, _ in cached_runs):.2f}s "
              f"(max {max(s for s, _ in cached_runs):.2f}s, {cached_runs[0][1]} steps from cache)")
    finally:
        server.shutdown()
        for ref in (tag, BENCH_STACK):
            if ref:
                try:
                    engine.remove_image(ref, force=True)
                except Exception:
                    pass
        engine.close()


if __name__ == "__main__":
    main()
