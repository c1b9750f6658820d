"""The main screen: the engine bar, the containers, images and logs panes, the details line and
the filter box; the engine's news (snapshots, events) brought to the panes; and the Jupyter keys
(launch, copy or open the URL, recent launches), which work from any pane."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea

from ..engine import ContainerSummary, EngineError, EngineInfo, parse_reference
from ..jupyter.catalog import find_stack
from ..jupyter.detect import is_jupyter_container
from ..jupyter.launch import LaunchRequest, default_name, host_ids, launch_defaults
from ..jupyter.launcher import LaunchResult, discover
from ..jupyter.server import JupyterServer
from ..logsetup import register_secret
from .clipboard import open_in_browser
from .containers import ContainerTable
from .engine_bar import EngineBar
from .images import ImageTable
from .jobs import run_in_thread
from .launch_form import LaunchForm
from .log_pane import LogPane
from .messages import ContainerChanged, ContainerRemoved, ContainerSelected, ImagesChanged, Snapshot
from .offline_panel import OfflinePanel
from .recent_screen import RecentScreen

if TYPE_CHECKING:
    from ..app import JtuiApp

log = logging.getLogger(__name__)

AGE_REFRESH_SECONDS = 15


class Discovered(Message):
    """The URL of a Jupyter container was looked for (server None: not found yet)."""

    def __init__(self, container_id: str, server: JupyterServer | None) -> None:
        super().__init__()
        self.container_id = container_id
        self.server = server


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("1", "focus_pane('containers')", "Containers", show=False, id="focus-containers"),
        Binding("2", "focus_pane('images')", "Images", show=False, id="focus-images"),
        Binding("3", "focus_pane('logs')", "Logs", show=False, id="focus-logs"),
        # Priority: handled as the key arrives, so text typed right after "/" (fast typists,
        # pastes, tmux send-keys) lands in the box instead of reaching the table as commands.
        Binding("slash", "filter", "Filter", id="filter", priority=True),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding("l", "launch", "Launch", id="launch"),
        Binding("u", "copy_url", "Copy URL", id="copy-url"),
        Binding("o", "open_url", "Open URL", id="open-url"),
        Binding("h", "recent", "Recent launches", show=False, id="recent-launches"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._filter_target = "containers"
        self.last_launch: LaunchResult | None = None
        self._select_when_seen: str | None = None  # a launched container whose row is not in yet

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.app)

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        config = self.jtui.config
        # Kept as attributes, not queried: messages may still arrive while the screen is torn down.
        self.engine_bar = EngineBar(id="engine-bar")
        self.containers = ContainerTable(id="containers", show_all=config.show_all_containers,
                                         clock=self.jtui.clock)
        self.images = ImageTable(id="images", registry=config.registry, clock=self.jtui.clock)
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
        self.set_interval(AGE_REFRESH_SECONDS, self._refresh_ages)

    # --- the engine's state, told by the app --------------------------------------------------
    def show_connected(self, info: EngineInfo, was_lost: bool) -> None:
        self.engine_bar.show_state("connected", info.endpoint,
                                   f"Docker {info.version} (API {info.api_version}) {info.os}/{info.arch}")
        self.offline.display = False
        if was_lost:
            self.notify("Reconnected to the engine; resynchronising.", timeout=3)

    def show_unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None:
        endpoint = getattr(error, "endpoint", "") or self.engine_bar.endpoint
        self.engine_bar.show_state("disconnected", endpoint, detail=f"retry {attempt} in {retry_in:g}s")
        self.offline.show_error(endpoint, error, retry_in, loaded=bool(self.containers.containers))

    def show_lost(self, error: EngineError) -> None:
        self.engine_bar.show_state("disconnected", detail="reconnecting…")
        self.offline.show_error(self.engine_bar.endpoint, error, 0.5, lost=True,
                                loaded=bool(self.containers.containers))
        self.log_pane.close_stream()

    # --- the engine's news --------------------------------------------------------------------
    def on_snapshot(self, message: Snapshot) -> None:
        self.containers.set_all(message.containers)
        self.images.set_all(message.images)
        for cid, _ in list(self.jtui.servers.items()):
            if cid not in self.containers.containers:
                self.jtui.servers.forget(cid)
        # After a reconnect the log stream was closed: resume where it stopped.
        selected = self.containers.selected
        engine = self.jtui.engine
        if selected is not None and not self.log_pane.following and engine is not None:
            same = self.log_pane.container is not None and self.log_pane.container.id == selected.id
            self.log_pane.follow(selected, engine, since=self.log_pane.last_timestamp if same else None)
        self.jtui.schedule_resync()

    def on_container_changed(self, message: ContainerChanged) -> None:
        container = message.container
        self.containers.upsert(container)
        cid = container.id
        if cid == self._select_when_seen:
            self._select(cid)
        action = message.event.base_action if message.event else ""
        if not container.running:
            if self.jtui.servers.get(cid) is not None or action in ("die", "stop", "kill"):
                self.jtui.servers.container_stopped(cid)  # a restart may bring another token/port
                self.containers.set_url(cid, None)
        elif action in ("start", "restart"):
            # A restart may bring another port: the URL is looked for again.
            self.jtui.servers.container_started(cid)
            self.containers.set_url(cid, None)
        selected = cid == getattr(self.containers.selected, "id", None)
        if selected:
            self._maybe_discover(container)
            self._show_details()
        following = self.log_pane.container is not None and self.log_pane.container.id == cid
        if following and action in ("die", "kill", "stop") and not container.running:
            # Follow streams can hang after the container exits: close them ourselves.
            self.set_timer(0.5, self._close_logs_if_dead)
        elif following and action in ("start", "restart") and self.jtui.engine is not None:
            self.log_pane.follow(container, self.jtui.engine, since=self.log_pane.last_timestamp)

    def _close_logs_if_dead(self) -> None:
        current = self.log_pane.container
        if current and not self.containers.containers.get(current.id, current).running:
            self.log_pane.close_stream()

    def on_container_removed(self, message: ContainerRemoved) -> None:
        if self.log_pane.container and self.log_pane.container.id == message.container_id:
            self.log_pane.close_stream()
        self.jtui.servers.forget(message.container_id)
        self.containers.remove_container(message.container_id)

    def on_images_changed(self, message: ImagesChanged) -> None:
        self.images.set_all(message.images)

    @on(ContainerSelected)
    def _selection_moved(self, message: ContainerSelected) -> None:
        self.log_pane.follow(message.container, self.jtui.engine if self.jtui.connected else None)
        self._show_details()
        if message.container is not None:
            self._maybe_discover(message.container)

    def _show_details(self) -> None:
        c = self.containers.selected
        if c is None:
            self.details.update("")
            return
        server = self.jtui.servers.get(c.id)
        if server:
            text = f"◆ {c.name}: {server.url}   (u copy · o open)"
        elif is_jupyter_container(c):
            text = f"◆ {c.name}: Jupyter" + ("" if c.running else " (not running)")
        else:
            text = f"{c.name}: {c.image}"
        self.details.update(Text(text, no_wrap=True, overflow="ellipsis"))

    def _refresh_ages(self) -> None:
        self.containers.refresh_ages()
        self.images.sync()

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
            try:
                server = discover(engine, cid)
            except Exception:  # whatever happened, the registry must hear the attempt ended
                log.debug("discovery in %s failed", cid, exc_info=True)
                server = None
            self.post_message(Discovered(cid, server))

        run_in_thread(self, look, "find the Jupyter URL")

    def on_discovered(self, message: Discovered) -> None:
        cid, server = message.container_id, message.server
        kept = self.jtui.servers.discovery_finished(cid, server)
        if server is not None and kept:
            register_secret(server.token)
            self.containers.set_url(cid, server.url)
            self._show_details()
        elif server is None:
            # Jupyter may still be starting: look again while it stays selected and running.
            self.set_timer(self.jtui.servers.retry_in(cid) + 0.05, self._rediscover)

    def _rediscover(self) -> None:
        selected = self.containers.selected
        if selected is not None:
            self._maybe_discover(selected)

    # --- keys ---------------------------------------------------------------------------------
    def action_focus_pane(self, pane: str) -> None:
        target = {"containers": self.containers, "images": self.images,
                  "logs": self.log_pane.log_view}.get(pane)
        if target is not None:
            target.focus()

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
            self.log_pane.open_filter()
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
                               cwd=os.getcwd(), ids=host_ids())

    def open_launch_form(self, request: LaunchRequest) -> None:
        engine = self.jtui.require_engine("launch Jupyter")
        if engine is None:
            return
        form = LaunchForm(request, engine, existing_names=self._names(),
                          ports_in_use=self._ports_in_use(), local_engine=engine.endpoint.is_local)
        self.app.push_screen(form, self._launched)

    def action_launch(self) -> None:
        stack = self.images.selected_stack
        image = self.images.selected_image
        if self.focused is self.images and image is not None and stack is None:
            ref = image.display_name
            base = parse_reference(ref).name or "jupyter"
        else:
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
        self.containers.set_url(result.container_id, result.server.url)
        self._select(result.container_id)
        self._show_details()
        self.last_launch = result
        try:
            self.jtui.recent.remember(result.request)
        except OSError as exc:
            self.notify(f"Could not remember this launch: {exc}", severity="warning")
        self.notify(f"{result.request.name} is ready in {result.seconds:.1f}s: {result.server.url}\n"
                    "u copies the URL, o opens it.", title="Jupyter is ready", timeout=10)

    def _select(self, cid: str) -> None:
        """Put the cursor on a container's row, now or as soon as its row appears."""
        self._select_when_seen = None if self.containers.select(cid) else cid

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

    def action_open_url(self) -> None:
        server = self._selected_server()
        if server is None:
            return
        problem = open_in_browser(server.url)
        if problem:
            self.notify(f"Could not open a browser: {problem}.", severity="warning")
        else:
            self.notify("Opened in your browser.")
