"""The jtui application: the live link to the engine (watcher, connection state, re-lists), the
global keys, the command palette (generated from the bindings), jobs whose outcome is a
notification, and the one place that reports background failures. The panes and their keys live
in `tui.ui.main_screen` and the widgets it holds."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from .config import AppConfig, state_dir
from .engine import ContainerSummary, Engine, EngineError, EngineEvent, ImageSummary
from .engine.jobs import Done, Failed, Job
from .engine.watcher import EngineWatcher
from .jupyter.recent import RecentLaunches
from .jupyter.servers import ServerRegistry
from .logsetup import log_path
from .ui.clipboard import copy_native
from .ui.containers import ContainerTable
from .ui.help_screen import HelpScreen
from .ui.images import ImageTable
from .ui.jobs import BackgroundFailed, JobRunner, JobUpdate, run_in_thread
from .ui.keyed_table import KeyedTable
from .ui.keys import KeyRow, check_keymap, key_rows
from .ui.log_pane import LogPane
from .ui.main_screen import MainScreen
from .ui.messages import (
    ContainerChanged,
    ContainerRemoved,
    EngineConnected,
    EngineLost,
    EngineUnreachableNow,
    ImagesChanged,
    Snapshot,
)

log = logging.getLogger(__name__)


class _Listener:
    """Turns the watcher's callbacks (on its thread) into messages: connection news for the app,
    data for the main screen. post_message is thread-safe and never blocks."""

    def __init__(self, app: JtuiApp) -> None:
        self.app = app

    def connected(self, engine: Engine) -> None:
        self.app.post_message(EngineConnected(engine))

    def unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None:
        self.app.post_message(EngineUnreachableNow(error, retry_in, attempt))

    def lost(self, error: EngineError) -> None:
        self.app.post_message(EngineLost(error))

    def snapshot(self, containers: list[ContainerSummary], images: list[ImageSummary]) -> None:
        self.app.main.post_message(Snapshot(containers, images))

    def container_changed(self, container: ContainerSummary, event: EngineEvent) -> None:
        self.app.main.post_message(ContainerChanged(container, event))

    def container_removed(self, container_id: str, event: EngineEvent) -> None:
        self.app.main.post_message(ContainerRemoved(container_id))

    def images_changed(self, images: list[ImageSummary]) -> None:
        self.app.main.post_message(ImagesChanged(images))


def key_sources() -> list[tuple[str, type]]:
    """Where keys are bound, in the order the help screen, the palette and README show them."""
    return [("everywhere", JtuiApp), ("main screen", MainScreen), ("tables", KeyedTable),
            ("containers", ContainerTable), ("images", ImageTable), ("logs", LogPane)]


class JtuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "jtui"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+r", "retry", "Retry engine", show=False, id="retry-engine"),
    ]

    def __init__(self, config: AppConfig, *, connect: Callable[[], Engine] | None = None,
                 clock: Callable[[], datetime] | None = None, live: bool = True) -> None:
        super().__init__()
        self.config = config
        self._connect = connect or (lambda: Engine.connect(config.host, config.context))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.live = live
        self.engine: Engine | None = None
        self.connected = False
        self.connect_attempts = 0
        self.watcher: EngineWatcher | None = None
        self.servers = ServerRegistry()
        self.recent = RecentLaunches(state_dir())
        self.main = MainScreen()
        self._resync_timer: Timer | None = None
        self._ever_connected = False
        keymap, problems = check_keymap(config.keymap, key_sources())
        config.problems.extend(problems)
        if keymap:
            self.set_keymap(keymap)

    # --- shortcuts to the main screen's panes (for the palette, scripts and tests) -----------
    @property
    def containers(self) -> ContainerTable:
        return self.main.containers

    @property
    def images(self) -> ImageTable:
        return self.main.images

    @property
    def log_pane(self) -> LogPane:
        return self.main.log_pane

    # --- start and stop -----------------------------------------------------------------------
    def get_default_screen(self) -> Screen[None]:
        return self.main

    def on_mount(self) -> None:
        for problem in self.config.problems:
            self.notify(problem, title="Settings", severity="warning", timeout=10)
        if self.live:
            self.watcher = EngineWatcher(self._connect, _Listener(self))
            run_in_thread(self, self.watcher.run, "engine events")

    def on_unmount(self) -> None:
        if self.watcher:
            self.watcher.stop()
        if self.engine:
            self.engine.close()

    # --- the live link ------------------------------------------------------------------------
    def on_engine_connected(self, message: EngineConnected) -> None:
        was_lost = self._ever_connected and not self.connected
        self.engine = message.engine
        self.connected = True
        self._ever_connected = True
        log.info("connected to %s (Docker %s)", message.engine.info.endpoint, message.engine.info.version)
        self.main.show_connected(message.engine.info, was_lost)

    def on_engine_unreachable_now(self, message: EngineUnreachableNow) -> None:
        self.connected = False
        self.connect_attempts = message.attempt
        if message.attempt == 1:
            log.warning("engine unreachable: %s", message.error)
        self.main.show_unreachable(message.error, message.retry_in, message.attempt)

    def on_engine_lost(self, message: EngineLost) -> None:
        self.connected = False
        log.warning("engine lost: %s", message.error)
        self.main.show_lost(message.error)

    def schedule_resync(self) -> None:
        # The next safety-net re-list is planned only once this one landed: never overlapping.
        if self._resync_timer is not None:
            self._resync_timer.stop()
        self._resync_timer = self.set_timer(self.config.resync_seconds, self._resync)

    def _resync(self) -> None:
        engine = self.engine
        if engine is None or not self.connected:
            return

        def relist() -> None:
            try:
                snapshot = Snapshot(engine.list_containers(), engine.list_images())
            except EngineError:
                return  # the event stream notices a lost engine and reconnects
            self.main.post_message(snapshot)

        run_in_thread(self, relist, "re-list")

    def require_engine(self, doing: str) -> Engine | None:
        """The engine for an action, or None with a message saying why the action cannot run."""
        if self.connected and self.engine is not None:
            return self.engine
        self.notify(f"Cannot {doing}: not connected to the Docker engine at "
                    f"{self.main.engine_bar.endpoint or 'its endpoint'}. jtui keeps retrying; press "
                    "Ctrl+R to retry now.", severity="error", title="Engine unreachable")
        return None

    def action_retry(self) -> None:
        if self.watcher is not None and not self.connected:
            self.watcher.retry_now()

    # --- jobs whose outcome is a notification, and failures nobody else handled ---------------
    def run_job(self, job: Job, title: str,
                on_outcome: Callable[[Done | Failed], None] | None = None) -> JobRunner:
        runner = JobRunner(self, job, title=title, on_outcome=on_outcome)
        runner.start()
        return runner

    def on_job_update(self, message: JobUpdate) -> None:
        outcome = message.runner.take().outcome
        if isinstance(outcome, Failed):
            self.notify(outcome.text, title=f"{message.runner.title}: failed", severity="error",
                        timeout=10)
        elif isinstance(outcome, Done):
            value = outcome.value
            failures = value[1] if isinstance(value, tuple) and len(value) == 2 \
                and isinstance(value[1], list) else []
            if failures or outcome.error:
                self.notify("\n".join([outcome.summary, *map(str, failures)]),
                            title=message.runner.title, severity="error", timeout=10)
            else:
                self.notify(outcome.summary, timeout=4)

    def on_background_failed(self, message: BackgroundFailed) -> None:
        self.notify(message.failure.text, title=f"Could not {message.what}", severity="error",
                    timeout=10)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        # Notifications carry container names, commands and engine messages: never markup.
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def copy_text(self, text: str, what: str) -> str:
        """Copy and say where it went; returns that message."""
        problem = copy_native(text)
        self.copy_to_clipboard(text)  # OSC 52: reaches the user's terminal, even over ssh/tmux
        if problem is None:
            msg = f"Copied the {what} to the clipboard (system clipboard and terminal OSC 52)."
        else:
            msg = f"Copied the {what} through the terminal (OSC 52) only; system clipboard: {problem}."
        self.notify(msg, timeout=5)
        return msg

    # --- help and the palette, both from the bindings -----------------------------------------
    def help_rows(self) -> list[KeyRow]:
        return key_rows(key_sources(), self._keymap_in_use())

    def _keymap_in_use(self) -> dict[str, str]:
        return dict(getattr(self, "_keymap", {}) or {})

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_rows(), log_file=log_path()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is not self.main:
            return
        nodes = {"everywhere": self, "main screen": self.main, "containers": self.main.containers,
                 "tables": self.main.containers, "images": self.main.images, "logs": self.main.log_pane}
        for row in self.help_rows():
            node = nodes.get(row.where)
            if node is None or not row.show_in_palette:
                continue
            yield SystemCommand(f"{row.where.capitalize()}: {row.description}", f"Key {row.keys}",
                                partial(self.run_action, row.action, node))


def create_app(config: AppConfig | None = None, *, connect: Callable[[], Engine] | None = None,
               clock: Callable[[], datetime] | None = None, live: bool = True) -> JtuiApp:
    """The one way to build the app: the CLI and the tests both come through here."""
    return JtuiApp(config or AppConfig(), connect=connect, clock=clock, live=live)
