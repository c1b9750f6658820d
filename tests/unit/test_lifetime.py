"""How jtui ends (tui/ui/lifetime.py): worker threads that never hold up the exit, and the watch
that notices a terminal gone away."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

from tui.ui.lifetime import DaemonThreadExecutor, TerminalWatch


def test_a_blocked_worker_does_not_hold_up_the_loop_or_the_process():
    code = """if True:
        import asyncio, threading, time
        from tui.ui.lifetime import DaemonThreadExecutor

        async def main():
            loop = asyncio.get_running_loop()
            loop.set_default_executor(DaemonThreadExecutor())
            loop.run_in_executor(None, threading.Event().wait)  # blocked for ever
            await asyncio.sleep(0.1)

        start = time.monotonic()
        asyncio.run(main())  # closes the loop: joins its default executor
        print(f"{time.monotonic() - start:.2f}")
    """
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                         cwd=os.getcwd())
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 1.0  # asyncio.run returned at once
    assert time.monotonic() - start < 10  # and the interpreter did not wait for the thread


def test_the_executor_runs_work_and_reports_its_outcome():
    async def main() -> tuple[int, str, bool]:
        loop = asyncio.get_running_loop()
        executor = DaemonThreadExecutor("probe")
        loop.set_default_executor(executor)

        def where() -> tuple[str, bool]:
            me = threading.current_thread()
            return me.name, me.daemon

        value = await loop.run_in_executor(None, lambda: 6 * 7)
        name, daemon = await loop.run_in_executor(None, where)
        try:
            await loop.run_in_executor(None, lambda: 1 / 0)
        except ZeroDivisionError:
            pass
        else:
            raise AssertionError("the exception was lost")
        return value, name, daemon

    value, name, daemon = asyncio.run(main())
    assert value == 42 and name.startswith("probe-") and daemon


def test_many_blocked_calls_never_starve_a_new_one():
    # The standard pool has min(32, cores + 4) threads: six blocked calls on 2 cores stop the 7th.
    executor = DaemonThreadExecutor()
    gate = threading.Event()
    for _ in range(40):
        executor.submit(gate.wait)
    assert executor.submit(lambda: "answered").result(timeout=5) == "answered"
    gate.set()
    executor.shutdown()


def test_the_watch_notices_a_hung_up_terminal():
    master, slave = os.openpty()
    lost: list[str] = []
    watch = TerminalWatch([slave], lost.append, interval=0.1).start()
    try:
        time.sleep(0.3)
        assert lost == []  # a terminal that is there is left alone
        os.close(master)  # the terminal window closes
        deadline = time.monotonic() + 5
        while not lost and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(lost) == 1 and "terminal" in lost[0]
    finally:
        watch.stop()
        os.close(slave)


def test_the_watch_ignores_what_was_never_a_terminal(tmp_path):
    with open(tmp_path / "out", "w") as f:
        watch = TerminalWatch([f.fileno()], lambda reason: None)
        assert not watch.watching and watch.check() is None
        watch.start()  # nothing to watch: no thread
        assert watch._thread is None
