"""The jtui application: layout, the live link to the engine, and dispatch of keys to panes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea

from .config import AppConfig, state_dir
from .jupyter.detect import is_jupyter_container
from .jupyter.recent import RecentLaunches
from .jupyter.server import JupyterServer
from .ui.actions import ContainerActions, ImageActions
from .ui.jupyter_actions import JupyterActions
from .ui.launch_form import LaunchSucceeded
from .engine import ContainerSummary, Engine, EngineError, EngineEvent, EngineInfo, ImageSummary
from .engine.watcher import EngineWatcher
from .ui.container_table import ContainerTable, KeyedTable
from .ui.engine_bar import EngineBar
from .ui.help_screen import HelpScreen, binding_rows
from .ui.image_table import ImageTable
from .ui.log_pane import LogPane
from .ui.messages import (ContainerChanged, ContainerRemoved, ContainerSelected, EngineConnected,
                          EngineLost, EngineUnreachableNow, ImagesChanged, Snapshot)
from .ui.offline_panel import OfflinePanel

AGE_REFRESH_SECONDS = 15


class _AppListener:
    """Turns the watcher's callbacks (on its thread) into messages for the app."""

    def __init__(self, app: "JtuiApp") -> None:
        self.app = app

    def connected(self, engine: Engine) -> None:
        self.app.engine = engine
        self.app.post_message(EngineConnected(engine.info))

    def unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None:
        self.app.post_message(EngineUnreachableNow(error, retry_in, attempt))

    def lost(self, error: EngineError) -> None:
        self.app.post_message(EngineLost(error))

    def snapshot(self, containers: list[ContainerSummary], images: list[ImageSummary]) -> None:
        self.app.post_message(Snapshot(containers, images))

    def container_changed(self, container: ContainerSummary, event: EngineEvent) -> None:
        self.app.post_message(ContainerChanged(container, event))

    def container_removed(self, container_id: str, event: EngineEvent) -> None:
        self.app.post_message(ContainerRemoved(container_id))

    def images_changed(self, images: list[ImageSummary]) -> None:
        self.app.post_message(ImagesChanged(images))


class JtuiApp(ContainerActions, ImageActions, JupyterActions, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "jtui"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("1", "focus_pane('containers')", "Containers", show=False, id="focus-containers"),
        Binding("2", "focus_pane('images')", "Images", show=False, id="focus-images"),
        Binding("3", "focus_pane('logs')", "Logs", show=False, id="focus-logs"),
        # Priority: handled as the key arrives, so text typed right after "/" (fast typists,
        # pastes, tmux send-keys) lands in the box instead of reaching the table as commands.
        Binding("slash", "filter", "Filter", id="filter", priority=True),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding("ctrl+r", "retry", "Retry engine", show=False, id="retry-engine"),
        Binding("l", "launch", "Launch", id="launch"),
        Binding("u", "copy_url", "Copy URL", id="copy-url"),
        Binding("o", "open_url", "Open URL", id="open-url"),
        Binding("h", "recent", "Recent launches", show=False, id="recent-launches"),
    ]

    def __init__(self, config: AppConfig, *, connect: Callable[[], Engine] | None = None,
                 clock: Callable[[], datetime] | None = None, live: bool = True) -> None:
        super().__init__()
        self.config = config
        self._connect = connect or (lambda: Engine.connect(config.host, config.context))
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.live = live
        self.engine: Engine | None = None
        self.connected = False
        self.connect_attempts = 0
        self.watcher: EngineWatcher | None = None
        self._filter_target: str | None = None
        self.servers: dict[str, JupyterServer] = {}  # container id -> its Jupyter server
        self._discovering: set[str] = set()
        self._discover_tries: dict[str, int] = {}
        self.last_launch: LaunchSucceeded | None = None
        # What the last actions did, for whoever needs to know (tests, the palette).
        self.last_action_result: tuple[str, list[str], list[str]] | None = None
        self.last_commit: str | None = None
        self.output_screen = None
        self.recent = RecentLaunches(state_dir())
        self._resync_timer = None
        if config.keymap:
            self.set_keymap(config.keymap)

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Kept as attributes, not queried: messages may still arrive while the screen is torn down.
        self.engine_bar = EngineBar(id="engine-bar")
        self.containers = ContainerTable(id="containers", show_all=self.config.show_all_containers,
                                         clock=self.clock)
        self.images = ImageTable(id="images", registry=self.config.registry, clock=self.clock)
        self.details = Static("", id="details")
        self.log_pane = LogPane(id="logs", tail=self.config.log_tail,
                                max_lines=self.config.log_max_lines,
                                timestamps=self.config.log_timestamps, wrap=self.config.log_wrap)
        yield self.engine_bar
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.containers
                yield self.details
                yield self.images
            yield self.log_pane
        yield OfflinePanel(id="offline")
        yield Input(id="filter", placeholder="filter (Enter keeps it, Esc clears)")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        self.query_one(OfflinePanel).display = False
        self.engine_bar.show_state("connecting", endpoint=self.config.host or self.config.context or "")
        self.containers.focus()
        for problem in self.config.problems:
            self.notify(problem, title="Settings", severity="warning", timeout=10)
        self.set_interval(AGE_REFRESH_SECONDS, self._refresh_ages)
        if self.live:
            self._watch()

    # --- the live link ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="watch", exit_on_error=False, description="engine events")
    def _watch(self) -> None:
        self.watcher = EngineWatcher(self._connect, _AppListener(self))
        self.watcher.run()

    def on_unmount(self) -> None:
        if self.watcher:
            self.watcher.stop()
        if self.engine:
            self.engine.close()

    def on_engine_connected(self, message: EngineConnected) -> None:
        info: EngineInfo = message.info
        was_lost = not self.connected and self.log_pane.container is not None
        self.connected = True
        self.engine_bar.show_state("connected", info.endpoint,
                             f"Docker {info.version} (API {info.api_version}) {info.os}/{info.arch}")
        self.query_one(OfflinePanel).display = False
        if was_lost:
            self.notify("Reconnected to the engine; resynchronising.", timeout=3)

    def on_engine_unreachable_now(self, message: EngineUnreachableNow) -> None:
        self.connected = False
        self.connect_attempts = message.attempt
        endpoint = getattr(message.error, "endpoint", "") or self.engine_bar.endpoint
        self.engine_bar.show_state("disconnected", endpoint,
                             detail=f"retry {message.attempt} in {message.retry_in:g}s")
        self.query_one(OfflinePanel).show_error(endpoint, message.error, message.retry_in)

    def on_engine_lost(self, message: EngineLost) -> None:
        self.connected = False
        self.engine_bar.show_state("disconnected", detail="reconnecting…")
        self.query_one(OfflinePanel).show_error(self.engine_bar.endpoint, message.error, 0.5, lost=True)
        self.log_pane.close_stream()

    def on_snapshot(self, message: Snapshot) -> None:
        self.containers.set_all(message.containers)
        self.images.set_all(message.images)
        # After a reconnect the log stream was closed: resume where it stopped.
        selected = self.containers.selected
        if selected is not None and not self.log_pane.following and self.engine is not None:
            same = self.log_pane.container is not None and self.log_pane.container.id == selected.id
            self.log_pane.follow(selected, self.engine, since=self.log_pane.last_timestamp if same else None)
        self._schedule_resync()

    def _schedule_resync(self) -> None:
        # The next safety-net re-list is planned only once this one landed: never overlapping.
        if self._resync_timer is not None:
            self._resync_timer.stop()
        self._resync_timer = self.set_timer(self.config.resync_seconds, self._resync)

    @work(thread=True, exclusive=True, group="resync", exit_on_error=False, description="re-list")
    def _resync(self) -> None:
        engine = self.engine
        if engine is None or not self.connected:
            return
        try:
            self.post_message(Snapshot(engine.list_containers(), engine.list_images()))
        except EngineError:
            pass  # the event stream notices a lost engine and reconnects

    def on_container_changed(self, message: ContainerChanged) -> None:
        self.containers.upsert(message.container)
        cid = message.container.id
        if not message.container.running and cid in self.servers:
            del self.servers[cid]  # a restarted server may get another token or port
            self.containers.set_url(cid, None)
        elif message.container.running and cid == getattr(self.containers.selected, "id", None):
            self._maybe_discover(message.container)
        if cid == getattr(self.containers.selected, "id", None):
            self._show_details()
        if (message.event and message.event.base_action in ("die", "kill", "stop")
                and self.log_pane.container and self.log_pane.container.id == message.container.id
                and not message.container.running):
            # Follow streams can hang after the container exits: close them ourselves.
            self.set_timer(0.5, self._close_logs_if_dead)
        elif (message.event and message.event.base_action in ("start", "restart")
              and self.log_pane.container and self.log_pane.container.id == message.container.id):
            self.log_pane.follow(message.container, self.engine, since=self.log_pane.last_timestamp)

    def _close_logs_if_dead(self) -> None:
        current = self.log_pane.container
        if current and not self.containers.containers.get(current.id, current).running:
            self.log_pane.close_stream()

    def on_container_removed(self, message: ContainerRemoved) -> None:
        if self.log_pane.container and self.log_pane.container.id == message.container_id:
            self.log_pane.close_stream()
        self.containers.remove_container(message.container_id)

    def on_images_changed(self, message: ImagesChanged) -> None:
        self.images.set_all(message.images)

    @on(ContainerSelected)
    def _selection_moved(self, message: ContainerSelected) -> None:
        self.log_pane.follow(message.container, self.engine if self.connected else None)
        self._show_details()
        if message.container is not None:
            self._maybe_discover(message.container)

    def _show_details(self) -> None:
        c = self.containers.selected
        if c is None:
            self.details.update("")
            return
        server = self.servers.get(c.id)
        if server:
            self.details.update(f"◆ {c.name}: {server.url}   (u copy · o open)")
        elif is_jupyter_container(c):
            self.details.update(f"◆ {c.name}: Jupyter" + ("" if c.running else " (not running)"))
        else:
            self.details.update(f"{c.name}: {c.image}")

    def _refresh_ages(self) -> None:
        self.containers.refresh_ages()
        self.images.sync()

    # --- actions ------------------------------------------------------------------------------
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
            # In a text field or on another screen, "/" is just a character.
            return self.screen is self.screen_stack[0] and not isinstance(self.focused, (Input, TextArea))
        return True

    def action_filter(self) -> None:
        pane = self._focused_pane()
        if pane == "logs":
            self.log_pane.open_filter()
            return
        self._filter_target = pane
        box = self.query_one("#filter", Input)
        box.placeholder = f"filter {pane} (Enter keeps it, Esc clears)"
        box.value = (self.containers if pane == "containers" else self.images).filter_text
        box.display = True
        # Focus now, not on the next idle: keys typed right after "/" must land in the box.
        self.screen.set_focus(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        table = self.images if self._filter_target == "images" else self.containers
        table.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)
        self.screen.set_focus(self.images if self._filter_target == "images" else self.containers)

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display or self.containers.filter_text or self.images.filter_text:
            box.value = ""
            box.display = False
            self.containers.set_filter("")
            self.images.set_filter("")
            self.containers.focus()
        if self.log_pane.filter_text or self.log_pane.query_one("#log-filter").display:
            self.log_pane.query_one("#log-filter", Input).value = ""
            self.log_pane.query_one("#log-filter").display = False
            self.log_pane.filter_text = ""
            self.log_pane.rerender()

    def require_engine(self, doing: str) -> Engine | None:
        """The engine for an action, or None with a message saying why the action cannot run."""
        if self.connected and self.engine is not None:
            return self.engine
        self.notify(f"Cannot {doing}: not connected to the Docker engine at "
                    f"{self.engine_bar.endpoint or 'its endpoint'}. jtui keeps retrying; press "
                    "Ctrl+R to retry now.", severity="error", title="Engine unreachable")
        return None

    def action_retry(self) -> None:
        if self.watcher is not None and not self.connected:
            self.watcher.retry_now()

    def help_rows(self) -> list[tuple[str, str, str]]:
        return binding_rows(self, [("tables", KeyedTable), ("containers", ContainerTable),
                                   ("images", ImageTable), ("logs", LogPane)])

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_rows()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: every key", "Show the help screen", self.action_help)
        yield SystemCommand("Containers: toggle all / running only", "Key a",
                            self.containers.action_toggle_all)
        yield SystemCommand("Images: toggle the stacks catalog", "Key c",
                            self.images.action_toggle_catalog)
        yield SystemCommand("Logs: toggle timestamps", "Key t", self.log_pane.action_toggle_timestamps)
        yield SystemCommand("Logs: toggle wrap", "Key w", self.log_pane.action_toggle_wrap)
        yield SystemCommand("Logs: save to a file", "Key s", self.log_pane.action_save)
        yield SystemCommand("Logs: follow (jump to the end)", "Key f", self.log_pane.action_follow)
        yield SystemCommand("Filter the focused pane", "Key /", self.action_filter)
        yield SystemCommand("Engine: retry now", "Key r", self.action_retry)
        yield SystemCommand("Launch Jupyter from the selected image or stack", "Key l", self.action_launch)
        yield SystemCommand("Copy the Jupyter URL", "Key u", self.action_copy_url)
        yield SystemCommand("Open the Jupyter URL in the browser", "Key o", self.action_open_url)
        yield SystemCommand("Relaunch a recent launch", "Key h", self.action_recent)
        for title, key, action in (
                ("Container: start", "S", self.action_start_containers),
                ("Container: stop (with grace period)", "s", self.action_stop_containers),
                ("Container: restart", "r", self.action_restart_containers),
                ("Container: remove", "d", self.action_remove_containers),
                ("Container: open a shell inside", "e", self.action_shell),
                ("Container: run a command (live output)", "x", self.action_run_command),
                ("Container: commit to a new image", "m", self.action_commit_container),
                ("Image: pull", "p", self.action_pull_image),
                ("Image: remove", "d", self.action_remove_image),
                ("Images: prune dangling", "P", self.action_prune_images),
                ("Image: build a custom image", "b", self.action_build_image)):
            yield SystemCommand(title, f"Key {key}", action)


def create_app(config: AppConfig | None = None, **kwargs) -> JtuiApp:
    """The one way to build the app: the CLI and the tests both come through here."""
    return JtuiApp(config or AppConfig(), **kwargs)
