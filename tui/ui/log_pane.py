"""The logs pane: follows the selected container's logs, bounded, filterable, wrap and timestamps;
searches with highlights (n/N), copies lines, colours stderr, Jupyter's log levels and the ANSI
colours a container prints, and reads the part of the log the user picks (last lines, since).

A reader thread turns the engine's stream into records and leaves them in a bounded queue; a
timer hands what arrived to the LineView in one batch per tick, where a record costs nothing
until its row is drawn. The timer runs only while lines arrive (or a line waits for its newline):
the reader wakes it when the queue was empty, and it pauses itself once the queue is empty again,
so a quiet log costs no CPU at all. The queue keeps the newest `max_lines`, as the view does: a flood drops
on the way what the view would drop anyway, and the keys keep answering.

When a container logs faster than the reader can read (a sustained flood), the reader falls
behind the engine; once it is `lag_limit` seconds behind, it skips to the end of the log (a new
stream from its last `tail` lines, as when the pane opens) and leaves a marker where lines were
skipped. Saving then reads the whole span again from the engine, skipped lines included.

A record is a plain tuple (stream, text, timestamp), not the engine's LogLine: Python's garbage
collector stops tracking such tuples, while a flood of tracked objects passing through the ring
made it run full collections every second, each freezing the screen for 40-200 ms.
`LogPane.lines` shows them as LogLines.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, overload

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from ..engine import ContainerSummary, Engine, EngineError, LogLine
from ..engine.streams import Stream
from ..log_range import HELP as RANGE_HELP
from ..log_range import BadLogRange, LogRange, parse_log_range
from ..log_search import BadPattern, LogQuery
from ..logtext import clean, clean_line, strip_escapes
from .dialogs import FormScreen, FormValues
from .line_view import LineView, Marker

if TYPE_CHECKING:
    from ..app import JtuiApp

DRAIN_SECONDS = 0.1  # how often lines read by the worker are drawn: a flood becomes one write per tick
PARTIAL_AFTER = 0.3  # a line without its newline yet is shown once it waited this long
HUNG_AFTER = 2.0  # a stopped container's stream silent this long is closed (some engines hang)
LAG_LIMIT = 3.0  # seconds the reader may fall behind the log before it skips to its end
LAG_CHECK = 2000  # lines read between two looks at how far behind the reader is
SAVE_PROGRESS_EVERY = 0.25  # seconds between two progress reports of a save
SEARCH_SECONDS = 0.05  # how often the search looks at more lines while it counts its matches
# Time spent looking per tick, at most: the screen keeps answering while a search counts its
# matches in a full ring (200,000 lines: ~0.6 s of looking, spread over ~2 s).
SEARCH_BUDGET = 0.015
SEARCH_CHUNK = 1000  # lines looked at between two looks at the clock
# Jupyter's log prefix, "[W 2026-11-28 01:02:03.456 ServerApp]": its level's colour.
LEVEL_CLASSES = {"[W ": "warning", "[E ": "error", "[C ": "critical"}

Record = tuple[str, str, str]  # a LogLine's stream, text and timestamp


def record(line: LogLine) -> Record:
    return line.stream, line.text, line.timestamp


def line_class(rec: Record | Marker) -> str | None:
    """How a record is coloured: by its Jupyter log level when it has one, else stderr apart.

    Jupyter (Python's logging) writes all of its log to stderr, info lines included: a level
    prefix says more than the stream, and "[I"/"[D" lines keep the normal colour so that the
    real warnings and errors stand out."""
    if isinstance(rec, Marker):
        return None
    text = rec[1]
    if text[:1] == "\x1b":  # a prefix coloured by the program itself (a TTY)
        text = strip_escapes(text[:64])
    if text[:1] == "[":
        level = LEVEL_CLASSES.get(text[:3])
        if level is not None:
            return level
        if text[:3] in ("[I ", "[D "):
            return None
    return "stderr" if rec[0] == "stderr" else None


def stamp_seconds(stamp: str) -> float:
    """Unix time of an engine timestamp ("2026-11-27T21:40:51.123456789Z", UTC), to the second."""
    return datetime.fromisoformat(stamp[:19]).replace(tzinfo=UTC).timestamp()


def stamp_nanos(stamp: str) -> int:
    fraction = stamp[20:].rstrip("Z") if stamp[19:20] == "." else ""
    return int(stamp_seconds(stamp)) * 1_000_000_000 + int(fraction.ljust(9, "0")[:9] or 0)


def since_nanos(nanos: int) -> str:
    """The engine's `since`: unix seconds with nine decimals."""
    return f"{nanos // 1_000_000_000}.{nanos % 1_000_000_000:09d}"


@dataclass(frozen=True)
class Gap(Marker):
    """Where the reader skipped ahead: `after` is the timestamp of the last line read before."""

    after: str = ""


class LogFeed:
    """What one reader thread shares with the pane: its stream and the lines read but not drawn
    yet. The thread only touches this object, never the widget; each stream opened gets a new
    one, so a reader closed late cannot mix its lines into the next container's."""

    def __init__(self, max_lines: int, read: int = 0) -> None:
        self.lock = threading.Lock()
        self.stream: Stream | None = None
        self.closed = False
        self.pending: deque[Record | Gap] = deque(maxlen=max_lines)
        self.read = read  # lines read from this container (some go unseen in a flood)
        self.skips = 0  # times the reader skipped ahead
        self.awake = False  # the pane's drain timer runs (or a LinesArrived is on its way)


class LinesArrived(Message):
    """The reader of `feed` put lines in a queue that was empty: the drain timer must run."""

    def __init__(self, feed: LogFeed) -> None:
        super().__init__()
        self.feed = feed


class LogEnded(Message):
    """The reader of `feed` stopped: `state` says it in a few words (the pane's title),
    `detail` in full (the status line under the log), both in the user's words; `complete`
    when the container stopped, so that nothing more can come until it starts again."""

    def __init__(self, feed: LogFeed, state: str, detail: str = "", complete: bool = False) -> None:
        super().__init__()
        self.feed = feed
        self.state = state
        self.detail = detail
        self.complete = complete


class SaveProgress(Message):
    """A save reading the log from the engine wrote `count` lines; `error` when it failed."""

    def __init__(self, path: Path, count: int, done: bool = False, error: str = "") -> None:
        super().__init__()
        self.path = path
        self.count = count
        self.done = done
        self.error = error


class LogRecords(Sequence[LogLine]):
    """The records kept, seen as LogLines (made on access; skip markers left out)."""

    def __init__(self, ring: deque[Any]) -> None:
        self._ring = ring

    def _records(self) -> list[Record]:
        return [r for r in self._ring if not isinstance(r, Marker)]

    def __len__(self) -> int:
        return len(self._records())

    @overload
    def __getitem__(self, index: int) -> LogLine: ...
    @overload
    def __getitem__(self, index: slice) -> list[LogLine]: ...

    def __getitem__(self, index: int | slice) -> LogLine | list[LogLine]:
        if isinstance(index, slice):
            return [LogLine(*r) for r in self._records()[index]]
        return LogLine(*self._records()[index])

    def __iter__(self) -> Iterator[LogLine]:
        return (LogLine(*r) for r in self._ring if not isinstance(r, Marker))

    def extend(self, lines: Iterable[LogLine]) -> None:
        """Add records directly (then `LogPane.rerender()` draws them)."""
        self._ring.extend(record(line) for line in lines)


class LogPane(Vertical):
    BINDINGS = [
        Binding("t", "toggle_timestamps", "Timestamps", id="logs-timestamps"),
        Binding("w", "toggle_wrap", "Wrap", id="logs-wrap"),
        Binding("s", "save", "Save log", id="logs-save"),
        Binding("f", "follow", "Follow", id="logs-follow"),
        # "/" (the screen's filter key) searches here; the filter that hides lines moves to "&",
        # as in less.
        Binding("n", "next_match", "Next match", id="logs-next-match"),
        Binding("N", "previous_match", "Previous match", id="logs-previous-match"),
        Binding("ctrl+t", "toggle_regex", "Regex search on/off", id="logs-search-regex"),
        Binding("ampersand", "open_filter", "Filter lines", id="logs-filter"),
        Binding("y", "copy_line", "Copy line", id="logs-copy-line"),
        Binding("Y", "copy_block", "Copy visible lines", id="logs-copy-block"),
        Binding("T", "choose_range", "Tail/since", id="logs-range"),
    ]

    def __init__(self, *, tail: int = 300, max_lines: int = 5000, timestamps: bool = False,
                 wrap: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tail = tail
        self.max_lines = max_lines
        self.timestamps = timestamps
        self.wrap = wrap
        self.lag_limit = LAG_LIMIT
        self.filter_text = ""
        self.search = LogQuery("")
        self.search_error = ""
        self.log_range: LogRange | None = None  # the user's tail/since; None: the last `tail` lines
        self.container: ContainerSummary | None = None
        self.engine: Engine | None = None
        self.feed = LogFeed(max_lines)
        self.feed.closed = True
        self.follow_state = "no container selected"
        # The log was read to its end and the container stopped: a re-list does not open it
        # again (the engine's start event does). Reset when a stream is closed on purpose.
        self.complete = False
        self.status = ""  # the long reason behind follow_state, if any
        self.saving = ""  # a save in progress, in words
        self.log_view = LineView(id="log-view", max_lines=max_lines, wrap=wrap, format=self._format,
                                 line_class=line_class, ansi=True)
        self.status_line = Static("", id="log-status", markup=False)
        self._titles = ("", "")
        self._drain_timer: Timer | None = None
        self._search_timer: Timer | None = None

    @property
    def lines(self) -> LogRecords:
        """The records kept (the newest `max_lines`), as the engine sent them."""
        return LogRecords(self.log_view.records)

    @property
    def total_received(self) -> int:
        return self.feed.read

    def compose(self) -> ComposeResult:
        yield self.log_view
        yield self.status_line
        yield Input(id="log-filter", placeholder="filter log lines (Enter to keep, Esc to clear)")
        yield Input(id="log-search", placeholder="search the log (Enter goes to it, n/N next/previous, "
                    "ctrl+t regex, Esc clears)")
        yield Static("", id="log-search-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#log-filter").display = False
        self.query_one("#log-search").display = False
        self.query_one("#log-search-error").display = False
        self._search_timer = self.set_interval(SEARCH_SECONDS, self._search_tick, pause=True)
        self.status_line.display = False
        # Paused until the reader wakes it (a timer ticking for a quiet log was most of jtui's
        # CPU while idle).
        self._drain_timer = self.set_interval(DRAIN_SECONDS, self._drain, pause=True)
        self.watch(self.log_view, "follow", self._follow_changed, init=False)
        self._update_title()

    def _follow_changed(self, _: bool) -> None:
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
        if container is None or self.container is None or container.id != self.container.id:
            self.log_range = None  # the tail/since chosen was for the container left
        self.container = container
        self.engine = engine
        self.log_view.set_partial(None)
        if resuming:
            self._drain()  # what the last reader read before the loss stays
            self.feed = LogFeed(self.max_lines, read=self.feed.read)
        else:
            self.feed = LogFeed(self.max_lines)
            self.log_view.clear()
            self.log_view.follow_end()
        if container is None or engine is None:
            self.feed.closed = True
            self._set_state("no container selected" if container is None else "engine not connected")
            return
        self._set_state("following")
        tail: int | None = None if since else self.tail
        if since is None and self.log_range is not None:
            tail, since = self.log_range.tail, self.log_range.engine_since()
        self._read(engine, container.id, self.feed, since, tail)

    @work(thread=True, exclusive=True, group="logs", exit_on_error=False, description="follow logs")
    def _read(self, engine: Engine, container_id: str, feed: LogFeed, since: str | None,
              tail: int | None) -> None:
        state, detail = "", ""
        lag_base = math.inf  # the least lag seen: the engine's clock may differ from ours
        read_before = ""  # after a skip: lines up to this timestamp were read already
        while True:
            try:
                stream = engine.logs(container_id, tail=tail, since=since, timestamps=True,
                                     follow=True)
            except EngineError as exc:
                state, detail = "cannot read logs", exc.message
                break
            with feed.lock:
                if feed.closed:
                    stream.close()
                    return
                feed.stream = stream
            # A long line begun after a silence wakes the drain timer too (shown before its end).
            stream.on_unfinished = lambda: None if feed.awake else self._wake(feed)
            skip_after = self._pump(stream, feed, read_before, lag_base)
            if isinstance(skip_after, tuple):
                state, detail = skip_after
                break
            if not skip_after or feed.closed:
                break
            # Far behind a flood: skip to the end of the log, mark the lines skipped.
            stream.close()
            feed.skips += 1
            shown_at = skip_after[11:19]
            feed.pending.append(Gap(f"… lines skipped after {shown_at}, faster than the screen "
                                    f"(s saves them all) …", after=skip_after))
            self._wake(feed)
            tail, since, read_before = self.tail, None, skip_after  # as when the pane opens
            lag_base = math.inf
        if feed.closed:
            return  # closed on purpose: nothing to say
        complete = False
        if not state:
            state, detail, complete = self._why_ended(engine, container_id)
        self.post_message(LogEnded(feed, state, detail, complete))

    def _pump(self, stream: Stream, feed: LogFeed, read_before: str,
              lag_base: float) -> str | tuple[str, str]:
        """Move `stream`'s lines into `feed` until it ends (""), the reader is `lag_limit`
        seconds behind (the timestamp of the last line read), or it breaks ((state, detail))."""
        pending = feed.pending
        skip_until = stamp_nanos(read_before) if read_before else None
        countdown = LAG_CHECK
        try:
            for line in stream:
                stamp = line.timestamp
                if skip_until is not None:
                    if stamp and stamp_nanos(stamp) <= skip_until:
                        continue  # read before the skip
                    skip_until = None
                pending.append((line.stream, line.text, stamp))
                if not feed.awake:
                    self._wake(feed)
                feed.read += 1
                countdown -= 1
                if countdown <= 0 and stamp:
                    countdown = LAG_CHECK
                    lag = time.time() - stamp_seconds(stamp)
                    lag_base = min(lag_base, lag)
                    if lag - lag_base > self.lag_limit:
                        return stamp
        except EngineError as exc:
            return "log stream broke", exc.message
        except Exception as exc:  # whatever ends the stream, the pane says why
            return "log stream broke", f"{type(exc).__name__}: {exc}"
        return ""

    def _wake(self, feed: LogFeed) -> None:
        """From the reader: lines wait in `feed`, have the drain timer run (a message: the
        reader must not touch the widget). Posted once per wake-up, not once per line."""
        feed.awake = True
        self.post_message(LinesArrived(feed))

    def on_lines_arrived(self, message: LinesArrived) -> None:
        message.stop()
        if message.feed is self.feed and self._drain_timer is not None:
            self._drain_timer.resume()  # ticks at once after a pause: no wait for the first line

    @staticmethod
    def _why_ended(engine: Engine, container_id: str) -> tuple[str, str, bool]:
        """The stream ended by itself: the container stopped (with its exit code), or not; and
        whether the log is complete (stopped: nothing more until a start)."""
        try:
            details = engine.inspect_container(container_id)
        except EngineError:
            return "container stopped: log ended", "", True
        if details.summary.running:
            return ("log ended", "The engine ended the log stream while the container still runs.",
                    False)
        code = f" (exit code {details.exit_code})" if details.exit_code is not None else ""
        return f"container stopped: log ended{code}", "", True

    def container_stopped(self) -> None:
        """The followed container stopped. Its stream ends by itself once the engine has sent
        the rest, which after a flood takes a while; if it hangs silent instead, it is closed
        here, and the reader says why the log ended."""
        feed = self.feed

        def check(read_before: int) -> None:
            if feed is not self.feed or feed.closed or feed.stream is None:
                return  # ended, or another stream since
            if feed.read != read_before:
                later(feed.read)
                return
            with feed.lock:
                stream = feed.stream
            if stream is not None:
                stream.close()  # not feed.closed: the reader goes on to tell how the log ended

        def later(read: int) -> None:
            self.set_timer(HUNG_AFTER, lambda: check(read))

        later(feed.read)

    def close_stream(self) -> None:
        feed = self.feed
        self.complete = False
        with feed.lock:
            # A reader that has not stored its stream yet sees `closed` and closes it.
            feed.closed = True
            stream, feed.stream = feed.stream, None
        if stream is not None:
            stream.close()

    def on_unmount(self) -> None:
        self.close_stream()

    def on_log_ended(self, message: LogEnded) -> None:
        message.stop()
        if message.feed is not self.feed or self.feed.closed:
            return
        self._drain()
        with self.feed.lock:
            self.feed.stream = None
        self.log_view.set_partial(None)
        self.complete = message.complete
        self._set_state(message.state, message.detail)

    @property
    def following(self) -> bool:
        """A log stream is open (it is closed on purpose when the engine is lost)."""
        return self.feed.stream is not None

    @property
    def last_timestamp(self) -> str | None:
        """The engine's time of the newest line read: where a new stream resumes."""
        for queue in (self.feed.pending, self.log_view.records):
            for item in reversed(queue):
                if not isinstance(item, Marker):
                    return item[2] or None
        return None

    # --- drawing ------------------------------------------------------------------------------
    def _format(self, rec: Record) -> str:
        if self.timestamps and rec[2]:
            return f"{rec[2][:19].replace('T', ' ')} {rec[1]}"
        return rec[1]

    def _matches(self, rec: Record) -> bool:
        return not self.filter_text or self.filter_text.lower() in rec[1].lower()

    def _drain(self) -> None:
        feed = self.feed
        pending = feed.pending
        if pending:
            popleft = pending.popleft
            self.log_view.extend([popleft() for _ in range(len(pending))])
            if self.log_view.searching and self._search_timer is not None:
                self._search_timer.resume()  # count the matches among the new lines
            self._update_title()
        stream = feed.stream
        if stream is not None:
            unfinished = stream.unfinished(PARTIAL_AFTER)
            partial = record(unfinished[-1]) if unfinished else None
            if partial is not None and "\r" in partial[1]:
                # As a terminal shows it so far: a progress bar draws itself again after "\r".
                partial = (partial[0], partial[1].rstrip("\r").rsplit("\r", 1)[-1], partial[2])
            self.log_view.set_partial(partial)
            if stream.unfinished(0):
                return  # a line waits for its newline: look again next tick
        # Nothing waits: sleep until the reader wakes us. `awake` goes down before the last look
        # at the queue, so a line the reader adds meanwhile either is seen here or wakes us.
        feed.awake = False
        if pending:
            feed.awake = True
        elif self._drain_timer is not None:
            self._drain_timer.pause()

    def rerender(self) -> None:
        """Draw the kept records again (after filter, format or `lines` changed)."""
        self.log_view.set_filter(self._matches if self.filter_text else None)
        self._search_changed()

    def visible_text(self) -> list[str]:
        """The rows on screen, as drawn."""
        return self.log_view.visible_lines()

    def _set_state(self, state: str, detail: str = "") -> None:
        self.follow_state = state
        self.status = detail
        self.status_line.update(clean(detail))
        self.status_line.display = bool(detail)
        self._update_title()

    def _update_title(self) -> None:
        name = self.container.name if self.container else "—"
        state = self.follow_state
        if state == "following" and not self.log_view.follow:
            state = "paused (f follows)"
        flags = [f for f, on in (("timestamps", self.timestamps), ("wrap", self.wrap)) if on]
        if self.log_range is not None:
            flags.append(self.log_range.describe())
        if self.filter_text:
            flags.append(f"filter '{self.filter_text}'")
        extra = f" · {', '.join(flags)}" if flags else ""
        title = clean(f"[3] Logs — {name} · {state}{extra}")
        subtitle = self.saving or f"{len(self.log_view.records)} lines kept (max {self.max_lines})"
        # The search on the bottom border: the title is cut on a narrow pane, the count must show.
        if self.search_error:
            subtitle = f"search '{self.search.text}': not a valid regular expression · {subtitle}"
        elif self.search.text:
            subtitle = f"{self._search_flag()} · {subtitle}"
        if (title, subtitle) == self._titles:
            return  # a flood calls this every tick: the border is drawn again only on a change
        self._titles = (title, subtitle)
        # Container names, filters and engine reasons are not ours: a Content is never markup.
        self.border_title = Content(title)
        self.border_subtitle = Content(clean(subtitle))

    # --- actions ------------------------------------------------------------------------------
    def action_toggle_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self.log_view.set_format(self._format)
        self._update_title()

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self.log_view.wrap = self.wrap
        self._update_title()

    def action_follow(self) -> None:
        self.log_view.follow_end()
        self._update_title()

    def action_save(self) -> None:
        """Write the records shown (filtered as shown) to a file: as the engine sent them, never
        the screen's wrapped rows. When lines were skipped in a flood, the whole span is read
        again from the engine, skipped lines included."""
        kept = self.log_view.records
        if not kept:
            self.notify("Nothing to save: the log is empty.", severity="warning")
            return
        if self.saving:
            self.notify("A save is still running.", severity="warning")
            return
        name = self.container.name if self.container else "log"
        path = Path.cwd() / f"jtui-{name}-{datetime.now():%Y%m%d-%H%M%S}.log"
        gaps = [r for r in kept if isinstance(r, Gap)]
        if gaps and self.container is not None and self.engine is not None:
            self._save_from_engine(path, gaps, list(kept))
            return
        records = [self._record_text(rec) for rec in kept
                   if not isinstance(rec, Marker) and self._matches(rec)]
        try:
            path.write_text("\n".join(records) + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save the log: {exc}", severity="error")
            return
        self.notify(f"Saved {len(records)} lines to {path}")

    def _save_from_engine(self, path: Path, gaps: list[Gap], kept: list[Any]) -> None:
        assert self.container is not None and self.engine is not None
        # From the oldest line shown (or the skip at the top) to the newest. The engine's
        # `since` takes lines logged at or after it.
        first = next((r for r in kept if isinstance(r, Gap) or r[2]), None)
        since = "0"
        if isinstance(first, Gap):
            since = since_nanos(stamp_nanos(first.after) + 1)
        elif first is not None:
            since = since_nanos(stamp_nanos(first[2]))
        # To the newest line shown; to the end of the log if the skip is the newest thing.
        last = next((r for r in reversed(kept) if isinstance(r, Gap) or r[2]), None)
        until = stamp_nanos(last[2]) if last is not None and not isinstance(last, Gap) else None
        keep = self._matches if self.filter_text else None
        self.saving = "saving the log: reading it from the engine…"
        self._update_title()
        self.notify(f"{len(gaps)} span(s) of lines were skipped on screen: reading the log again "
                    f"from the engine to save it all to {path}")
        self._save_worker(self.engine, self.container.id, path, since, until, keep,
                          self.timestamps)

    @work(thread=True, group="save-log", exit_on_error=False, description="save the log")
    def _save_worker(self, engine: Engine, container_id: str, path: Path, since: str,
                     until: int | None, keep: Callable[[Record], bool] | None,
                     timestamps: bool) -> None:
        count = 0
        reported = time.monotonic()
        try:
            with path.open("w", encoding="utf-8") as out, \
                    engine.logs(container_id, tail=None, since=since, timestamps=True,
                                follow=False) as stream:
                for line in stream:
                    if until is not None and line.timestamp and stamp_nanos(line.timestamp) > until:
                        break
                    rec = record(line)
                    if keep is None or keep(rec):
                        out.write(self._record_text(rec, timestamps) + "\n")
                        count += 1
                    if time.monotonic() - reported > SAVE_PROGRESS_EVERY:
                        reported = time.monotonic()
                        self.post_message(SaveProgress(path, count))
        except (EngineError, OSError) as exc:
            self.post_message(SaveProgress(path, count, done=True, error=str(exc)))
            return
        self.post_message(SaveProgress(path, count, done=True))

    def on_save_progress(self, message: SaveProgress) -> None:
        message.stop()
        if not message.done:
            self.saving = f"saving the log: {message.count:,} lines written…"
        else:
            self.saving = ""
            if message.error:
                self.notify(f"Could not save the log ({message.count:,} lines written to "
                            f"{message.path}): {message.error}", severity="error")
            else:
                self.notify(f"Saved {message.count} lines to {message.path}")
        self._update_title()

    def _record_text(self, rec: Record, timestamps: bool | None = None) -> str:
        stamp = f"{rec[2]} " if (self.timestamps if timestamps is None else timestamps) and rec[2] else ""
        return stamp + clean(rec[1])

    def open_filter(self) -> None:
        box = self.query_one("#log-filter", Input)
        box.display = True
        box.value = self.filter_text
        # Focus now, not on the next idle: keys typed right after "/" must land in the box.
        self.screen.set_focus(box)

    def clear_filter(self) -> None:
        """Esc: the search goes first (its box, its highlights), then the filter."""
        search_box = self.query_one("#log-search", Input)
        if self.search.text or search_box.display:
            search_box.value = ""
            search_box.display = False
            self._set_search(LogQuery("", self.search.regex))
            if self.screen.focused is search_box:
                self.log_view.focus()
            return
        box = self.query_one("#log-filter", Input)
        if self.filter_text or box.display:
            box.value = ""
            box.display = False
            self.filter_text = ""
            self.rerender()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "log-search":
            event.stop()
            self._set_search(LogQuery(event.value, self.search.regex))
        elif event.input.id == "log-filter":
            event.stop()
            self.filter_text = event.value
            self.rerender()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "log-search":
            event.stop()
            event.input.display = False  # the title shows the search and its count
            self.log_view.focus()
            if not self.search_error and self.search.text:
                # The newest match from the bottom of the screen up: in a log, what just happened.
                self._goto_match(forward=False)
        elif event.input.id == "log-filter":
            event.stop()
            event.input.display = bool(self.filter_text)
            self.log_view.focus()

    # --- search ---------------------------------------------------------------------------------
    def open_search(self) -> None:
        box = self.query_one("#log-search", Input)
        box.display = True
        box.value = self.search.text
        self.screen.set_focus(box)

    def _set_search(self, query: LogQuery) -> None:
        self.search = query
        error = self.query_one("#log-search-error", Static)
        try:
            pattern = query.compile()
        except BadPattern as exc:
            # Shown, never raised: a half-typed regex ("a(") is normal while typing.
            self.search_error = str(exc)
            error.update(f"⚠ {exc}")
            error.display = True
            self.log_view.set_search(None)
            self._update_title()
            return
        self.search_error = ""
        error.display = False
        self.log_view.set_search(pattern)
        self._search_changed()

    def _search_changed(self) -> None:
        """The lines looked at or the search changed: count the matches again, a chunk a tick."""
        if self.log_view.searching and self._search_timer is not None:
            self._search_timer.resume()
        self._update_title()

    def _search_tick(self) -> None:
        until = time.monotonic() + SEARCH_BUDGET
        done = self.log_view.search_step(SEARCH_CHUNK)
        while not done and time.monotonic() < until:
            done = self.log_view.search_step(SEARCH_CHUNK)
        if done and self._search_timer is not None:
            self._search_timer.pause()
        self._update_title()

    def _search_flag(self) -> str:
        view = self.log_view
        shown = f"/{self.search.text}/" if self.search.regex else f"'{self.search.text}'"
        count = f"{view.match_count:,}" if view.search_done else f"{view.match_count:,}+ (counting)"
        number = view.match_number
        word = "match" if view.match_count == 1 and view.search_done else "matches"
        where = f"{number:,}/{count} {word}" if number is not None else f"{count} {word}"
        return f"search {shown}: {where}"

    def _goto_match(self, forward: bool) -> None:
        if not self.search.text:
            self.notify("No search: / searches the log.", severity="warning", timeout=3)
            return
        if self.search_error:
            self.notify(self.search_error, severity="error", timeout=5)
            return
        went = self.log_view.goto_match(forward)
        if went is None:
            self.notify(f"No line matches {self._search_flag().split(':')[0][7:]}.",
                        severity="warning", timeout=3)
        elif went:
            self.notify("Search went around: from the " + ("top." if forward else "bottom."),
                        timeout=2)
        self._update_title()

    def action_next_match(self) -> None:
        self._goto_match(forward=True)

    def action_previous_match(self) -> None:
        self._goto_match(forward=False)

    def action_toggle_regex(self) -> None:
        self._set_search(LogQuery(self.search.text, not self.search.regex))
        box = self.query_one("#log-search", Input)
        box.placeholder = ("search the log with a regular expression" if self.search.regex
                           else "search the log") + \
            " (Enter goes to it, n/N next/previous, ctrl+t regex, Esc clears)"
        if not self.search.text:
            self.notify(f"Search: regular expressions {'on' if self.search.regex else 'off'}.",
                        timeout=2)

    def action_open_filter(self) -> None:
        self.open_filter()

    # --- copying --------------------------------------------------------------------------------
    def _copy_text_of(self, rec: Record | Marker) -> str:
        """A record as the user sees it (timestamp when shown), in full and plain: no escape
        sequences, no control characters."""
        if isinstance(rec, Marker):
            return rec.text
        return clean_line(self._format(rec))

    def line_to_copy(self) -> Record | Marker | None:
        """The match n/N moved to while it is on screen, else the last line on screen (the
        newest while following): what the eye is on."""
        shown = self.log_view.visible_records()
        current = self.log_view.current_match()
        if current is not None and any(r is current for r in shown):
            return cast("Record", current)
        return shown[-1] if shown else None

    def action_copy_line(self) -> None:
        rec = self.line_to_copy()
        if rec is None:
            self.notify("Nothing to copy: the log is empty.", severity="warning", timeout=3)
            return
        cast("JtuiApp", self.app).copy_text(self._copy_text_of(rec), "log line")

    def action_copy_block(self) -> None:
        shown = self.log_view.visible_records()
        if not shown:
            self.notify("Nothing to copy: the log is empty.", severity="warning", timeout=3)
            return
        text = "\n".join(self._copy_text_of(r) for r in shown)
        cast("JtuiApp", self.app).copy_text(text, f"{len(shown)} log lines on screen")

    # --- which part of the log ------------------------------------------------------------------
    def action_choose_range(self) -> None:
        if self.container is None or self.engine is None:
            self.notify("No container's log to read.", severity="warning", timeout=3)
            return
        now = self.log_range.text if self.log_range is not None else str(self.tail)

        def check(values: FormValues) -> str | None:
            try:
                parse_log_range(values["range"])
            except BadLogRange as exc:
                return str(exc)
            return None

        form = FormScreen("Read which part of the log?",
                          [("range", "Lines or since", now, RANGE_HELP)], ok="Read",
                          check=check, note=f"e.g. {RANGE_HELP}")
        self.app.push_screen(form, self._range_chosen)

    def _range_chosen(self, values: FormValues | None) -> None:
        if values is None:
            return
        self.log_range = parse_log_range(values["range"])
        self.reread()

    def reread(self) -> None:
        """Read the log again from the engine, as `log_range` says (the view starts over)."""
        # The same container: follow() keeps `log_range`, starts the view over and reads anew.
        self.follow(self.container, self.engine)
        self.notify(f"Reading the log again: {self.log_range.describe() if self.log_range else ''}",
                    timeout=3)
