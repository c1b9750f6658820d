"""The logs pane: follows the selected container's logs, bounded, filterable, wrap and timestamps."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Log

from ..engine import ContainerSummary, Engine, EngineError, LogLine
from ..engine.streams import Stream
from ..logtext import clean, display_lines

DRAIN_SECONDS = 0.1  # how often lines read by the worker are drawn: a flood becomes one write per tick


class LogFeed:
    """What the reader thread shares with the pane: the open stream and the lines read but not
    drawn yet. The thread only touches this object, never the widget."""

    def __init__(self, max_lines: int) -> None:
        self.lock = threading.Lock()
        self.stream: Stream | None = None
        self.pending: deque[LogLine] = deque(maxlen=max_lines)
        self.generation = 0


class LogEnded(Message):
    """The reader of `generation` stopped, for `reason` (in the user's words)."""

    def __init__(self, generation: int, reason: str) -> None:
        super().__init__()
        self.generation = generation
        self.reason = reason


class LogPane(Vertical):
    BINDINGS = [
        Binding("t", "toggle_timestamps", "Timestamps", id="logs-timestamps"),
        Binding("w", "toggle_wrap", "Wrap", id="logs-wrap"),
        Binding("s", "save", "Save log", id="logs-save"),
        Binding("f", "follow", "Follow", id="logs-follow"),
    ]

    def __init__(self, *, tail: int = 300, max_lines: int = 5000, timestamps: bool = False,
                 wrap: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tail = tail
        self.max_lines = max_lines
        self.timestamps = timestamps
        self.wrap = wrap
        self.filter_text = ""
        self.container: ContainerSummary | None = None
        self.lines: deque[LogLine] = deque(maxlen=max_lines)
        self.feed = LogFeed(max_lines)
        self.follow_state = "no container selected"
        self.total_received = 0

    def compose(self) -> ComposeResult:
        self.log_view = Log(id="log-view", max_lines=self.max_lines, auto_scroll=True, highlight=False)
        yield self.log_view
        yield Input(id="log-filter", placeholder="filter log lines (Enter to keep, Esc to clear)")

    def on_mount(self) -> None:
        self.query_one("#log-filter").display = False
        self.set_interval(DRAIN_SECONDS, self._drain)
        # Log follows only while scrolled to the end: show when following is paused.
        self.watch(self.log_view, "scroll_y", self._scrolled, init=False)
        self._update_title()

    def _scrolled(self, _: float) -> None:
        self._update_title()

    # --- following ----------------------------------------------------------------------------
    def follow(self, container: ContainerSummary | None, engine: Engine | None,
               since: str | None = None) -> None:
        """Switch to `container` (or to nothing); `since` resumes after a reconnect."""
        self.close_stream()
        if not self.is_attached:
            return  # the app is closing
        resuming = since is not None and container is not None and self.container is not None \
            and container.id == self.container.id
        self.container = container
        if not resuming:
            self.lines.clear()
            self.feed.pending.clear()
            self.log_view.clear()
            self.total_received = 0
        if container is None or engine is None:
            self.follow_state = "no container selected" if container is None else "engine not connected"
            self._update_title()
            return
        self.follow_state = "following"
        self._update_title()
        self._read(engine, container.id, self.feed.generation, since)

    @work(thread=True, exclusive=True, group="logs", exit_on_error=False, description="follow logs")
    def _read(self, engine: Engine, container_id: str, generation: int, since: str | None) -> None:
        feed = self.feed
        try:
            stream = engine.logs(container_id, tail=None if since else self.tail, since=since,
                                 timestamps=True, follow=True)
        except EngineError as exc:
            self.post_message(LogEnded(generation, f"cannot read logs: {exc.message}"))
            return
        with feed.lock:
            if generation != feed.generation:
                stream.close()
                return
            feed.stream = stream
        reason = "container stopped: log ended"
        try:
            for line in stream:
                feed.pending.append(line)
        except EngineError as exc:
            reason = f"log stream broke: {exc.message}"
        except Exception as exc:  # whatever ends the stream, the pane says why
            reason = f"log stream broke: {type(exc).__name__}: {exc}"
        if generation == feed.generation:  # else closed on purpose: nothing to say
            self.post_message(LogEnded(generation, reason))

    def close_stream(self) -> None:
        feed = self.feed
        with feed.lock:
            # A reader that has not stored its stream yet sees the new generation and closes it.
            feed.generation += 1
            stream, feed.stream = feed.stream, None
        if stream is not None:
            stream.close()

    def on_unmount(self) -> None:
        self.close_stream()

    def on_log_ended(self, message: LogEnded) -> None:
        message.stop()
        if message.generation != self.feed.generation:
            return
        self._drain()
        self.follow_state = message.reason
        self._update_title()

    @property
    def following(self) -> bool:
        """A log stream is open (it is closed on purpose when the engine is lost)."""
        return self.feed.stream is not None

    @property
    def last_timestamp(self) -> str | None:
        return self.lines[-1].timestamp if self.lines and self.lines[-1].timestamp else None

    # --- drawing ------------------------------------------------------------------------------
    def _format_line(self, line: LogLine) -> list[str]:
        text = line.text
        if self.timestamps and line.timestamp:
            text = f"{line.timestamp[:19].replace('T', ' ')} {text}"
        width = self.log_view.scrollable_content_region.width - 1 if self.wrap else None
        return display_lines(text, width=width)

    def _matches(self, line: LogLine) -> bool:
        return not self.filter_text or self.filter_text.lower() in line.text.lower()

    def _drain(self) -> None:
        pending = self.feed.pending
        if not pending:
            return
        batch: list[LogLine] = []
        while pending:
            try:
                batch.append(pending.popleft())
            except IndexError:
                break
        self.total_received += len(batch)
        self.lines.extend(batch)
        out: list[str] = []
        for line in batch[-self.max_lines:]:
            if self._matches(line):
                out.extend(self._format_line(line))
        if out:
            self.log_view.write_lines(out[-self.max_lines:])
        self._update_title()

    def rerender(self) -> None:
        out: list[str] = []
        for line in self.lines:
            if self._matches(line):
                out.extend(self._format_line(line))
        self.log_view.clear()
        self.log_view.write_lines(out[-self.max_lines:])
        self._update_title()

    def visible_text(self) -> list[str]:
        return list(self.log_view.lines)

    def on_resize(self) -> None:
        if self.wrap:
            self.rerender()

    def _update_title(self) -> None:
        name = self.container.name if self.container else "—"
        at_end = self.log_view.is_vertical_scroll_end if self.is_mounted else True
        follow = self.follow_state
        if not at_end and follow == "following":
            follow = "paused (scrolled up; f to follow)"
        flags = [f for f, on in (("timestamps", self.timestamps), ("wrap", self.wrap)) if on]
        if self.filter_text:
            flags.append(f"filter '{self.filter_text}'")
        extra = f" · {', '.join(flags)}" if flags else ""
        # Container names, filters and engine reasons are not ours: a Content is never markup.
        self.border_title = Content(clean(f"[3] Logs — {name} · {follow}{extra}"))
        self.border_subtitle = Content(f"{len(self.lines)} lines kept (max {self.max_lines})")

    # --- actions ------------------------------------------------------------------------------
    def action_toggle_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self.rerender()

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self.rerender()

    def action_follow(self) -> None:
        self.log_view.scroll_end(animate=False)
        self._update_title()

    def action_save(self) -> None:
        if not self.lines:
            self.notify("Nothing to save: the log is empty.", severity="warning")
            return
        name = self.container.name if self.container else "log"
        path = Path.cwd() / f"jtui-{name}-{datetime.now():%Y%m%d-%H%M%S}.log"
        # The records as the engine sent them (filtered as shown), never the screen's wrapped
        # lines: a saved log is for grep and bug reports.
        records = [self._record_text(line) for line in self.lines if self._matches(line)]
        try:
            path.write_text("\n".join(records) + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save the log: {exc}", severity="error")
            return
        self.notify(f"Saved {len(records)} lines to {path}")

    def _record_text(self, line: LogLine) -> str:
        stamp = f"{line.timestamp} " if self.timestamps and line.timestamp else ""
        return stamp + clean(line.text)

    def open_filter(self) -> None:
        box = self.query_one("#log-filter", Input)
        box.display = True
        box.value = self.filter_text
        # Focus now, not on the next idle: keys typed right after "/" must land in the box.
        self.screen.set_focus(box)

    def clear_filter(self) -> None:
        box = self.query_one("#log-filter", Input)
        if self.filter_text or box.display:
            box.value = ""
            box.display = False
            self.filter_text = ""
            self.rerender()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "log-filter":
            event.stop()
            self.filter_text = event.value
            self.rerender()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "log-filter":
            event.stop()
            event.input.display = bool(self.filter_text)
            self.log_view.focus()
