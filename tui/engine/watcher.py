"""Keeps a live view of one engine: connect with backoff, list once, then follow the event stream
in batches, and notice an engine that stops answering.

Plain Python with a listener interface, so the UI can turn each callback into a message and the
logic can be tested without a terminal. Events that arrive close together travel as one batch of
`Changes` (a burst of creates and removes costs the UI one update, and several events of one
container cost one inspect). A lost stream (daemon restart, cut connection) leads to a reconnect
and a full re-list, since the daemon's short event history cannot be trusted across a reconnect.
A stream can also go silent without breaking (a frozen daemon, a stalled proxy or network): after
`HEALTH_EVERY` seconds without news the engine is pinged with a short timeout, and a stall is
reported until it answers again; then the stream is reopened and the view re-listed.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
REMOVAL_ACTIONS = {"destroy", "remove"}
IMAGE_ACTIONS = {"pull", "push", "tag", "untag", "delete", "import", "load", "save", "build",
                 "create", "prune"}

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
# Events arriving within this long of the first one travel together: adds at most this much to
# the event -> screen latency, and turns a flood of events into a few updates per second.
BATCH_SECONDS = 0.05
# No event for this long: ask the engine whether it still answers, with a short timeout. A silent
# stream is normal (nothing happens), a silent engine is not.
HEALTH_EVERY = 4.0
PING_TIMEOUT = 2.0


@dataclass
class Changes:
    """What changed on the engine, newest state per container, for the UI to apply in one go.

    With `snapshot`, `containers` and `images` are the whole lists (anything else is gone);
    otherwise `containers` holds the containers that changed, `removed` the ids that went, and
    `images` the new image list if images changed. `actions` keeps, per container id, the event
    actions seen, in order (the UI reacts to starts and stops)."""

    containers: dict[str, ContainerSummary] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    images: list[ImageSummary] | None = None
    snapshot: bool = False

    @classmethod
    def full(cls, containers: list[ContainerSummary], images: list[ImageSummary]) -> Changes:
        return cls(containers={c.id: c for c in containers}, images=list(images), snapshot=True)

    def __bool__(self) -> bool:
        return bool(self.snapshot or self.containers or self.removed or self.images is not None)

    def merge(self, later: Changes) -> None:
        """Fold `later` into this (older) batch: the result is what applying both would do."""
        if later.snapshot:
            self.containers = dict(later.containers)
            self.removed = set(later.removed)
            self.actions = dict(later.actions)
            self.images = later.images
            self.snapshot = True
            return
        for cid, container in later.containers.items():
            self.containers[cid] = container
            self.removed.discard(cid)
        for cid in later.removed:
            self.containers.pop(cid, None)
            self.removed.add(cid)
        for cid, actions in later.actions.items():
            self.actions[cid] = self.actions.get(cid, ()) + actions
        if later.images is not None:
            self.images = later.images


class PendingChanges:
    """Changes waiting for the UI, merged as they come: however far behind the UI falls, it
    applies one batch, never a backlog. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Changes | None = None

    def put(self, changes: Changes) -> bool:
        """Add a batch; True when nothing was waiting (the UI must be told to take)."""
        with self._lock:
            if self._pending is None:
                self._pending = changes
                return True
            self._pending.merge(changes)
            return False

    def take(self) -> Changes | None:
        with self._lock:
            pending, self._pending = self._pending, None
        return pending


class WatchListener(Protocol):
    def connected(self, engine: Engine) -> None: ...
    def unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None: ...
    def lost(self, error: EngineError) -> None: ...
    def changes(self, changes: Changes) -> None: ...
    def stalled(self, since: float) -> None:
        """The engine stopped answering; `since` (time.monotonic) is when it last did."""
    def answering(self) -> None:
        """The engine answers again after a stall; a full re-list follows."""


class HeldListener:
    """Holds what a watcher says until the listener that shows it is there, then passes it on,
    in order. The `jtui` command starts watching before it imports the UI: the engine's first
    answers (connect, the lists: ~0.1 s of waiting on the engine) then overlap the UI's start-up
    instead of following it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: list[tuple[str, tuple[object, ...]]] = []
        self._target: WatchListener | None = None

    def attach(self, target: WatchListener) -> None:
        # Replayed under the lock: a call arriving meanwhile waits, so nothing overtakes.
        with self._lock:
            self._target = target
            held, self._held = self._held, []
            for name, args in held:
                getattr(target, name)(*args)

    def _say(self, name: str, *args: object) -> None:
        with self._lock:
            if self._target is None:
                self._held.append((name, args))
                return
            target = self._target
        getattr(target, name)(*args)

    def connected(self, engine: Engine) -> None:
        self._say("connected", engine)

    def unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None:
        self._say("unreachable", error, retry_in, attempt)

    def lost(self, error: EngineError) -> None:
        self._say("lost", error)

    def changes(self, changes: Changes) -> None:
        self._say("changes", changes)

    def stalled(self, since: float) -> None:
        self._say("stalled", since)

    def answering(self) -> None:
        self._say("answering")


@dataclass
class EarlyWatch:
    """A watcher already running (on a daemon thread) for an app that is not there yet."""

    watcher: EngineWatcher
    listener: HeldListener

    @classmethod
    def start(cls, connect: Callable[[], Engine]) -> EarlyWatch:
        listener = HeldListener()
        watcher = EngineWatcher(connect, listener)
        threading.Thread(target=watcher.run, name="engine events", daemon=True).start()
        return cls(watcher, listener)


@dataclass
class _End:
    """The reader's last item: the event stream ended (error None: closed by us)."""

    error: EngineError | None


_WAKE = object()  # an item that only wakes the batching loop (stop, re-list, restart)


class EngineWatcher:
    def __init__(self, connect: Callable[[], Engine], listener: WatchListener,
                 backoff: tuple[float, ...] = BACKOFF, *, batch_seconds: float = BATCH_SECONDS,
                 health_every: float = HEALTH_EVERY, ping_timeout: float = PING_TIMEOUT) -> None:
        self._connect = connect
        self._listener = listener
        self._backoff = backoff
        self._batch_seconds = batch_seconds
        self._health_every = health_every
        self._ping_timeout = ping_timeout
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stream: Stream | None = None
        self._inbox: queue.Queue[object] | None = None
        self._wake = threading.Event()
        self._relist = threading.Event()
        self._restart = threading.Event()
        self._last_heard = time.monotonic()
        self.engine: Engine | None = None

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            stream, inbox = self._stream, self._inbox
        if inbox is not None:
            inbox.put(_WAKE)
        if stream is not None:
            stream.close()

    def retry_now(self) -> None:
        """Skip the rest of the current backoff wait."""
        self._wake.set()

    def resync(self) -> None:
        """Re-list everything soon, in order with the events (a re-list taken before an event is
        never applied after it)."""
        self._relist.set()
        with self._lock:
            inbox = self._inbox
        if inbox is not None:
            inbox.put(_WAKE)

    def run(self) -> None:
        """Blocking: call from a thread. Returns after stop()."""
        attempt = 0
        lost = False
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
            if lost:
                # The lost engine's connections died with errors whose tracebacks hold their
                # sockets in reference cycles: those are freed when the collector next runs,
                # which a quiet jtui may not do for minutes (tests/terminal/test_soak.py saw 7
                # sockets still open after the reconnect). Once per loss, not per attempt.
                lost = False
                gc.collect()
            error: EngineError | None = None
            while error is None and not self._stop.is_set():
                # None: the engine answered again after a stall; follow it on a fresh stream.
                error = self._follow(engine)
            if self._stop.is_set() or error is None:
                break
            self._listener.lost(error)
            lost = True
            try:
                engine.close()
            except Exception:  # the engine is gone already: closing cannot tell it anything
                log.debug("closing a lost engine", exc_info=True)
            # A short pause so a daemon that is restarting gets a moment before the first retry.
            self._wake.wait(self._backoff[0])
            self._wake.clear()

    # --- following one engine -------------------------------------------------------------------
    def _follow(self, engine: Engine) -> EngineError | None:
        """Follow `engine` until its stream breaks (the error) or it must be reopened (None)."""
        inbox: queue.Queue[object] = queue.Queue()
        done = threading.Event()
        self._restart.clear()
        self._heard()
        with self._lock:
            self._inbox = inbox
        # Watching from the start: opening the stream itself waits for as long as the engine does.
        health = threading.Thread(target=self._watch_health, args=(engine, inbox, done),
                                  name="engine health", daemon=True)
        health.start()
        stream: Stream | None = None
        try:
            # Open the stream before listing: nothing that happens in between is missed.
            stream = engine.events()
            with self._lock:
                self._stream = stream
            if self._stop.is_set():
                stream.close()
            threading.Thread(target=self._read, args=(stream, inbox), name="engine events",
                             daemon=True).start()
            self._relist.clear()
            self._listener.changes(Changes.full(engine.list_containers(), engine.list_images()))
            return self._pump(engine, inbox)
        except EngineError as exc:
            return exc
        except Exception as exc:
            # The engine layer raises only EngineError: this is a bug of ours. It must not kill
            # the watcher (the app would wait forever), so report the engine lost and reconnect.
            log.exception("the engine watcher failed")
            return EngineUnreachable(f"Lost the Docker engine at {engine.endpoint.display}: {exc}",
                                     endpoint=engine.endpoint.display, reason="other")
        finally:
            done.set()
            with self._lock:
                self._stream, self._inbox = None, None
            if stream is not None:
                stream.close()
            if not self._stop.is_set():
                # Its last report must not land after what comes next (lost, a new stream).
                health.join(self._ping_timeout + 1.0)

    def _read(self, stream: Stream, inbox: queue.Queue[object]) -> None:
        """The event stream, item by item, into the inbox (its own thread: reading blocks)."""
        try:
            for event in stream:
                self._heard()
                inbox.put(event)
        except EngineError as exc:
            inbox.put(_End(exc))
            return
        except Exception as exc:  # a bug of ours: end this stream, the watcher reconnects
            log.exception("reading engine events failed")
            inbox.put(_End(EngineUnreachable(f"Lost the Docker engine at {stream.endpoint}: {exc}",
                                             endpoint=stream.endpoint, reason="other")))
            return
        inbox.put(_End(None))

    def _pump(self, engine: Engine, inbox: queue.Queue[object]) -> EngineError | None:
        """Take events in batches and apply each batch: returns how the stream ended."""
        while True:
            item = inbox.get()
            if self._stop.is_set():
                return None
            if isinstance(item, _End):
                return self._ended(engine, item)
            batch: list[EngineEvent] = []
            end: _End | None = None
            if isinstance(item, EngineEvent):
                batch.append(item)
                deadline = time.monotonic() + self._batch_seconds
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        more = inbox.get(timeout=left)
                    except queue.Empty:
                        break
                    if isinstance(more, _End):
                        end = more
                        break
                    if isinstance(more, EngineEvent):
                        batch.append(more)
            if self._restart.is_set():
                return None
            if batch:
                changes = self._changes(engine, batch)
                if changes:
                    self._listener.changes(changes)
            if self._relist.is_set():
                self._relist.clear()
                self._listener.changes(Changes.full(engine.list_containers(), engine.list_images()))
            if end is not None:
                return self._ended(engine, end)

    def _ended(self, engine: Engine, end: _End) -> EngineError | None:
        if end.error is not None:
            return end.error
        if self._stop.is_set() or self._restart.is_set():
            return None
        # The stream ended without an error: the daemon went away (or restarted).
        return EngineUnreachable(f"The Docker engine at {engine.endpoint.display} closed the "
                                 "connection", endpoint=engine.endpoint.display, reason="other")

    def _changes(self, engine: Engine, events: list[EngineEvent]) -> Changes:
        """One batch of events as Changes: one inspect per changed container, one image list."""
        changes = Changes()
        changed: dict[str, None] = {}  # ids to inspect, in order of their first event
        images = False
        for event in events:
            if event.type == "container" and event.base_action in ROW_ACTIONS:
                cid, action = event.actor_id, event.base_action
                changes.actions[cid] = changes.actions.get(cid, ()) + (action,)
                if action in REMOVAL_ACTIONS:
                    changed.pop(cid, None)
                    changes.removed.add(cid)
                elif cid not in changes.removed:
                    changed[cid] = None
            elif event.type == "image" and event.base_action in IMAGE_ACTIONS:
                images = True
        for cid in changed:
            try:
                changes.containers[cid] = engine.inspect_container(cid).summary
            except NotFound:
                changes.removed.add(cid)
        if images:
            changes.images = engine.list_images()
        return changes

    # --- is the engine still there? ---------------------------------------------------------------
    def _heard(self) -> None:
        self._last_heard = time.monotonic()

    def _watch_health(self, engine: Engine, inbox: queue.Queue[object], done: threading.Event) -> None:
        """Ping the engine whenever nothing was heard from it for `health_every` seconds. Runs
        beside the batching loop, which may itself be stuck in a call to the frozen engine."""
        stalled = False
        pinger: threading.Thread | None = None
        answered = threading.Event()
        while not done.is_set():
            quiet = time.monotonic() - self._last_heard
            if quiet < self._health_every and not stalled:
                done.wait(self._health_every - quiet)
                continue
            if pinger is None or not pinger.is_alive():
                # A thread of its own: the timeout is ours even where a transport ignores it.
                answered.clear()
                pinger = threading.Thread(target=self._ping, args=(engine, answered),
                                          name="engine ping", daemon=True)
                pinger.start()
            pinger.join(self._ping_timeout)
            if done.is_set():
                return
            if answered.is_set():
                self._heard()
                if stalled:
                    stalled = False
                    log.info("the engine at %s answers again", engine.endpoint.display)
                    self._listener.answering()
                    # The old stream may be dead without knowing it (a network that dropped
                    # without a reset): follow on a new one, re-listed.
                    self._restart.set()
                    inbox.put(_WAKE)
                continue
            if not stalled:
                stalled = True
                log.warning("the engine at %s does not answer", engine.endpoint.display)
                self._listener.stalled(self._last_heard)
            done.wait(1.0)

    def _ping(self, engine: Engine, answered: threading.Event) -> None:
        try:
            if engine.ping(timeout=self._ping_timeout):
                answered.set()
        except EngineError as exc:
            log.debug("ping: %s", exc)
