"""Typed messages that thread workers post to the app and the main screen (post_message is
thread-safe and never blocks)."""

from __future__ import annotations

from textual.message import Message

from ..engine import ContainerSummary, Engine, EngineError, EngineEvent, ImageSummary


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
    """A full re-list: on connect, on every reconnect and as a slow safety net."""

    def __init__(self, containers: list[ContainerSummary], images: list[ImageSummary]) -> None:
        super().__init__()
        self.containers = containers
        self.images = images


class ContainerChanged(Message):
    def __init__(self, container: ContainerSummary, event: EngineEvent | None) -> None:
        super().__init__()
        self.container = container
        self.event = event


class ContainerRemoved(Message):
    def __init__(self, container_id: str) -> None:
        super().__init__()
        self.container_id = container_id


class ImagesChanged(Message):
    def __init__(self, images: list[ImageSummary]) -> None:
        super().__init__()
        self.images = images


class ContainerSelected(Message):
    """The cursor of the containers table moved to another container (or to none)."""

    def __init__(self, container: ContainerSummary | None) -> None:
        super().__init__()
        self.container = container
