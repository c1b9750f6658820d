"""The Jupyter servers known per container, and when to look (again) for the URL of one.

Discovery asks the engine (inspect, exec, logs), so it runs in a worker; this registry only
decides. Tries are counted per container *run*: a container that exhausted its tries while
Jupyter was still starting (or broken) gets new tries once it is restarted."""

from __future__ import annotations

import time
from collections.abc import Callable

from .server import JupyterServer

RETRY_DELAY = 2.0  # seconds between two failed discoveries of one container
MAX_TRIES = 30  # about a minute of start-up


class ServerRegistry:
    def __init__(self, *, retry_delay: float = RETRY_DELAY, max_tries: int = MAX_TRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.retry_delay = retry_delay
        self.max_tries = max_tries
        self._clock = clock
        self._servers: dict[str, JupyterServer] = {}
        self._in_flight: set[str] = set()
        # In flight when the container stopped or went away: the answer describes a run that is
        # over, so it is neither kept nor counted as a failure.
        self._stale: set[str] = set()
        self._failures: dict[str, int] = {}
        self._last_failure: dict[str, float] = {}

    # --- what is known ------------------------------------------------------------------------
    def get(self, cid: str) -> JupyterServer | None:
        return self._servers.get(cid)

    def set(self, cid: str, server: JupyterServer) -> None:
        """A server known for sure (e.g. jtui just launched it)."""
        self._servers[cid] = server
        self._reset_tries(cid)

    def items(self) -> list[tuple[str, JupyterServer]]:
        return list(self._servers.items())

    def __len__(self) -> int:
        return len(self._servers)

    # --- container life -----------------------------------------------------------------------
    def forget(self, cid: str) -> None:
        """The container was removed."""
        self._servers.pop(cid, None)
        self._reset_tries(cid)
        if cid in self._in_flight:
            self._stale.add(cid)

    def container_stopped(self, cid: str) -> None:
        """A restart may bring another token or port: drop the server and start the tries over."""
        self.forget(cid)

    def container_started(self, cid: str) -> None:
        """A (re)start: new tries, and no server from before it. A quick restart may never show the
        container stopped, yet Jupyter may now have another port (one the engine picked) or token.
        Forgetting costs one discovery, which finds jtui's own containers from their environment."""
        self.forget(cid)

    def _reset_tries(self, cid: str) -> None:
        self._failures.pop(cid, None)
        self._last_failure.pop(cid, None)

    # --- discovery ----------------------------------------------------------------------------
    def failures(self, cid: str) -> int:
        return self._failures.get(cid, 0)

    def gave_up(self, cid: str) -> bool:
        """All tries of this run failed: no more discovery until the container restarts."""
        return self.failures(cid) >= self.max_tries

    def retry_in(self, cid: str) -> float:
        """Seconds until the retry delay after the last failure has elapsed (0 when it has)."""
        last = self._last_failure.get(cid)
        if last is None:
            return 0.0
        return max(0.0, self.retry_delay - (self._clock() - last))

    def should_discover(self, cid: str) -> bool:
        return (cid not in self._servers and cid not in self._in_flight and not self.gave_up(cid)
                and self.retry_in(cid) <= 0.0)

    def discovery_started(self, cid: str) -> None:
        self._in_flight.add(cid)

    def discovery_finished(self, cid: str, server: JupyterServer | None) -> bool:
        """Record the answer; False when it was dropped (the run it describes is over), so the
        caller shows nothing of it."""
        self._in_flight.discard(cid)
        if cid in self._stale:
            self._stale.discard(cid)
            return False
        if server is not None:
            self.set(cid, server)
            return True
        self._failures[cid] = self._failures.get(cid, 0) + 1
        self._last_failure[cid] = self._clock()
        return True
