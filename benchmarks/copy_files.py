"""Benchmark of copying files in and out of a container through the engine's archive API (the `c`
key): one big file of random bytes and a folder of many small files, each way.

Prints MB/s and files/s for each copy and the peak memory (max RSS) of this process, to show that
a copy streams instead of holding the archive in memory (uploads spool to disk beyond 32 MB).

Run (on a private engine): scripts/private_engine.sh NAME -- .venv/bin/python benchmarks/copy_files.py [--mb 256] [--files 2000]
Asserts nothing beyond the copies being identical. Removes the container it created.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.engine import ContainerSpec, Engine
from tui.engine.actions import copy_in_job, copy_out_job
from tui.engine.jobs import Done


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(job) -> tuple[float, Done]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    *_, done = job(threading.Event())
    return time.perf_counter() - started, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    engine = Engine.connect()
    details = engine.create_and_start(ContainerSpec(image="jtui-test/busybox:latest",
                                                    name=f"jtui-bench-copy-{os.getpid()}",
                                                    labels={"org.jtui.test": "1"}))
    container = next(c for c in engine.list_containers() if c.id == details.id)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp, "src")
            (src / "many").mkdir(parents=True)
            with open(src / "big.bin", "wb") as f:
                for _ in range(args.mb):
                    f.write(os.urandom(1024 * 1024))
            for i in range(args.files):
                (src / "many" / f"f{i:05d}.txt").write_bytes(os.urandom(1000))
            out = Path(tmp, "out")
            out.mkdir()
            print(f"start: max RSS {rss_mb():.0f} MB")
            for label, path, unit in (("big file", src / "big.bin", args.mb),
                                      ("small files", src / "many", args.files)):
                seconds, done = timed(copy_in_job(engine, container, str(path), "/tmp"))
                rate = f"{unit / seconds:.0f} MB/s" if label == "big file" else f"{unit / seconds:.0f} files/s"
                print(f"in  {label:11}: {seconds:6.2f} s  {rate:>12}  max RSS {rss_mb():.0f} MB  ({done.summary})")
                seconds, done = timed(copy_out_job(engine, container, f"/tmp/{path.name}", str(out)))
                rate = f"{unit / seconds:.0f} MB/s" if label == "big file" else f"{unit / seconds:.0f} files/s"
                print(f"out {label:11}: {seconds:6.2f} s  {rate:>12}  max RSS {rss_mb():.0f} MB  ({done.summary})")
            same = filecmp.cmp(src / "big.bin", out / "big.bin", shallow=False)
            diff = filecmp.dircmp(src / "many", out / "many")
            print(f"identical: big file {same}, small files {not diff.diff_files and not diff.left_only}")
    finally:
        engine.remove(details.id, force=True)
        engine.close()


if __name__ == "__main__":
    main()
