"""Keeps the containers pane's CPU % and memory columns fresh: reads the stats of the running
containers on screen in a worker thread, and remembers OOM kills.

The cost is the engine's: each reading costs it ~2 ms of CPU (measured, benchmarks/stats_cost.py),
so a round's period grows with the number of containers read, a row that stays quiet rests
longer and longer between readings (up to 2 minutes; 12 s under the cursor), and nothing is read
(nothing wakes up) while no running row is due. Rounds never overlap: the next is scheduled when
the last one has been shown (dolphie's way), and while another screen covers the pane only the
container of the resources screen (if any) is read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from textual.message import Message
from textual.timer import Timer

from ..engine import ContainerSummary, EngineError
from ..engine.stats import StatsReader, Usage
from .jobs import run_in_thread
from .rows import CONTAINER_SORTS

if TYPE_CHECKING:
    from ..app import JtuiApp
    from ..engine import Engine
    from .containers import ContainerTable

BASE_SECONDS = 3.0  # the shortest period between two readings of a row
PER_READING = 0.6  # seconds of period per container read: ~1.7 readings a second at most
# A quiet row (CPU under QUIET_CPU %, memory within 1 % or QUIET_MEMORY of before) rests before it is read
# again, twice as long each time it is still quiet: the readings go to the rows that move, and
# a screen of idle containers costs the engine next to nothing (each reading is ~2 ms of its
# CPU: 40 idle rows read every 3 s were +0.35 points of engine CPU, benchmarks/run.py).
QUIET_CPU = 1.0
# A small container's memory wanders by a few KiB between readings (316-324 KiB for an idle
# busybox): 2 % of it, so with 1 % alone 45 idle rows on screen never rested and were read every
# round, waking jtui 13 times a second (1,000 containers, 300 running; 1.8 with this floor).
QUIET_MEMORY = 1 << 20
FIRST_REST = 6.0
MAX_REST = 120.0
SELECTED_MAX_REST = 12.0  # the row under the cursor: the one the user looks at
FOCUS_SECONDS = 2.0  # the resources screen's container, alone
SOON = 0.3  # a row scrolled into view or selected is read this soon
IDLE_SECONDS = 60.0  # the longest sleep: rows shown or selected wake the watch themselves
COVERED_SECONDS = 5.0  # another screen covers the pane: look again this often
KILLED_FOR_MEMORY = "(137)"  # the exit code of SIGKILL, the OOM killer's signal, in the status


def is_quiet(old: Usage | None, new: Usage) -> bool:
    """Nothing worth reading again soon: an idle CPU and memory where it was."""
    return (new.cpu_percent is not None and new.cpu_percent < QUIET_CPU
            and old is not None and old.memory_used is not None and new.memory_used is not None
            and abs(new.memory_used - old.memory_used) <= max(old.memory_used / 100, QUIET_MEMORY))


@dataclass
class StatsNews(Message):
    """A round of readings is in (from the worker thread)."""

    readings: dict[str, Usage]
    inspected: list[ContainerSummary] = field(default_factory=list)
    error: str = ""


class ResourceWatch:
    """Stats of what is on screen, the sort order that may depend on them, and OOM marks."""

    def __init__(self, table: ContainerTable) -> None:
        self.table = table
        self.usage: dict[str, Usage] = {}  # container id -> its last reading
        self.oom: dict[str, int] = {}  # id of a container killed for memory -> its limit (0: none)
        # Running containers where the engine reported an oom event (a process in it was killed,
        # not the container: State.OOMKilled stays false): until the container starts again.
        self.oom_events: dict[str, int] = {}
        self.sort = CONTAINER_SORTS[0][0]
        self.focus: str | None = None  # the resources screen's container
        self.rounds = 0  # rounds shown, for tests
        self.last_error = ""
        self._reader: StatsReader | None = None
        self._reader_engine: Engine | None = None
        self._checked: set[str] = set()  # ids inspected once to learn whether memory killed them
        self._rest: dict[str, float] = {}  # container id -> its rest (s) after the last reading
        self._due: dict[str, float] = {}  # container id -> when (monotonic) to read it next
        self._polling = False
        self._count = 0  # containers read in the round under way
        self._timer: Timer | None = None
        self._wake_at = 0.0  # when (monotonic) the timer fires

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.table.app)

    @property
    def reader(self) -> StatsReader | None:
        return self._reader

    def start(self) -> None:
        self._schedule(0.5)

    def _schedule(self, seconds: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._wake_at = time.monotonic() + seconds
        self._timer = self.table.set_timer(seconds, self.tick)

    def moved(self) -> None:
        """The pane scrolled, its rows or its cursor changed: a running row shown that was never
        read is read soon (the watch otherwise sleeps until the next row is due)."""
        now = time.monotonic()
        selected = self.table.selected_key
        if selected and self._due.get(selected, 0.0) > now + SELECTED_MAX_REST:
            self._due[selected] = now  # the row looked at now, not a row rested while scrolled past
        if self._polling or self._wake_at <= now + SOON:
            return
        due = self._next_due()
        if due is not None and due <= now + SOON:
            self._schedule(SOON)

    def poke(self) -> None:
        """Read now rather than at the next tick (the sort changed, the resources screen opened)."""
        if not self._polling:
            self._schedule(0.05)

    # --- what to read ---------------------------------------------------------------------------
    def on_screen(self) -> list[str]:
        """Ids of the rows the pane shows now (its scroll window), in order."""
        table = self.table
        top = int(table.scroll_offset.y)
        height = max(0, table.scrollable_content_region.height - table.header_height)
        return [row.key.value for row in table.ordered_rows[top: top + height]
                if row.key.value is not None]

    def _candidates(self) -> list[str]:
        """The running rows that want figures: the resources screen's container, the selected
        row, and the rows on screen (every row when the order depends on the figures)."""
        containers = self.table.containers
        if self.table.screen is not self.table.app.screen:  # covered: only the focused one
            ids: list[str] = []
        elif self.sort in ("cpu", "mem"):  # a fair order needs every running row's figures
            ids = [cid for cid in self.table._rendered if cid in containers]
        else:
            ids = self.on_screen()
        selected = self.table.selected_key
        return [cid for cid in dict.fromkeys([*([self.focus] if self.focus else []),
                                              *([selected] if selected else []), *ids])
                if (c := containers.get(cid)) is not None and c.running]

    def wanted(self) -> list[str]:
        # Rows due within half a period are read with this round rather than in one of their own.
        soon = time.monotonic() + BASE_SECONDS / 2
        return [cid for cid in self._candidates()
                if cid == self.focus or self._due.get(cid, 0.0) <= soon]

    def _next_due(self) -> float | None:
        """When (monotonic) the first row that would be read is due; None: no row to read."""
        return min((self._due.get(cid, 0.0) for cid in self._candidates()), default=None)

    def _plan(self, readings: dict[str, Usage], now: float) -> None:
        """When each row just read is read next: at once while it moves; a quiet one rests,
        twice as long as the last time while it stays quiet."""
        selected = self.table.selected_key
        for cid, new in readings.items():
            if is_quiet(self.usage.get(cid), new):
                longest = SELECTED_MAX_REST if cid == selected else MAX_REST
                rest = min(longest, max(FIRST_REST, 2 * self._rest.get(cid, 0.0)))
            else:
                rest = 0.0
            self._rest[cid] = rest
            self._due[cid] = now + rest

    def _to_inspect(self) -> list[str]:
        """Exited rows on screen whose exit says SIGKILL: were they killed for memory? (The list
        call does not say; the first inspect after jtui starts does, once per container.)"""
        if self.table.screen is not self.table.app.screen:
            return []
        containers = self.table.containers
        return [cid for cid in self.on_screen()
                if cid not in self._checked and (c := containers.get(cid)) is not None
                and c.oom_killed is None and not c.running and KILLED_FOR_MEMORY in c.status]

    # --- a round ----------------------------------------------------------------------------------
    def tick(self) -> None:
        self._timer = None
        engine = self.jtui.engine if self.jtui.connected else None
        ids = self.wanted() if engine is not None else []
        inspect = self._to_inspect() if engine is not None else []
        if self._polling or engine is None or not (ids or inspect):
            self._schedule(self._sleep())
            return
        reader = self._reader_for(engine)
        self._checked.update(inspect)
        self._polling = True
        table = self.table

        def poll() -> None:
            news = StatsNews({})
            try:
                news.readings = reader.read(ids)
                for cid in inspect:
                    news.inspected.append(engine.inspect_container(cid).summary)
            except EngineError as exc:  # the watcher says when the engine is gone: no noise here
                news.error = str(exc)
            finally:  # the next round may start only once this one is shown
                table.post_message(news)

        self._count = len(ids)
        run_in_thread(table, poll, "read container stats")

    def _reader_for(self, engine: Engine) -> StatsReader:
        if self._reader is None or self._reader_engine is not engine:
            if self._reader is not None:
                self._reader.close()
            self._reader, self._reader_engine = StatsReader(engine), engine
        return self._reader

    def shown(self, news: StatsNews) -> None:
        """The round's readings are in: update the rows, then schedule the next round."""
        self._polling = False
        self.rounds += 1
        self.last_error = news.error
        running = {cid for cid, c in self.table.containers.items() if c.running}
        gone = [cid for cid in self.usage if cid not in running]
        for cid in gone:
            self.usage.pop(cid)
        if self._reader is not None and gone:
            self._reader.keep_only(running)
        for cid in gone:
            self._rest.pop(cid, None)
            self._due.pop(cid, None)
        self._plan(news.readings, time.monotonic())
        self.usage.update(news.readings)
        self.saw(news.inspected)
        self.table.resources_changed([*news.readings, *gone], [c.id for c in news.inspected])
        covered = self.table.screen is not self.table.app.screen
        period = FOCUS_SECONDS if covered else max(BASE_SECONDS, PER_READING * self._count)
        self._schedule(max(period, self._sleep()))

    def _sleep(self) -> float:
        """Seconds until there is something to read (or to look at again)."""
        if self.table.screen is not self.table.app.screen:
            return FOCUS_SECONDS if self.focus else COVERED_SECONDS
        due = self._next_due()
        if due is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(SOON, due - time.monotonic()))

    # --- OOM ----------------------------------------------------------------------------------------
    def saw(self, containers: Iterable[ContainerSummary]) -> bool:
        """Learn OOM kills from summaries that come from inspect; True when a mark changed."""
        changed = False
        for c in containers:
            if c.oom_killed is True and self.oom.get(c.id) != c.memory_limit:
                self.oom[c.id] = c.memory_limit
                changed = True
            elif c.oom_killed is False and c.id in self.oom:  # started again
                self.oom.pop(c.id)
                changed = True
        return changed

    def events_seen(self, container: ContainerSummary, actions: tuple[str, ...]) -> None:
        """The engine's events of one container (tui/ui/main_screen.py): an `oom` event marks
        it, a start clears what an earlier one marked."""
        changed = False
        if any(a in ("start", "restart") for a in actions) and container.id in self.oom_events:
            self.oom_events.pop(container.id)
            changed = True
        if "oom" in actions:
            self.oom_events[container.id] = container.memory_limit
            changed = True
        if changed:
            self.table.resources_changed([container.id], [])

    def forget(self, ids: Iterable[str]) -> None:
        for cid in ids:
            self.oom.pop(cid, None)
            self.oom_events.pop(cid, None)
            self.usage.pop(cid, None)
            self._checked.discard(cid)
            self._rest.pop(cid, None)
            self._due.pop(cid, None)

    def oom_limit(self, cid: str) -> int | None:
        """The memory limit of a container marked for OOM (0: no limit), None when unmarked."""
        limit = self.oom.get(cid)
        return self.oom_events.get(cid) if limit is None else limit

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
