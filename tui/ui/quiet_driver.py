"""Textual's Linux/macOS terminal driver, with an input thread that sleeps until there is input.

Textual's own input thread wakes 10 times a second (a select with a 0.1 s timeout) to look at its
exit flag and at the Escape-key timeout, whether or not anything was typed. On an idle jtui with
1,000 containers that thread was 10 of the process's ~14 wake-ups a second and 0.13 % of a core,
a third of jtui's whole idle cost (per-thread /proc figures, benchmarks in the README). This one
waits on the terminal and on a pipe that the exit flag writes to when it is set, with a timeout
only while the parser waits to tell a lone Escape from the start of a sequence.

It also drops the 0.1 s that Textual's thread sleeps after it is told to stop (a select on no
file at all), which every suspend (a shell inside a container) and every quit waited for.

Everything else is Textual's: the same parser, decoder and message dispatch. Textual is pinned to
8.2 (pyproject.toml); `tests/terminal/test_idle_wakeups.py` fails if a new version changes what
this relies on (the parser's `_timeout_time`, the `exit_event` flag).
"""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

_POLL = 0.1  # Textual's own interval: only if the parser ever stops saying when it times out
_UNKNOWN = object()


class _WakingEvent(threading.Event):
    """The driver's exit flag. Setting it also writes to the input thread's pipe, which wakes
    the thread's select at once."""

    def __init__(self) -> None:
        super().__init__()
        self._fd_lock = threading.Lock()
        self._wake_fd: int | None = None

    def attach(self, fd: int | None) -> None:
        # Under the lock: a set() must never write to a descriptor closed (and maybe reused for
        # another file) in between.
        with self._fd_lock:
            self._wake_fd = fd

    def set(self) -> None:
        super().set()
        with self._fd_lock:
            if self._wake_fd is not None:
                try:
                    os.write(self._wake_fd, b"x")
                except OSError:  # the pipe full of earlier wake-ups: already awake
                    pass


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_event: _WakingEvent = _WakingEvent()

    def run_input_thread(self) -> None:
        """Textual's loop (LinuxDriver.run_input_thread), blocking instead of polling."""
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        self.exit_event.attach(wake_write)
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(wake_read, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def timeout() -> float | None:
            deadline = getattr(parser, "_timeout_time", _UNKNOWN)
            if deadline is None:
                return None  # nothing half-read: sleep until a key or the exit flag
            if not isinstance(deadline, float):
                return _POLL
            return max(0.0, deadline - get_time())

        try:
            while not self.exit_event.is_set():
                ready = selector.select(timeout())
                if any(key.fd == fileno for key, _mask in ready):
                    data = decode(os.read(fileno, 1024 * 4))
                    if data:  # empty: stdin is a pipe that ended
                        for event in parser.feed(data):
                            self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            self.exit_event.attach(None)
            selector.close()
            os.close(wake_read)
            os.close(wake_write)
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):  # as Textual's own loop: the end of input
                pass
