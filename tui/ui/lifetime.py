"""How jtui ends: background threads that never hold up quitting, and a watch on the terminal
that ends jtui when the terminal goes away without a SIGHUP reaching it.

Plain Python (no textual): the app wires these in (tui/app.py).
"""

from __future__ import annotations

import itertools
import logging
import os
import select
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NoReturn

log = logging.getLogger(__name__)


class DaemonThreadExecutor(ThreadPoolExecutor):
    """The event loop's default executor, which runs Textual's thread workers: one daemon thread
    per call, and a shutdown that waits for none of them.

    asyncio's own default (a ThreadPoolExecutor) is joined when the loop closes and again at
    interpreter exit: a worker blocked on an engine that drops SYNs or is frozen held quitting up
    for its whole timeout (27 s and more), and Ctrl+C pressed meanwhile printed a traceback. The
    work these threads do is engine calls and streams whose outcome nobody waits for once the
    user quit; the engine carries on with whatever it was asked (a pull, a build) on its own.
    Also, a thread per call means blocked calls never starve new ones (the default pool has
    min(32, cores + 4) threads: 6 on a 2-core machine)."""

    def __init__(self, name: str = "worker") -> None:
        super().__init__(max_workers=1, thread_name_prefix=name)  # the pool itself is never used
        self._name = name
        self._numbers = itertools.count(1)
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._closed:
            raise RuntimeError("cannot schedule new work after shutdown")
        future: Future[Any] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        thread = threading.Thread(target=run, name=f"{self._name}-{next(self._numbers)}", daemon=True)
        thread.start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True  # running threads are left to end with the process


class TerminalWatch:
    """Calls `on_lost(reason)` once, from its own thread, when the terminal on `fds` is gone.

    When a terminal closes, the kernel hangs its tty up and sends SIGHUP to the session that
    owns it. A jtui that is not in that session (`su user -c jtui`, setsid) or ignores HUP
    (`trap '' HUP`, nohup) never hears of it: Textual's input thread then reads end-of-file in a
    loop (100 % CPU) and its output thread dies on EIO, for ever. A hung-up tty is no longer a
    tty (`isatty` fails with EIO): this looks at once when a poll reports the hang-up, and once
    a second in case none does."""

    def __init__(self, fds: list[int], on_lost: Callable[[str], None], interval: float = 1.0) -> None:
        self.fds = [fd for fd in fds if _isatty(fd)]  # only what was a terminal to begin with
        self.on_lost = on_lost
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def watching(self) -> bool:
        return bool(self.fds)

    def start(self) -> TerminalWatch:
        if self.fds and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="terminal-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def check(self) -> str | None:
        """Why the terminal is gone, or None while it is there."""
        for fd in self.fds:
            if not _isatty(fd):
                return f"file descriptor {fd} is no longer a terminal"
        return None

    def _run(self) -> None:
        poller = select.poll()
        for fd in self.fds:
            poller.register(fd, 0)  # no events asked: poll reports only hang-ups and errors
        while not self._stop.is_set():
            try:
                hung_up = [fd for fd, _ in poller.poll(self.interval * 1000)]
            except OSError:
                hung_up = []
            if self._stop.is_set():
                return
            reason = self.check()  # the word of isatty only: a false alarm would end a session
            if reason is not None:
                self._stop.set()
                self.on_lost(reason)
                return
            if hung_up:  # poll said HUP but the terminal answers: look again later, no spinning
                self._stop.wait(self.interval)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def exit_now(code: int) -> NoReturn:
    """End the process at once, output and log flushed, without joining threads or tearing
    modules down: after the app has given the terminal back, or when it cannot (the terminal is
    gone and Textual's output thread is stuck on it)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed, or the terminal is gone
            pass
    logging.shutdown()
    os._exit(code)
