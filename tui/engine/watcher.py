"""Keeps a live view of one engine: connect with backoff, list once, then follow the event stream.

Plain Python with a listener interface, so the UI can turn each callback into a message and the
logic can be tested without a terminal. An event re-inspects only the object it names; a lost
stream (daemon restart, cut connection) leads to a reconnect and a full re-list, since the
daemon's short event history cannot be trusted across a reconnect.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from .client import Engine
from .errors import EngineError, EngineUnreachable, NotFound
from .models import ContainerSummary, EngineEvent, ImageSummary
from .streams import Stream

log = logging.getLogger(__name__)

# Container actions that change what a row shows; exec_* (healthchecks every few seconds),
# attach, resize, top... change nothing visible and would cost an inspect each.
ROW_ACTIONS = {"create", "start", "restart", "stop", "die", "kill", "pause", "unpause", "rename",
               "health_status", "update", "oom", "destroy", "remove"}
IMAGE_ACTIONS = {"pull", "push", "tag", "untag", "delete", "import", "load", "save", "build",
                 "create", "prune"}

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


class WatchListener(Protocol):
    def connected(self, engine: Engine) -> None: ...
    def unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None: ...
    def lost(self, error: EngineError) -> None: ...
    def snapshot(self, containers: list[ContainerSummary], images: list[ImageSummary]) -> None: ...
    def container_changed(self, container: ContainerSummary, event: EngineEvent) -> None: ...
    def container_removed(self, container_id: str, event: EngineEvent) -> None: ...
    def images_changed(self, images: list[ImageSummary]) -> None: ...


class EngineWatcher:
    def __init__(self, connect: Callable[[], Engine], listener: WatchListener,
                 backoff: tuple[float, ...] = BACKOFF) -> None:
        self._connect = connect
        self._listener = listener
        self._backoff = backoff
        self._stop = threading.Event()
        self._stream_lock = threading.Lock()
        self._stream: Stream | None = None
        self._wake = threading.Event()
        self.engine: Engine | None = None

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._stream_lock:
            stream = self._stream
        if stream is not None:
            stream.close()

    def retry_now(self) -> None:
        """Skip the rest of the current backoff wait."""
        self._wake.set()

    def run(self) -> None:
        """Blocking: call from a thread. Returns after stop()."""
        attempt = 0
        while not self._stop.is_set():
            try:
                engine = self._connect()
            except EngineError as exc:
                delay = self._backoff[min(attempt, len(self._backoff) - 1)]
                attempt += 1
                self._listener.unreachable(exc, delay, attempt)
                self._wake.wait(delay)
                self._wake.clear()
                continue
            attempt = 0
            self.engine = engine
            self._listener.connected(engine)
            error = self._follow(engine)
            if self._stop.is_set():
                break
            self._listener.lost(error)
            try:
                engine.close()
            except Exception:  # the engine is gone already: closing cannot tell it anything
                log.debug("closing a lost engine", exc_info=True)
            # A short pause so a daemon that is restarting gets a moment before the first retry.
            self._wake.wait(self._backoff[0])
            self._wake.clear()

    def _follow(self, engine: Engine) -> EngineError:
        try:
            # Open the stream before listing: nothing that happens in between is missed.
            stream = engine.events()
            with self._stream_lock:
                self._stream = stream
            if self._stop.is_set():
                stream.close()
            self._listener.snapshot(engine.list_containers(), engine.list_images())
            for event in stream:
                if self._stop.is_set():
                    break
                self._handle(engine, event)
        except EngineError as exc:
            return exc
        except Exception as exc:
            # The engine layer raises only EngineError: this is a bug of ours. It must not kill
            # the watcher (the app would wait forever), so report the engine lost and reconnect.
            return EngineUnreachable(f"Lost the Docker engine at {engine.endpoint.display}: {exc}",
                                     endpoint=engine.endpoint.display, reason="other")
        finally:
            with self._stream_lock:
                self._stream = None
        # The stream ended without an error: the daemon went away (or restarted).
        return EngineUnreachable(f"The Docker engine at {engine.endpoint.display} closed the "
                                 "connection", endpoint=engine.endpoint.display, reason="other")

    def _handle(self, engine: Engine, event: EngineEvent) -> None:
        if event.type == "container":
            action = event.base_action
            if action not in ROW_ACTIONS:
                return
            if action in ("destroy", "remove"):
                self._listener.container_removed(event.actor_id, event)
                return
            try:
                details = engine.inspect_container(event.actor_id)
            except NotFound:
                self._listener.container_removed(event.actor_id, event)
                return
            self._listener.container_changed(details.summary, event)
        elif event.type == "image" and event.base_action in IMAGE_ACTIONS:
            self._listener.images_changed(engine.list_images())

