"""The kernels of a Jupyter container (key K on the containers pane), and the watch that marks
containers whose kernels are busy.

`KernelsScreen` lists the notebooks and kernels of one container with their state and memory,
refreshed every REFRESH_SECONDS in a thread worker while it is open; i interrupts, r restarts,
d shuts a kernel down. `KernelWatch` asks every Jupyter server jtui knows the token of, every
WATCH_SECONDS, which kernels are busy: the containers pane marks those rows, stop and remove say
which notebooks are running before they ask, and a container the OOM killer ended is reported with
the kernel that most likely died (the biggest one at the last look).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Static

from ..engine import ContainerSummary, EngineError
from ..jupyter.detect import is_jupyter_container
from ..jupyter.kernels import (
    BusyTracker,
    KernelClient,
    KernelRow,
    activity_text,
    busy_text,
    kernel_memory,
    likely_oom_victim,
    with_busy,
    with_memory,
)
from ..jupyter.launch import default_name
from ..jupyter.server import JupyterServer
from ..present import describe_failure
from .dialogs import ConfirmScreen
from .jobs import run_in_thread
from .rows import binary_size, plain

if TYPE_CHECKING:
    from ..app import JtuiApp
    from ..engine import Engine
    from .containers import ContainerTable

log = logging.getLogger(__name__)

OOM_QUIET = 30.0  # seconds: OOM kills in a container within this are one incident
REFRESH_SECONDS = 2.0  # the kernels screen, while open
WATCH_SECONDS = 5.0  # the busy marks: one small GET per known server, only Jupyter containers
STATE_STYLE = {"busy": "bold yellow", "idle": "green", "starting": "cyan", "restarting": "cyan",
               "dead": "bold red"}


class KernelNews(Message):
    """What a worker found, to be applied on the UI thread by `apply` (post_message is
    thread-safe and never blocks, unlike call_from_thread while the app closes)."""

    def __init__(self, apply: Callable[[], None]) -> None:
        super().__init__()
        self.apply = apply


@dataclass
class Look:
    """One look at a container's kernels (rows empty and `error` set when the server failed)."""

    rows: list[KernelRow]
    memory_limit: int = 0
    error: str = ""


def look_at(engine: Engine | None, cid: str, server: JupyterServer, tracker: BusyTracker,
            now: datetime, *, memory: bool) -> Look:
    """Blocking: the kernels of one server, with the busy times and (when asked) their memory."""
    try:
        rows = KernelClient(server).overview()
    except EngineError as exc:
        failure = describe_failure(exc)
        return Look([], error=f"{failure.summary} {failure.hint}".strip())
    rows = with_busy(rows, tracker.update([r.kernel for r in rows], now))
    limit = 0
    if memory and engine is not None and rows:
        try:
            rows = with_memory(rows, kernel_memory(engine, cid))
            limit, _ = engine.memory_state(cid)
        except EngineError:
            log.debug("no process list for %s", cid, exc_info=True)
    return Look(rows, limit)


class KernelWatch:
    """Which known Jupyter containers have busy kernels. Lives with the containers pane; a timer
    there calls `tick`, which costs nothing while jtui knows no Jupyter server."""

    def __init__(self, table: ContainerTable) -> None:
        self.table = table
        self.looks: dict[str, Look] = {}  # container id -> the last look at its kernels
        self.trackers: dict[str, BusyTracker] = {}
        self.oom_told: dict[str, float] = {}  # container id -> when (monotonic) it was told
        self.last_oom: tuple[str, str] | None = None  # (container id, what was said), for tests
        self._polling = False
        self._timer: Timer | None = None

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.table.app)

    def start(self) -> None:
        # Asleep until a server is known (wake): nothing wakes up while there is nothing to ask.
        self._timer = self.table.set_interval(WATCH_SECONDS, self.tick, pause=True)

    def wake(self) -> None:
        """A Jupyter server became known (its URL shown): watch its kernels."""
        if self._timer is not None:
            self._timer.resume()

    def tracker(self, cid: str) -> BusyTracker:
        return self.trackers.setdefault(cid, BusyTracker())

    def busy_ids(self) -> set[str]:
        return {cid for cid, look in self.looks.items()
                if any(r.kernel.state == "busy" for r in look.rows)}

    def _targets(self, only: set[str] | None = None) -> list[tuple[str, JupyterServer]]:
        containers = self.table.containers
        return [(cid, server) for cid, server in self.jtui.servers.items()
                if (only is None or cid in only)
                and (c := containers.get(cid)) is not None and c.running]

    def tick(self) -> None:
        # Containers that stopped or went: their kernels went with them.
        for cid in [cid for cid in self.looks if (c := self.table.containers.get(cid)) is None
                    or not c.running]:
            self.looks.pop(cid)
            self.trackers.pop(cid, None)
            self.table.set_busy(self.busy_ids())
        targets = self._targets()
        if not targets and not self.looks and self._timer is not None:
            self._timer.pause()  # no running server known: sleep until one is (wake)
            return
        if not targets or self._polling or not self.jtui.connected:
            return
        engine = self.jtui.engine
        now = self.jtui.clock()
        self._polling = True

        def poll() -> None:
            looks: dict[str, Look] = {}
            try:
                looks = {cid: look_at(engine, cid, server, self.tracker(cid), now, memory=True)
                         for cid, server in targets}
            finally:  # the next tick may poll again only once this one is told
                self.table.post_message(KernelNews(lambda: self._polled(looks)))

        run_in_thread(self.table, poll, "look at the kernels")

    def _polled(self, looks: dict[str, Look]) -> None:
        self._polling = False
        for cid, look in looks.items():
            if look.error:
                self.looks.pop(cid, None)
            else:
                self.looks[cid] = look
        self.table.set_busy(self.busy_ids())

    def record(self, cid: str, look: Look) -> None:
        """A fresher look (the kernels screen's): the mark follows at once."""
        if not look.error:
            self.looks[cid] = look
            self.table.set_busy(self.busy_ids())

    # --- before stop and remove ---------------------------------------------------------------
    def busy_report(self, targets: list[ContainerSummary], then: Callable[[str], None]) -> None:
        """Ask the servers of `targets` now (a kernel may have started a cell since the last look)
        and call `then` with one line per busy notebook ("" when none). Containers without a
        known server answer at once, without a worker."""
        servers = self._targets({c.id for c in targets})
        if not servers:
            then("")
            return
        names = {c.id: c.name for c in targets}
        engine = self.jtui.engine
        now = self.jtui.clock()

        def ask() -> None:
            looks = {cid: look_at(engine, cid, server, self.tracker(cid), now, memory=False)
                     for cid, server in servers}

            def answer() -> None:
                lines: list[str] = []
                for cid, look in looks.items():
                    if look.error:  # the last look is better than none
                        look = self.looks.get(cid, look)
                    lines += busy_text(names[cid], look.rows, now)
                then("\n".join(lines))

            self.table.post_message(KernelNews(answer))

        run_in_thread(self.table, ask, "look at the kernels")

    # --- OOM ----------------------------------------------------------------------------------
    def oom_seen(self, cid: str) -> None:
        """The engine reported an OOM kill in a container (its "oom" event). In a Jupyter container
        that is nearly always a kernel: the biggest process of the container's cgroup. The server
        lives on and restarts it, so the container keeps running (State.OOMKilled only turns true
        once it stops: seen on Docker 20.10), and the event is the one sign of it."""
        c = self.table.containers.get(cid)
        now = time.monotonic()
        # The killer may strike several processes in a row: one question per burst.
        if c is None or now - self.oom_told.get(cid, -OOM_QUIET) < OOM_QUIET:
            return
        self.oom_told[cid] = now
        look = self.looks.get(cid)
        if look is None and not is_jupyter_container(c):
            return
        self._tell_oom(c, look or Look([]))

    def _tell_oom(self, c: ContainerSummary, look: Look) -> None:
        name = c.name
        victim = likely_oom_victim({}, look.rows)
        what = (f"the kernel of {victim.notebook or victim.kernel.name} "
                f"({binary_size(victim.rss or 0)} at the last look) most likely died" if victim
                else "a kernel most likely died")
        limit = f" (limit {binary_size(look.memory_limit)})" if look.memory_limit else ""
        said = (f"{name} ran out of memory{limit}: {what}. Jupyter restarts a kernel that died; "
                "its variables are lost.")
        self.last_oom = (c.id, said)
        # The launch to repeat: jtui remembers its own launches by container name.
        request = next((r for r in self.jtui.recent.load() if r.name == name), None)
        if request is None:
            self.table.notify(f"{said} Relaunch it with a higher memory limit (l, Memory field).",
                              severity="error", timeout=20)
            return
        body = (f"{said}\n\nRelaunch with more memory? A new container from the same launch "
                "(stop this one with s).")
        request.memory = bigger_memory(request.memory, look.memory_limit)

        def answered(choice: str | None) -> None:
            if choice == "relaunch":
                names = {c.name for c in self.table.containers.values()}
                if request.name in names:
                    request.name = default_name(request.name.rstrip("0123456789-") or request.name,
                                                names)
                self.jtui.main.open_launch_form(request)

        self.table.app.push_screen(ConfirmScreen(
            "Out of memory", body, [("relaunch", f"Relaunch with {request.memory}", "primary")]),
            answered)


def bigger_memory(current: str, limit_bytes: int) -> str:
    """Twice the limit that was too small, in docker's units ("4g"); 4g when none is known."""
    gib = limit_bytes / 2**30 if limit_bytes else 0
    if not gib and current[:-1].replace(".", "", 1).isdigit() and current[-1:].lower() in "mg":
        gib = float(current[:-1]) / (1024 if current[-1].lower() == "m" else 1)
    if not gib:
        return "4g"
    doubled = gib * 2
    return f"{doubled:g}g" if doubled >= 1 else f"{int(doubled * 1024)}m"


class KernelsFetched(Message):
    def __init__(self, look: Look) -> None:
        super().__init__()
        self.look = look


COLUMNS = (("notebook", "Notebook"), ("kernel", "Kernel"), ("state", "State"),
           ("activity", "Busy / idle"), ("connections", "Tabs"), ("memory", "Memory"))


class KernelsScreen(ModalScreen[None]):
    """The notebooks and kernels of one Jupyter container."""

    DEFAULT_CSS = """
    KernelsScreen { align: center middle; }
    #kernels-body { width: 120; max-width: 95%; height: 80%; border: round $accent;
                    background: $panel; padding: 0 1; }
    #kernels-table { height: 1fr; }
    #kernels-status { height: auto; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="kernels-close"),
        Binding("i", "interrupt", "Interrupt", id="kernels-interrupt"),
        Binding("r", "restart", "Restart kernel", id="kernels-restart"),
        Binding("d", "shutdown", "Shut down kernel", id="kernels-shutdown"),
    ]

    def __init__(self, container: ContainerSummary, server: JupyterServer, watch: KernelWatch) -> None:
        super().__init__()
        self.container = container
        self.server = server
        self.kernel_watch = watch
        self.look: Look | None = None
        self._fetching = threading.Lock()

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="kernels-body"):
            yield Static(Text(f"Kernels of {self.container.name}"), id="kernels-title")
            table: DataTable[Text] = DataTable(cursor_type="row", id="kernels-table")
            yield table
            yield Static(Text("Looking…"), id="kernels-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#kernels-table", DataTable)
        for key, label in COLUMNS:
            table.add_column(Text(label), key=key)
        table.focus()
        self.fetch()
        self.set_interval(REFRESH_SECONDS, self.fetch)

    def fetch(self) -> None:
        """A look in a worker; none while the last one is still on its way (a slow ssh link)."""
        if not self._fetching.acquire(blocking=False):
            return
        engine, cid, server = self.jtui.engine, self.container.id, self.server
        tracker, now = self.kernel_watch.tracker(cid), self.jtui.clock()

        def work() -> None:
            try:
                self.post_message(KernelsFetched(look_at(engine, cid, server, tracker, now,
                                                         memory=True)))
            finally:
                self._fetching.release()

        run_in_thread(self, work, "look at the kernels")

    def on_kernels_fetched(self, message: KernelsFetched) -> None:
        self.look = look = message.look
        self.kernel_watch.record(self.container.id, look)
        table = self.query_one("#kernels-table", DataTable)
        status = self.query_one("#kernels-status", Static)
        if look.error:
            status.update(Text(look.error, style="red"))
            return
        now = self.jtui.clock()
        keep = self.selected_id
        table.clear()
        for row in look.rows:
            k = row.kernel
            memory = binary_size(row.rss) if row.rss is not None else "?"
            table.add_row(plain(row.notebook or "(no notebook)", limit=60), plain(k.name),
                          plain(k.state, STATE_STYLE.get(k.state, "")),
                          Text(activity_text(row, now)), Text(str(k.connections)), Text(memory),
                          key=k.id)
        if keep is not None and keep in {r.kernel.id for r in look.rows}:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        total = sum(r.rss or 0 for r in look.rows)
        limit = f" of the container's limit {binary_size(look.memory_limit)}" \
            if look.memory_limit else " (the container has no memory limit)"
        count = len(look.rows)
        status.update(Text(
            f"{count} kernel{'s' if count != 1 else ''} · {binary_size(total)}{limit} · "
            f"i interrupt · r restart · d shut down · Esc close" if count else
            "No kernels: open a notebook in Jupyter to start one."))

    @property
    def selected_id(self) -> str | None:
        table = self.query_one("#kernels-table", DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # no row under the cursor
            return None

    def _selected_row(self) -> KernelRow | None:
        kid = self.selected_id
        rows = self.look.rows if self.look else []
        row = next((r for r in rows if r.kernel.id == kid), None)
        if row is None:
            self.notify("No kernel selected.", severity="warning")
        return row

    def _act(self, verb: str, row: KernelRow) -> None:
        client = KernelClient(self.server)
        what = row.notebook or row.kernel.name
        call = {"interrupt": client.interrupt, "restart": client.restart,
                "shutdown": client.shutdown}[verb]
        done = {"interrupt": "Interrupted", "restart": "Restarted", "shutdown": "Shut down"}[verb]

        def work() -> None:
            call(row.kernel.id)
            self.post_message(KernelNews(lambda: self._acted(f"{done} the kernel of {what}.")))

        run_in_thread(self, work, f"{verb} the kernel of {what}")

    def _acted(self, text: str) -> None:
        self.notify(text, timeout=3)
        self.fetch()

    def on_kernel_news(self, message: KernelNews) -> None:
        message.apply()

    def action_interrupt(self) -> None:
        if (row := self._selected_row()) is not None:
            self._act("interrupt", row)

    def action_restart(self) -> None:
        if (row := self._selected_row()) is not None:
            self._act("restart", row)

    def action_shutdown(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        what = row.notebook or f"the {row.kernel.name} kernel"
        running = " It is running a cell now: that result is lost." if row.kernel.state == "busy" else ""

        def answered(choice: str | None) -> None:
            if choice == "shutdown":
                self._act("shutdown", row)

        self.app.push_screen(ConfirmScreen(
            "Shut down the kernel",
            f"Shut down the kernel of {what}? Its variables are lost; the notebook file stays.{running}",
            [("shutdown", "Shut down", "error")]), answered)
