"""The one way background work reaches the screen.

`JobRunner` runs a plain-Python job (see `tui.engine.jobs`) in a thread worker. The worker never
touches a widget: it appends what the job yields to a buffer and posts a `JobUpdate` to the
target only when none is waiting, so a flood of output costs one message per screen refresh and
a line printed once a second is shown at once. A job that raises ends as a `Failed` made by the
one error presenter. When the window showing a job goes away, the job is cancelled and its
outcome is redirected to the app, which says it in a notification.

`run_in_thread` is the same guarantee for short engine calls: any exception becomes a
`BackgroundFailed` message for the app (a notification and a traceback in the log file), never a
silent dead worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from textual.app import App
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump

from ..engine.jobs import Done, Failed, Job, JobEvent, Line, Progress
from ..present import describe_failure

log = logging.getLogger(__name__)

MAX_PENDING_LINES = 20_000  # lines waiting for the screen; beyond that the oldest are skipped


@dataclass
class Batch:
    """What arrived since the last look, in order: lines, the newest progress, the outcome."""

    lines: list[Line] = field(default_factory=list)
    skipped: int = 0
    progress: Progress | None = None
    outcome: Done | Failed | None = None


class JobUpdate(Message):
    """New output or the outcome of `runner` is waiting: call `runner.take()`."""

    def __init__(self, runner: JobRunner) -> None:
        super().__init__()
        self.runner = runner


class BackgroundFailed(Message):
    """A background call failed in a way nobody handled: the app says so and logs it."""

    def __init__(self, what: str, failure: Failed) -> None:
        super().__init__()
        self.what = what
        self.failure = failure


class JobRunner:
    def __init__(self, app: App, job: Job, *, title: str, target: MessagePump | None = None,
                 on_outcome: Callable[[Done | Failed], None] | None = None) -> None:
        self.app = app
        self.job = job
        self.title = title
        self.cancel = threading.Event()
        self.on_outcome = on_outcome
        self.outcome: Done | Failed | None = None
        self._target: MessagePump = target or app
        self._lock = threading.Lock()
        self._pending = Batch()
        self._posted = False
        self._delivered = False

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def start(self) -> None:
        self.app.run_worker(self._work, name=self.title, group="jobs", thread=True,
                            exit_on_error=False, description=self.title)

    # --- worker thread --------------------------------------------------------------------------
    def _work(self) -> None:
        outcome: Done | Failed | None = None
        try:
            for event in self.job(self.cancel):
                if isinstance(event, (Done, Failed)):
                    outcome = event
                    break
                self._push(event)
        except BaseException as exc:
            outcome = describe_failure(exc)
            if outcome.summary.startswith("Unexpected error"):
                log.exception("job %r failed", self.title)
            else:
                log.info("job %r failed: %s", self.title, outcome.summary)
        self._push(outcome or Done(f"{self.title}: finished."))

    def _push(self, event: JobEvent) -> None:
        with self._lock:
            pending = self._pending
            if isinstance(event, Line):
                pending.lines.append(event)
                if len(pending.lines) > MAX_PENDING_LINES:
                    drop = len(pending.lines) - MAX_PENDING_LINES
                    del pending.lines[:drop]
                    pending.skipped += drop
            elif isinstance(event, Progress):
                # Coalesced: only the newest progress is shown, but a bar keeps the last known
                # fraction when a later step says only words ("Starting..." after a pull).
                before = pending.progress
                if event.fraction is None and before is not None and before.fraction is not None:
                    event = Progress(event.text, before.fraction)
                pending.progress = event
            else:
                pending.outcome = event
            if self._posted:
                return
            self._posted = True
            target = self._target
        if not target.post_message(JobUpdate(self)) and target is not self.app:
            self.redirect_to_app()

    # --- UI thread ------------------------------------------------------------------------------
    def take(self) -> Batch:
        """Everything waiting, once; the outcome is also remembered on the runner."""
        with self._lock:
            batch, self._pending = self._pending, Batch()
            self._posted = False
        if batch.outcome is not None and not self._delivered:
            self._delivered = True
            self.outcome = batch.outcome
            if self.on_outcome is not None:
                self.on_outcome(batch.outcome)
        return batch

    def redirect_to_app(self) -> None:
        """The window went away: the app reports the outcome from now on."""
        with self._lock:
            self._target = self.app
            waiting = self._pending.outcome is not None or self._pending.lines
            self._posted = bool(waiting)
        if waiting:
            self.app.post_message(JobUpdate(self))


def run_in_thread(node: DOMNode, work: Callable[[], None], what: str) -> None:
    """Run a short blocking call off the UI thread; an exception it lets through is reported."""
    app = node.app

    def guarded() -> None:
        try:
            work()
        except BaseException as exc:
            failure = describe_failure(exc)
            if failure.summary.startswith("Unexpected error"):
                log.exception("%s failed", what)
            app.post_message(BackgroundFailed(what, failure))

    node.run_worker(guarded, name=what, group=what, thread=True, exit_on_error=False,
                    description=what)
