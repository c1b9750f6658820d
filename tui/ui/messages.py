"""Typed messages that thread workers post to the app and the main screen (post_message is
thread-safe and never blocks)."""

from __future__ import annotations

from textual.message import Message

from ..engine import ContainerSummary, Engine, EngineError, ImageSummary
from ..engine.watcher import PendingChanges


class EngineConnected(Message):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine


class EngineUnreachableNow(Message):
    """Connecting failed; another try comes in `retry_in` seconds."""

    def __init__(self, error: EngineError, retry_in: float, attempt: int) -> None:
        super().__init__()
        self.error = error
        self.retry_in = retry_in
        self.attempt = attempt


class EngineLost(Message):
    def __init__(self, error: EngineError) -> None:
        super().__init__()
        self.error = error


class Snapshot(Message):
    """A full re-list from outside the watcher (fixed data in tests, a caller without a watcher)."""

    def __init__(self, containers: list[ContainerSummary], images: list[ImageSummary]) -> None:
        super().__init__()
        self.containers = containers
        self.images = images


class EngineNews(Message):
    """Changes from the engine are waiting in `pending`: take them all at once. At most one of
    these is on its way at a time, however fast the engine changes."""

    def __init__(self, pending: PendingChanges) -> None:
        super().__init__()
        self.pending = pending


class EngineStalled(Message):
    """The engine stopped answering; `since` (time.monotonic) is when it last did."""

    def __init__(self, since: float) -> None:
        super().__init__()
        self.since = since


class EngineAnswering(Message):
    """The engine answers again after a stall."""


class ContainerSelected(Message):
    """The cursor of the containers table moved to another container (or to none)."""

    def __init__(self, container: ContainerSummary | None) -> None:
        super().__init__()
        self.container = container
