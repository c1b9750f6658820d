"""The main screen: the engine bar, the containers, images and logs panes, the details line and
the filter box; the engine's news (snapshots, events) brought to the panes; and the Jupyter keys
(launch, copy or open the URL, recent launches), which work from any pane."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TextArea

from .. import heap, humanize
from ..engine import ContainerSummary, EngineError, EngineInfo, parse_reference
from ..engine.inventory import container_details, image_details, volume_fields
from ..engine.tunnels import TunnelFailed
from ..engine.watcher import Changes, PendingChanges
from ..jupyter.catalog import find_stack
from ..jupyter.detect import is_jupyter_container
from ..jupyter.launch import LaunchRequest, default_name, host_ids, launch_defaults
from ..jupyter.launcher import LaunchResult, discover, tunnel_command
from ..jupyter.server import JupyterServer, NotOurServer, probe
from ..logsetup import register_secret
from . import project_actions
from .clipboard import open_in_browser
from .containers import ContainerTable
from .details_screen import DetailsScreen
from .disk_screen import DiskScreen
from .engine_bar import EngineBar
from .images import ImageTable
from .jobs import run_in_thread
from .launch_form import LaunchForm
from .log_pane import LogPane
from .messages import ContainerSelected, EngineNews, Snapshot
from .offline_panel import OfflinePanel
from .recent_screen import RecentScreen
from .volumes import VolumeTable

if TYPE_CHECKING:
    from ..app import JtuiApp

log = logging.getLogger(__name__)

AGE_REFRESH_MAX = 600.0  # ages are redrawn when one would read differently, and at least this often
# "5m" may read so for up to this many seconds too long: 100 containers made over 5 s would
# otherwise tick over to "6m" in five redraws a second apart (benchmarks/run.py, steady window).
AGE_SLACK = 10.0
FORWARD_CHECK_SECONDS = 3.0  # how soon a dead ssh forward is noticed and made again
# The engine's news reach the panes at most every NEWS_EVERY seconds, KEY_FIRST after the last
# key, and in any case within NEWS_LATEST seconds (a key held down does not starve them).
NEWS_EVERY = 0.2
KEY_FIRST = 0.15
NEWS_LATEST = 1.0
# Shown first in the footer, whatever pane has the focus: what a narrow terminal must not cut.
FOOTER_FIRST = ("launch", "copy-url", "help")


class Discovered(Message):
    """The URL of a Jupyter container was looked for (server None: not found yet). `answering`
    is False when the URL is known but Jupyter does not accept its token yet (starting)."""

    def __init__(self, container_id: str, server: JupyterServer | None, answering: bool = True) -> None:
        super().__init__()
        self.container_id = container_id
        self.server = server
        self.answering = answering


class ForwardRemade(Message):
    """A broken ssh forward to a Jupyter container was opened again (server None: it failed,
    `error` says why)."""

    def __init__(self, container_id: str, server: JupyterServer | None, error: str = "") -> None:
        super().__init__()
        self.container_id = container_id
        self.server = server
        self.error = error


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("1", "focus_pane('containers')", "Containers", show=False, id="focus-containers"),
        Binding("2", "focus_pane('images')", "Images", show=False, id="focus-images"),
        Binding("3", "focus_pane('logs')", "Logs", show=False, id="focus-logs"),
        Binding("4", "focus_pane('volumes')", "Volumes", show=False, id="focus-volumes"),
        Binding("i", "details", "Details", id="details",
                tooltip="Details of the selected container (inspect), image (layers) or volume"),
        Binding("D", "disk", "Disk usage", show=False, id="disk",
                tooltip="The engine's disk usage and a prune menu"),
        # Priority: handled as the key arrives, so text typed right after "/" (fast typists,
        # pastes, tmux send-keys) lands in the box instead of reaching the table as commands.
        Binding("slash", "filter", "Filter", id="filter", priority=True),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding("l", "launch", "Launch", id="launch"),
        Binding("u", "copy_url", "Copy URL", id="copy-url"),
        Binding("o", "open_url", "Open URL", id="open-url"),
        Binding("h", "recent", "Recent launches", show=False, id="recent-launches"),
        Binding("L", "launch_recipe", "Launch the folder's recipe", show=False, id="launch-recipe",
                tooltip="The launch form filled in from .jtui/launch.toml of the folder jtui started in"),
        Binding("U", "rebuild_project", "Rebuild & relaunch", show=False, id="rebuild-project",
                tooltip="Rebuild the selected container's image from its project folder's files "
                        "and relaunch it with the same options"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._filter_target = "containers"
        self.last_launch: LaunchResult | None = None
        self._select_when_seen: str | None = None  # a launched container whose row is not in yet
        self._news: PendingChanges | None = None  # the engine's changes, waiting to be shown
        self._news_timer: Timer | None = None
        self._news_since = self._news_shown_at = self._key_at = 0.0
        # Jupyter containers whose URL is known but that do not answer (yet): id -> that server.
        self._starting: dict[str, JupyterServer] = {}
        self._heap_settled = False
        self._forward_check: Timer | None = None
        self._age_timer: Timer | None = None
        self._stale_check: Timer | None = None  # project images out of date (project_actions)
        self._age_at = 0.0  # when (monotonic) the ages are redrawn next
        self._remaking: set[str] = set()

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.app)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual lists the focused pane's keys first, so at 80 columns the footer cut launch,
        copy URL and help; they come first here (keys are dispatched from the binding chain, not
        from this order)."""
        bindings = super().active_bindings
        first = {key: b for key, b in bindings.items() if b.binding.id in FOOTER_FIRST}
        ordered = sorted(first.items(), key=lambda kb: FOOTER_FIRST.index(kb[1].binding.id or ""))
        return {**dict(ordered), **{key: b for key, b in bindings.items() if key not in first}}

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        config = self.jtui.config
        # Kept as attributes, not queried: messages may still arrive while the screen is torn down.
        self.engine_bar = EngineBar(id="engine-bar")
        self.containers = ContainerTable(id="containers", show_all=config.show_all_containers,
                                         clock=self.jtui.clock)
        self.images = ImageTable(id="images", registry=config.registry, clock=self.jtui.clock)
        self.volumes = VolumeTable(id="volumes", clock=self.jtui.clock)
        self.details = Static("", id="details", markup=False)
        self.log_pane = LogPane(id="logs", tail=config.log_tail, max_lines=config.log_max_lines,
                                timestamps=config.log_timestamps, wrap=config.log_wrap)
        self.offline = OfflinePanel(id="offline")
        self.filter_box = Input(id="filter", placeholder="filter (Enter keeps it, Esc clears)")
        yield self.engine_bar
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.containers
                yield self.details
                yield self.images
                yield self.volumes
            yield self.log_pane
        yield self.offline
        yield self.filter_box
        yield Footer()

    def on_mount(self) -> None:
        self.filter_box.display = False
        self.offline.display = False
        config = self.jtui.config
        if self.jtui.engine is None:  # a fast engine may have answered before this screen mounted
            self.engine_bar.show_state("connecting", endpoint=config.host or config.context or "")
        else:
            self.show_connected(self.jtui.engine.info, was_lost=False)
        self.containers.focus()
        self._stale_check = project_actions.start(self)
        self._plan_ages()

    # --- the engine's state, told by the app --------------------------------------------------
    def show_connected(self, info: EngineInfo, was_lost: bool) -> None:
        engine = self.jtui.engine
        if engine is not None and engine.tunnels is not None and self._forward_check is None:
            # Only ssh:// engines have forwards; a dead ssh is noticed without any engine call.
            self._forward_check = self.set_interval(FORWARD_CHECK_SECONDS, self._check_forwards)
        self.engine_bar.show_state("connected", info.endpoint,
                                   f"{info.kind} (API {info.api_version}) {info.os}/{info.arch}"
                                   + (" · NVIDIA runtime" if info.gpu_runtime else ""))
        self.offline.display = False
        if was_lost:
            self.notify("Reconnected to the engine; resynchronising.", timeout=3)

    def engine_switched(self, label: str) -> None:
        """The user picked another engine: nothing of the old one stays on screen (its rows,
        logs, URLs) while the new one connects; its first list replaces the panes."""
        if self._forward_check is not None:
            self._forward_check.stop()
            self._forward_check = None
        self._news = None
        self._starting.clear()
        self._select_when_seen = None
        self.last_launch = None
        self.log_pane.follow(None, None)
        self.containers.set_all([])
        self.images.set_all([])
        self.volumes.forget()
        self.engine_bar.show_state("connecting", endpoint=label)
        self.notify(f"Connecting to {label}…", timeout=3)

    def show_unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None:
        endpoint = getattr(error, "endpoint", "") or self.engine_bar.endpoint
        self.engine_bar.show_state("disconnected", endpoint, detail=f"retry {attempt} in {retry_in:g}s")
        self.offline.show_error(endpoint, error, retry_in, loaded=bool(self.containers.containers))

    def show_lost(self, error: EngineError) -> None:
        self.engine_bar.show_state("disconnected", detail="reconnecting…")
        self.offline.show_error(self.engine_bar.endpoint, error, 0.5, lost=True,
                                loaded=bool(self.containers.containers))
        self.log_pane.close_stream()

    def show_stalled(self, since: float) -> None:
        """The engine stopped answering (`since`: time.monotonic of its last answer). The panes
        keep the last known state and the keys keep working; actions fail after the engine's
        timeout if it stays frozen."""
        self.engine_bar.show_stalled(since)

    def show_answering(self, info: EngineInfo) -> None:
        self.show_connected(info, was_lost=False)
        self.notify("The Docker engine answers again; resynchronising.", timeout=3)

    # --- the engine's news --------------------------------------------------------------------
    def on_engine_news(self, message: EngineNews) -> None:
        # The panes are updated at most every NEWS_EVERY seconds, and not right after a key:
        # each update makes the tables draw their visible rows again, and keys come first. A
        # change after a quiet spell is shown at once; a burst waits, merged, for its turn.
        listener = self.jtui.listener
        if listener is not None and message.pending is not listener.pending:
            return  # news of an engine the user switched away from
        self._news = message.pending
        if self._news_timer is None:
            self._news_since = time.monotonic()
            self._show_news()

    def on_key(self, event: events.Key) -> None:
        self._key_at = time.monotonic()  # not handled here: the key goes on to its binding

    def _show_news(self) -> None:
        self._news_timer = None
        now = time.monotonic()
        due = min(max(self._news_shown_at + NEWS_EVERY, self._key_at + KEY_FIRST),
                  self._news_since + NEWS_LATEST)
        if due > now:
            self._news_timer = self.set_timer(due - now, self._show_news)
            return
        changes = self._news.take() if self._news is not None else None
        if changes is not None:
            self._news_shown_at = now
            self.apply_changes(changes)

    def on_snapshot(self, message: Snapshot) -> None:
        self.apply_changes(Changes.full(message.containers, message.images))

    def apply_changes(self, changes: Changes) -> None:
        """Bring the panes in line with what changed on the engine, in one go: only the rows of
        the containers named are touched, except after a full re-list."""
        containers = self.containers
        for cid in changes.removed:
            if self.log_pane.container and self.log_pane.container.id == cid:
                self.log_pane.close_stream()
            self.jtui.servers.forget(cid)
            self._close_tunnel(cid)
        if changes.snapshot:
            containers.set_all(list(changes.containers.values()))
            if not self._heap_settled:
                # Start-up is over once the first lists are shown: see tui/heap.py.
                self._heap_settled = True
                self.call_after_refresh(heap.settle)
        else:
            containers.apply_changes(changes.containers.values(), changes.removed)
        if changes.images is not None:
            self.images.set_all(changes.images)
        if self._stale_check is not None:
            project_actions.watch_for(self._stale_check, changes.containers.values())
        # A new row's age reads "0s" and moves every second: the clock wakes sooner for it.
        self._plan_ages(None if changes.snapshot else [
            *(c.created for c in changes.containers.values()),
            *(img.created for img in changes.images or ())])
        if changes.snapshot or changes.removed or any(
                "create" in actions for actions in changes.actions.values()):
            self.volumes.containers_changed()  # who uses which volume may have changed
        for cid, actions in changes.actions.items():
            container = containers.containers.get(cid)
            if container is not None:
                self._container_news(container, actions)
        if changes.snapshot:
            self._after_relist()

    def _after_relist(self) -> None:
        for cid, _ in list(self.jtui.servers.items()):
            if cid not in self.containers.containers:
                self.jtui.servers.forget(cid)
        # After a reconnect the log stream was closed: resume where it stopped. A stopped
        # container's log read to its end is not asked for again on each re-list (an inspect
        # and a logs call every minute, and the pane's title redrawn, for nothing).
        selected = self.containers.selected
        engine = self.jtui.engine
        if (selected is not None and not self.log_pane.following and not self.log_pane.complete
                and engine is not None):
            same = self.log_pane.container is not None and self.log_pane.container.id == selected.id
            self.log_pane.follow(selected, engine, since=self.log_pane.last_timestamp if same else None)
        self.jtui.schedule_resync()

    def _container_news(self, container: ContainerSummary, actions: tuple[str, ...]) -> None:
        """What a container's events mean beyond its row: its Jupyter URL, the logs pane."""
        cid = container.id
        if cid == self._select_when_seen:
            self._select(cid)
        if "oom" in actions:  # which kernel died, and relaunch with more memory (kernels_screen.py)
            self.containers.kernel_watch.oom_seen(cid)
        self.containers.resources.events_seen(container, actions)  # OOM marks (resource_watch.py)
        stopped = any(a in ("die", "stop", "kill") for a in actions)
        started = any(a in ("start", "restart") for a in actions)
        if not container.running:
            if self.jtui.servers.get(cid) is not None or stopped:
                self.jtui.servers.container_stopped(cid)  # a restart may bring another token/port
                self.containers.set_url(cid, None)
                self._close_tunnel(cid)
        elif started:
            # A restart may bring another port: the URL is looked for again.
            self.jtui.servers.container_started(cid)
            self.containers.set_url(cid, None)
        if cid == getattr(self.containers.selected, "id", None):
            self._maybe_discover(container)
            self._show_details()
        following = self.log_pane.container is not None and self.log_pane.container.id == cid
        if following and started and self.jtui.engine is not None:
            self.log_pane.follow(container, self.jtui.engine, since=self.log_pane.last_timestamp)
        if following and stopped and not container.running:
            # Its stream ends once the engine has sent the rest (after a flood, that takes a
            # while): the pane closes it only if it hangs silent instead.
            self.log_pane.container_stopped()

    def _check_forwards(self) -> None:
        engine = self.jtui.engine
        if engine is None or engine.tunnels is None:
            return
        tunnels = engine.tunnels
        for cid in tunnels.broken():
            server = self.jtui.servers.get(cid)
            if cid in self._remaking or server is None:
                continue
            self._remaking.add(cid)

            def remake(cid: str = cid, server: JupyterServer = server) -> None:
                try:
                    port = tunnels.reopen(cid)
                except TunnelFailed as exc:
                    self.post_message(ForwardRemade(cid, None, exc.message))
                except KeyError:  # closed meanwhile (the container stopped)
                    self.post_message(ForwardRemade(cid, None))
                else:
                    self.post_message(ForwardRemade(cid, dataclasses.replace(server, port=port)))

            run_in_thread(self, remake, "open the ssh forward again")

    def on_forward_remade(self, message: ForwardRemade) -> None:
        cid = message.container_id
        self._remaking.discard(cid)
        container = self.containers.containers.get(cid)
        name = container.name if container is not None else cid[:12]
        if message.server is None:
            if message.error:
                self.notify(f"The ssh forward to {name} ended and could not be made again: "
                            f"{message.error}", title="Forward lost", severity="error", timeout=15)
            return
        if self.jtui.servers.get(cid) is None:
            return  # the container stopped meanwhile
        self.jtui.servers.set(cid, message.server)
        self.containers.set_url(cid, self.shown_url(message.server))
        self.notify(f"The ssh forward to {name} had ended; jtui made it again. The URL is now "
                    f"{self.shown_url(message.server)}", title="Forward made again", timeout=10)

    def _close_tunnel(self, cid: str) -> None:
        """The ssh forward to a Jupyter that stopped or went (ssh:// engines)."""
        engine = self.jtui.engine
        if engine is not None and engine.tunnels is not None:
            tunnels = engine.tunnels
            run_in_thread(self, lambda: tunnels.close(cid), "close the ssh forward")

    @on(ContainerSelected)
    def _selection_moved(self, message: ContainerSelected) -> None:
        self.log_pane.follow(message.container, self.jtui.engine if self.jtui.connected else None)
        self._show_details()
        if message.container is not None:
            self._maybe_discover(message.container)

    def _show_details(self) -> None:
        c = self.containers.selected
        if c is None:
            self.details.update(Text(self._empty_hint()))
            return
        server = self.jtui.servers.get(c.id)
        starting = self._starting.get(c.id)
        if server:
            text = f"◆ {c.name} (u copy · o open): {self.shown_url(server)}"
        elif starting is not None and c.running:
            state = ("does not answer" if self.jtui.servers.gave_up(c.id)
                     else "is starting: waiting for it to answer")
            text = f"◆ {c.name}: Jupyter {state} at {starting.base}"
        elif is_jupyter_container(c):
            text = f"◆ {c.name}: Jupyter" + ("" if c.running else " (not running)")
        else:
            text = f"{c.name}: {c.image}"
        # Wraps rather than cuts: the URL with its token is what the user came for.
        self.details.update(Text(text))

    def _empty_hint(self) -> str:
        """What to do when the containers pane shows nothing: the first run's path, or why."""
        table = self.containers
        members = table.group_members(table.selected_key)  # a folded Compose project's row
        if members:
            return (f"Compose project of {', '.join(c.name for c in members)} "
                    "(z unfolds it; S, s, r, d act on all of them).")
        if not self.jtui.connected and not table.containers:
            return ""
        if table.filter_text:
            return f"No container matches '{table.filter_text}' (Esc clears the filter)."
        if table.containers and not table.show_all:
            return "No running containers (a shows all)."
        return ("No containers yet. To start Jupyter: press 2, pick a stack (◆ local, ○ pulled "
                "when you launch) and press l.")

    def shown_url(self, server: JupyterServer) -> str:
        """The URL as drawn: with its token, or the token masked when the settings say so (u and
        o always use the real one)."""
        if not self.jtui.config.mask_tokens or not server.token:
            return server.url
        return server.url.replace(server.token, server.token[:4] + "…")

    def _refresh_ages(self) -> None:
        self._age_timer = None
        self.containers.refresh_ages()
        self.images.sync()
        self._plan_ages()

    def _plan_ages(self, created: Iterable[datetime | None] | None = None) -> None:
        """Redraw the ages when the first of them would read differently (a minute for "5m",
        an hour for "3h"): a clock that ticked every few seconds woke jtui for nothing. With
        `created`, only those (new rows) are looked at, and only to redraw sooner."""
        now = self.jtui.clock()
        if created is None:
            created = [*(c.created for c in self.containers.containers.values()),
                       *(img.created for img in self.images.images.values())]
        wait = min((humanize.age_changes_in(t, now, AGE_SLACK) for t in created if t is not None),
                   default=AGE_REFRESH_MAX)
        wait = min(AGE_REFRESH_MAX, max(1.0, wait + 0.05))
        at = time.monotonic() + wait
        if self._age_timer is not None:
            if self._age_at <= at:
                return  # already due sooner
            self._age_timer.stop()
        self._age_timer, self._age_at = self.set_timer(wait, self._refresh_ages), at

    # --- Jupyter URLs of containers -----------------------------------------------------------
    def _maybe_discover(self, container: ContainerSummary) -> None:
        engine = self.jtui.engine
        servers = self.jtui.servers
        if (engine is None or not self.jtui.connected or not container.running
                or not is_jupyter_container(container) or not servers.should_discover(container.id)):
            return
        servers.discovery_started(container.id)
        cid = container.id

        def look() -> None:
            answering = True
            try:
                server = discover(engine, cid)
                # A URL is only shown once Jupyter accepts its token (after S or r it takes
                # seconds). A remote engine's published port may not be reachable from here:
                # there the URL is shown as found.
                if server is not None and (engine.endpoint.is_local or engine.tunnels is not None):
                    answering = probe(server, timeout=1.0)
            except NotOurServer:
                answering = False
            except Exception:  # whatever happened, the registry must hear the attempt ended
                log.debug("discovery in %s failed", cid, exc_info=True)
                server = None
            self.post_message(Discovered(cid, server, answering))

        run_in_thread(self, look, "find the Jupyter URL")

    def on_discovered(self, message: Discovered) -> None:
        cid, server = message.container_id, message.server
        if server is not None:
            register_secret(server.token)
        if server is not None and not message.answering:
            # Counted as a try: after the registry's tries the row says Jupyter does not answer.
            self.jtui.servers.discovery_finished(cid, None)
            self._starting[cid] = server
            gave_up = self.jtui.servers.gave_up(cid)
            self.containers.set_url(cid, "not answering" if gave_up else "starting…")
            self._show_details()
            if not gave_up:
                self.set_timer(self.jtui.servers.retry_in(cid) + 0.05, self._rediscover)
            return
        kept = self.jtui.servers.discovery_finished(cid, server)
        self._starting.pop(cid, None)
        if server is not None and kept:
            self.containers.set_url(cid, self.shown_url(server))
            self._show_details()
        elif server is None:
            # Jupyter may still be starting: look again while it stays selected and running.
            self.set_timer(self.jtui.servers.retry_in(cid) + 0.05, self._rediscover)

    def _rediscover(self) -> None:
        selected = self.containers.selected
        if selected is not None:
            self._maybe_discover(selected)

    # --- keys ---------------------------------------------------------------------------------
    NARROW = 110  # columns below which the panes stack

    def on_resize(self) -> None:
        self.set_class(self.size.width < self.NARROW, "-narrow")

    def action_focus_pane(self, pane: str) -> None:
        # On a narrow terminal the logs and images panes share one place: show the one asked for.
        if pane in ("logs", "images", "volumes"):
            self.set_class(pane == "logs", "-show-logs")
        # The volumes pane takes the images pane's place (4), and gives it back on 2.
        if pane in ("images", "volumes"):
            self.set_class(pane == "volumes", "-show-volumes")
        target = {"containers": self.containers, "images": self.images, "volumes": self.volumes,
                  "logs": self.log_pane.log_view}.get(pane)
        if target is not None:
            self.call_after_refresh(target.focus)  # once it is displayed again

    def _focused_pane(self) -> str:
        focused = self.focused
        if isinstance(focused, ImageTable):
            return "images"
        if focused is not None and (focused is self.log_pane or self.log_pane in focused.ancestors):
            return "logs"
        return "containers"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter":
            # In a text field, "/" is just a character.
            return not isinstance(self.focused, (Input, TextArea))
        return True

    def action_filter(self) -> None:
        pane = self._focused_pane()
        if pane == "logs":
            self.log_pane.open_search()  # highlights; the logs pane's filter is on "&"
            return
        self._filter_target = pane
        table = self.images if pane == "images" else self.containers
        self.filter_box.placeholder = f"filter {pane} (Enter keeps it, Esc clears)"
        self.filter_box.value = table.filter_text
        self.filter_box.display = True
        # Focus now, not on the next idle: keys typed right after "/" must land in the box.
        self.set_focus(self.filter_box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        table = self.images if self._filter_target == "images" else self.containers
        table.set_filter(event.value)
        self._show_details()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)
        self.set_focus(self.images if self._filter_target == "images" else self.containers)

    def action_clear_filter(self) -> None:
        if self.filter_box.display or self.containers.filter_text or self.images.filter_text:
            self.filter_box.value = ""
            self.filter_box.display = False
            self.containers.set_filter("")
            self.images.set_filter("")
            self.containers.focus()
        self.log_pane.clear_filter()

    # --- launch -------------------------------------------------------------------------------
    def _ports_in_use(self) -> set[int]:
        return {p.host_port for c in self.containers.containers.values() for p in c.ports
                if p.host_port and c.running}

    def _names(self) -> set[str]:
        return {c.name for c in self.containers.containers.values()}

    def launch_request_for(self, image: str, base_name: str) -> LaunchRequest:
        engine = self.jtui.engine
        return launch_defaults(image, base_name, existing_names=self._names(),
                               ports_in_use=self._ports_in_use(),
                               local=engine is not None and engine.endpoint.is_local,
                               cwd=os.getcwd(), ids=host_ids(),
                               rootless=engine is not None and engine.info.rootless)

    def open_launch_form(self, request: LaunchRequest, *, build_project: bool | None = None) -> None:
        engine = self.jtui.require_engine("launch Jupyter")
        if engine is None:
            return
        form = LaunchForm(request, engine, existing_names=self._names(),
                          ports_in_use=self._ports_in_use(), local_engine=engine.endpoint.is_local,
                          build_project=build_project)
        self.app.push_screen(form, self._launched)

    def action_launch(self) -> None:
        """Launch what the user chose in the images pane; when they chose nothing there, a local
        Jupyter image, else minimal-notebook. Never an image without Jupyter by default."""
        images = self.images
        chosen = images.chosen
        stack = images.selected_stack if chosen else None
        image = images.selected_image if chosen else None
        if stack is not None and not stack.has_jupyter:
            self.notify(f"{stack.name} has no Jupyter in it (it is the base of the other stacks): "
                        "pick another stack, e.g. minimal-notebook or scipy-notebook.",
                        severity="warning", timeout=8)
            return
        if image is not None and stack is None:
            ref = image.display_name  # a local image the user picked: theirs to choose
            base = parse_reference(ref).name or "jupyter"
        else:
            if stack is None and image is None:
                local = next((i for i in sorted(images.images.values(), key=lambda i: i.display_name)
                              if (s := find_stack(i.display_name)) is not None and s.has_jupyter), None)
                if local is not None:
                    image, stack = local, find_stack(local.display_name)
            stack = stack or find_stack("minimal-notebook")
            assert stack is not None  # part of the catalog
            if image is not None and find_stack(image.display_name) is stack:
                ref = image.display_name  # the local image of that stack, with its tag
            else:
                ref = stack.image(self.jtui.config.registry)
            base = stack.name
        self.open_launch_form(self.launch_request_for(ref, base))

    def _launched(self, result: LaunchResult | None) -> None:
        if result is None:
            return
        register_secret(result.server.token)
        self.jtui.servers.set(result.container_id, result.server)
        self.containers.set_url(result.container_id, self.shown_url(result.server))
        self._select(result.container_id)
        self._show_details()
        self.last_launch = result
        try:
            self.jtui.recent.remember(result.request)
        except OSError as exc:
            self.notify(f"Could not remember this launch: {exc}", severity="warning")
        url = self.shown_url(result.server)
        self.notify(f"{result.request.name} is ready in {result.seconds:.1f}s: {url}\n"
                    "u copies the URL, o opens it.", title="Jupyter is ready", timeout=10)
        if result.warning:
            self.notify(result.warning, title="The folder is not writable", severity="warning",
                        timeout=30)
        if result.gpu_check is not None:
            # Whether the notebook's Python sees the GPU (a silent CPU fallback otherwise).
            self.notify(result.gpu_check.message, title="GPU",
                        severity="warning" if result.gpu_check.warning else "information",
                        timeout=30 if result.gpu_check.warning else 10)
        if result.tunnel:
            # A tcp:// engine elsewhere published Jupyter on its own loopback (safe): the browser
            # here needs the user's ssh forward first; the command is what they paste.
            self.jtui.copy_text(result.tunnel, "ssh tunnel command")
            self.notify(f"Jupyter answers on the engine's machine, on its 127.0.0.1 only. Run this "
                        f"here first (copied), then open the URL:\n{result.tunnel}",
                        title="A tunnel is needed", severity="warning", timeout=60)

    def _select(self, cid: str) -> None:
        """Put the cursor on a container's row, now or as soon as its row appears."""
        self._select_when_seen = None if self.containers.select(cid) else cid

    def action_launch_recipe(self) -> None:
        project_actions.launch_recipe(self)

    def action_rebuild_project(self) -> None:
        project_actions.rebuild_and_relaunch(self)

    def action_recent(self) -> None:
        requests = self.jtui.recent.load()
        if not requests:
            self.notify("No recent launches yet.")
            return

        def chosen(request: LaunchRequest | None) -> None:
            if request is not None:
                names = self._names()
                if request.name in names:
                    request.name = default_name(request.name.rstrip("0123456789-") or request.name, names)
                self.open_launch_form(request)

        self.app.push_screen(RecentScreen(requests), chosen)

    def _selected_server(self) -> JupyterServer | None:
        c = self.containers.selected
        if c is None:
            self.notify("Select a Jupyter container first.", severity="warning")
            return None
        server = self.jtui.servers.get(c.id)
        if server is None:
            self._maybe_discover(c)
            self.notify(f"No Jupyter URL known for {c.name} yet"
                        + ("." if c.running else ": it is not running."), severity="warning")
        return server

    def action_copy_url(self) -> None:
        server = self._selected_server()
        if server is not None:
            self.jtui.copy_text(server.url, "Jupyter URL")
            engine = self.jtui.engine
            if (engine is not None and engine.tunnels is None and not engine.endpoint.is_local
                    and server.host == "127.0.0.1"):
                self.notify("This URL works here once a tunnel to the engine's machine runs:\n"
                            + tunnel_command(engine, server.port), severity="warning", timeout=20)

    def action_open_url(self) -> None:
        server = self._selected_server()
        if server is None:
            return
        problem = open_in_browser(server.url)
        if problem:
            self.notify(f"Could not open a browser: {problem}.", severity="warning")
        else:
            self.notify("Opened in your browser.")

    # --- details and disk ---------------------------------------------------------------------
    def action_details(self) -> None:
        """The details of what the focused pane has selected: a container's inspect (from the
        logs pane too: its container), an image's layers, a volume."""
        engine = self.jtui.require_engine("show details")
        if engine is None:
            return
        focused = self.focused
        if isinstance(focused, VolumeTable):
            volume = focused.selected_volume
            if volume is None:
                self.notify("Select a volume first.", severity="warning")
                return
            self.app.push_screen(DetailsScreen(f"Volume {volume.name}", lambda: volume_fields(volume)))
            return
        if self._focused_pane() == "images":
            image = self.images.selected_image
            if image is None:
                self.notify("Select a local image first (catalog entries are not pulled).",
                            severity="warning")
                return
            ref = image.id
            self.app.push_screen(DetailsScreen(f"Image {image.display_name}: details and layers",
                                               lambda: image_details(engine, ref, self.jtui.clock())))
            return
        container = (self.log_pane.container if self._focused_pane() == "logs"
                     else None) or self.containers.selected
        if container is None:
            self.notify("Select a container first.", severity="warning")
            return
        cid = container.id
        self.app.push_screen(DetailsScreen(f"Container {container.name}",
                                           lambda: container_details(engine, cid)))

    def action_disk(self) -> None:
        if self.jtui.require_engine("read the disk usage") is not None:
            self.app.push_screen(DiskScreen())
