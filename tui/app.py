"""The jtui application: the live link to the engine (watcher, connection state, re-lists), the
global keys, the command palette (generated from the bindings), jobs whose outcome is a
notification, and the one place that reports background failures. The panes and their keys live
in `tui.ui.main_screen` and the widgets it holds."""

from __future__ import annotations

import asyncio
import logging
import os
import sysconfig
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from textual._context import active_app
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.compose import compose as textual_compose
from textual.driver import Driver
from textual.message import Message
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import WorkerFailed

from .config import AppConfig, state_dir
from .engine import Engine, EngineError
from .engine.choices import EngineChoice, EngineMemory, available_engines
from .engine.jobs import Done, Failed, Job
from .engine.watcher import Changes, EarlyWatch, EngineWatcher, PendingChanges
from .jupyter.recent import RecentLaunches
from .jupyter.servers import ServerRegistry
from .logsetup import log_path
from .ui.clipboard import copy_native
from .ui.containers import ContainerTable
from .ui.details_screen import DetailsScreen
from .ui.disk_screen import DiskScreen
from .ui.engine_picker import EnginePicker
from .ui.help_screen import HelpScreen
from .ui.images import ImageTable
from .ui.installed_screen import InstalledScreen
from .ui.jobs import BackgroundFailed, JobRunner, JobUpdate, run_in_thread
from .ui.kernels_screen import KernelsScreen
from .ui.keyed_table import KeyedTable
from .ui.keys import KeyRow, check_keymap, key_rows
from .ui.lifetime import DaemonThreadExecutor, TerminalWatch, exit_now
from .ui.log_pane import LogPane
from .ui.main_screen import MainScreen
from .ui.messages import (
    EngineAnswering,
    EngineConnected,
    EngineLost,
    EngineNews,
    EngineStalled,
    EngineUnreachableNow,
    Snapshot,
)
from .ui.volumes import VolumeTable

log = logging.getLogger(__name__)
crash_log = logging.getLogger("jtui.crash")

EXIT_TERMINAL_LOST = 129  # 128 + SIGHUP: what a shell reports for a program whose terminal hung up
FORCED_EXIT_AFTER = 0.5  # seconds the normal way out gets once the terminal is gone (it takes ~0.2)


@dataclass
class TerminalLost(Message):
    """The terminal jtui draws on went away (posted by the terminal watch's thread)."""

    reason: str


@dataclass
class ThreadFailed(Message):
    """A thread outside Textual's workers died of an exception (already logged with its traceback)."""

    error: BaseException
    thread: str


class _Listener:
    """Turns the watcher's callbacks (on its thread) into messages: connection news for the app,
    data for the main screen. post_message is thread-safe and never blocks. Changes are merged
    while they wait: at most one EngineNews is on its way, so a busy engine never queues up work
    (or delays keys) on the UI thread."""

    def __init__(self, app: JtuiApp) -> None:
        self.app = app
        self.pending = PendingChanges()
        # False once the user switched to another engine: the old watcher may still be finishing
        # a connect or a read, and nothing it says may reach the screen after the switch.
        self.active = True

    def _post(self, message: Message) -> None:
        if self.active:
            message.listener = self  # type: ignore[attr-defined]  # who said it: checked on arrival
            self.app.post_message(message)

    def connected(self, engine: Engine) -> None:
        if self.active:
            self._post(EngineConnected(engine))
        else:
            engine.close()  # connected just as the user switched away: not kept

    def unreachable(self, error: EngineError, retry_in: float, attempt: int) -> None:
        self._post(EngineUnreachableNow(error, retry_in, attempt))

    def lost(self, error: EngineError) -> None:
        self._post(EngineLost(error))

    def changes(self, changes: Changes) -> None:
        if self.active and self.pending.put(changes):
            self.app.main.post_message(EngineNews(self.pending))

    def stalled(self, since: float) -> None:
        self._post(EngineStalled(since))

    def answering(self) -> None:
        self._post(EngineAnswering())


def key_sources() -> list[tuple[str, type]]:
    """Where keys are bound, in the order the help screen, the palette and README show them."""
    return [("everywhere", JtuiApp), ("main screen", MainScreen), ("tables", KeyedTable),
            ("containers", ContainerTable), ("images", ImageTable), ("logs", LogPane),
            ("volumes", VolumeTable), ("details", DetailsScreen), ("disk usage", DiskScreen),
            ("kernels", KernelsScreen), ("keep what I installed", InstalledScreen)]


class JtuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "jtui"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+r", "retry", "Retry engine", show=False, id="retry-engine"),
        Binding("E", "switch_engine", "Switch engine", show=False, id="switch-engine",
                tooltip="Switch engine: docker contexts, DOCKER_HOST, engine URLs used before"),
    ]

    def __init__(self, config: AppConfig, *, connect: Callable[[], Engine] | None = None,
                 clock: Callable[[], datetime] | None = None, live: bool = True,
                 early: EarlyWatch | None = None) -> None:
        super().__init__()
        self.config = config
        self._early = early  # started by the `jtui` command before the UI was imported
        self._connect = connect or (lambda: Engine.connect(config.host, config.context))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.live = live
        self.engine: Engine | None = None
        self.connected = False
        self.connect_attempts = 0
        self.watcher: EngineWatcher | None = None
        self.listener: _Listener | None = None
        self.servers = ServerRegistry()
        self.recent = RecentLaunches(state_dir())
        self.main = MainScreen()
        self._resync_timer: Timer | None = None
        self._ever_connected = False
        self._started = False  # mounted: from then on an unexpected error is survived
        self._unexpected: Counter[tuple[str, str]] = Counter()
        self.terminal_watch: TerminalWatch | None = None
        self._lost_lock = threading.Lock()
        self._terminal_gone = False
        _survive_handler_errors()
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
    def get_driver_class(self) -> type[Driver]:
        # Textual's terminal driver polls for keys 10 times a second: ours sleeps until one comes.
        from textual.drivers.linux_driver import LinuxDriver

        driver = super().get_driver_class()
        if driver is LinuxDriver:
            from .ui.quiet_driver import QuietLinuxDriver

            return QuietLinuxDriver
        return driver

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def on_load(self) -> None:
        # Before any worker starts: thread workers must never hold up quitting (see lifetime.py).
        asyncio.get_running_loop().set_default_executor(DaemonThreadExecutor())

    def on_mount(self) -> None:
        for problem in self.config.problems:
            self.notify(problem, title="Settings", severity="warning", timeout=10)
        if self.live:
            self._watch()
        if not self.is_headless:
            # Textual reads fd 0 and draws on fd 2 (stderr); 1 is the same terminal, normally.
            self.terminal_watch = TerminalWatch([0, 1, 2], self._terminal_lost).start()
        self._started = True

    def on_unmount(self) -> None:
        if self.terminal_watch:
            self.terminal_watch.stop()
        if self.watcher:
            self.watcher.stop()
        if self.engine:
            self.engine.close()

    # --- the live link ------------------------------------------------------------------------
    def _watch(self) -> None:
        self.listener = _Listener(self)
        early, self._early = self._early, None
        if early is not None:
            # Already connecting (or connected): what it said so far arrives now, in order.
            self.watcher = early.watcher
            early.listener.attach(self.listener)
            return
        self.watcher = EngineWatcher(self._connect, self.listener)
        run_in_thread(self, self.watcher.run, "engine events")

    def _stale(self, message: Message) -> bool:
        """Said by the watcher of an engine the user switched away from."""
        listener = getattr(message, "listener", None)
        return listener is not None and listener is not self.listener

    def action_switch_engine(self) -> None:
        memory = EngineMemory(state_dir())
        current = self.engine.endpoint if self.engine is not None else None

        def chosen(choice: EngineChoice | None) -> None:
            if choice is not None:
                memory.remember(choice)
                self.switch_engine(choice)

        # Reads the docker CLI's context files and ours: local and small, no engine call.
        self.push_screen(EnginePicker(available_engines(memory), current), chosen)

    def switch_engine(self, choice: EngineChoice) -> None:
        """Leave the current engine (its streams, forwards and servers) and follow `choice`."""
        host, context = choice.as_config()
        self.config.host, self.config.context = host, context
        old_watcher, old_engine = self.watcher, self.engine
        if self.listener is not None:
            self.listener.active = False
        self.engine, self.connected, self.watcher = None, False, None
        # Every Jupyter row knows its engine: the servers (tokens, forwards) of the old one go.
        self.servers = ServerRegistry()
        self.main.engine_switched(choice.label)

        def leave() -> None:
            if old_watcher is not None:
                old_watcher.stop()
            if old_engine is not None:
                old_engine.close()  # also closes its ssh forwards

        run_in_thread(self, leave, "leave the engine")
        self._connect = lambda: Engine.connect(host, context)
        log.info("switching to the engine %s", choice.label)
        if self.live:
            self._watch()

    def on_engine_connected(self, message: EngineConnected) -> None:
        if self._stale(message):
            return
        was_lost = self._ever_connected and not self.connected
        self.engine = message.engine
        self.connected = True
        self._ever_connected = True
        log.info("connected to %s (Docker %s)", message.engine.info.endpoint, message.engine.info.version)
        self.main.show_connected(message.engine.info, was_lost)

    def on_engine_unreachable_now(self, message: EngineUnreachableNow) -> None:
        if self._stale(message):
            return
        self.connected = False
        self.connect_attempts = message.attempt
        if message.attempt == 1:
            log.warning("engine unreachable: %s", message.error)
        self.main.show_unreachable(message.error, message.retry_in, message.attempt)

    def on_engine_lost(self, message: EngineLost) -> None:
        if self._stale(message):
            return
        self.connected = False
        log.warning("engine lost: %s", message.error)
        self.main.show_lost(message.error)

    def on_engine_stalled(self, message: EngineStalled) -> None:
        if self._stale(message):
            return
        if self.connected:
            log.warning("the engine stopped answering")
            self.main.show_stalled(message.since)

    def on_engine_answering(self, message: EngineAnswering) -> None:
        if self._stale(message):
            return
        if self.connected and self.engine is not None:
            log.info("the engine answers again")
            self.main.show_answering(self.engine.info)

    def schedule_resync(self) -> None:
        # The next safety-net re-list is planned only once this one landed: never overlapping.
        if self._resync_timer is not None:
            self._resync_timer.stop()
        self._resync_timer = self.set_timer(self.config.resync_seconds, self._resync)

    def _resync(self) -> None:
        engine = self.engine
        if engine is None or not self.connected:
            return
        if self.watcher is not None:
            # In order with the events: a list taken before an event never lands after it.
            self.watcher.resync()
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

    # --- quitting, a lost terminal, unexpected errors ----------------------------------------
    def action_help_quit(self) -> None:
        """Ctrl+C quits (Textual's default only says which key quits); in a text field it still
        copies, as the field's own binding comes first."""
        self.exit()

    async def _check_bindings(self, key: str, priority: bool = False) -> bool:
        if await super()._check_bindings(key, priority):
            return True
        if key == "ctrl+c" and not priority:
            # A dialog hides the app's bindings (Textual's modal screens): Ctrl+C nobody took
            # there (a text field copies with it) quits all the same.
            self.exit()
            return True
        return False

    def _terminal_lost(self, reason: str) -> None:
        """From any thread, once: leave the normal way, or for sure a moment later (the normal
        way can block on writing to the dead terminal)."""
        with self._lost_lock:
            if self._terminal_gone:
                return
            self._terminal_gone = True
        log.warning("The terminal went away (%s): jtui exits", reason)
        self.post_message(TerminalLost(reason))

        def force() -> None:
            time.sleep(FORCED_EXIT_AFTER)
            log.warning("jtui had not finished %.1f s after losing its terminal: ending it now",
                        FORCED_EXIT_AFTER)
            exit_now(EXIT_TERMINAL_LOST)

        threading.Thread(target=force, name="forced-exit", daemon=True).start()

    def expected_thread_error(self, error: BaseException, thread: str) -> str | None:
        """For logsetup's thread hook: Textual's output thread dying on a write error means the
        terminal is gone (not a bug): say so in one line, and leave."""
        if thread == "textual-output" and isinstance(error, OSError):
            self._terminal_lost(f"writing to it failed: {error.strerror or error}")
            return "the terminal is gone"
        return None

    def on_terminal_lost(self, message: TerminalLost) -> None:
        self.exit(return_code=EXIT_TERMINAL_LOST)

    def survives(self, error: BaseException) -> bool:
        """Whether jtui carries on after an unexpected error: yes once it is up and not quitting,
        unless a widget failed to compose (its parts are missing: nothing sensible to show)."""
        return (self._started and not self._exit and isinstance(error, Exception)
                and not _failed_composing(error))

    def report_unexpected(self, error: BaseException, where: str, *, logged: bool = False) -> None:
        """An error nobody expected (a bug): its traceback goes to the log file, and one line on
        screen says where to find it. The same error again is only counted (at 2, 4, 8... times),
        so a handler that fails on every refresh neither floods the log nor the screen."""
        frame = error.__traceback__
        while frame is not None and frame.tb_next is not None:
            frame = frame.tb_next
        at = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else where
        key = (type(error).__name__, at)
        self._unexpected[key] += 1
        count = self._unexpected[key]
        if count > 1:
            if count & (count - 1) == 0:
                crash_log.error("Unexpected error in %s again (%d times so far): %s: %s", where, count,
                                type(error).__name__, error)
            return
        if not logged:
            crash_log.error("Unexpected error in %s; jtui carries on", where,
                            exc_info=(type(error), error, error.__traceback__))
        try:
            self.notify(f"{type(error).__name__}: {error}"[:200] + f" — jtui carries on. The details "
                        f"are in the log file {log_path()}", title=f"Unexpected error in {where}",
                        severity="error", timeout=20)
        except Exception:  # the screen itself is failing: the log has it
            crash_log.debug("could not show the error", exc_info=True)
        if self.is_headless and self._exception is None and isinstance(error, Exception):
            # Under run_test, Textual raises this when the test ends: a bug survived by the app
            # still fails the test that met it.
            self._exception = error

    def _handle_exception(self, error: Exception) -> None:
        # Textual calls this for an exception in a timer callback, a worker, a render, a compose,
        # or (after the guard below let it through) a handler while starting; its answer is to exit.
        if isinstance(error, WorkerFailed) and isinstance(error.error, Exception):
            error = error.error  # the worker's own exception, with its traceback
        if self.survives(error):
            self.report_unexpected(error, _describe(error))
            return
        crash_log.critical("Unexpected error; jtui exits", exc_info=(type(error), error,
                                                                    error.__traceback__))
        super()._handle_exception(error)

    def thread_failed(self, error: BaseException) -> None:
        """For logsetup's thread hook: runs on the failing thread (so post, never touch)."""
        self.post_message(ThreadFailed(error, threading.current_thread().name))

    def on_thread_failed(self, message: ThreadFailed) -> None:
        self.report_unexpected(message.error, f"thread {message.thread}", logged=True)

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
            # pyperclip's own words (a URL to its docs) mean nothing to most users; the log has them.
            log.info("no system clipboard: %s", problem)
            msg = (f"Copied the {what} through your terminal (OSC 52): paste it where your terminal "
                   "runs. No system clipboard here (xclip, xsel or wl-copy would give one).")
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
                 "tables": self.main.containers, "images": self.main.images, "logs": self.main.log_pane,
                 "volumes": self.main.volumes}
        for row in self.help_rows():
            node = nodes.get(row.where)
            if node is None or not row.show_in_palette:
                continue
            yield SystemCommand(f"{row.where.capitalize()}: {row.description}", f"Key {row.keys}",
                                partial(self.run_action, row.action, node))


def _describe(error: BaseException, otherwise: str = "jtui") -> str:
    """Where an error happened, in a few words: the innermost function in its traceback that is
    not a library's or Python's (a handler, an action, a helper of theirs), or `otherwise`."""
    where = otherwise
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith(_TUI_DIR) or not code.co_filename.startswith(_LIBRARY_DIRS):
            where = code.co_name
        tb = tb.tb_next
    return where


_TUI_DIR = os.path.dirname(__file__)  # jtui's own code, even when installed among the libraries
_LIBRARY_DIRS = ("<", *{sysconfig.get_paths()[key] for key in ("stdlib", "purelib", "platlib")})


def _failed_composing(error: BaseException) -> bool:
    """True when `error` came out of building a widget's parts (compose)."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in _COMPOSE_CODE:
            return True
        tb = tb.tb_next
    return False


_COMPOSE_CODE = {textual_compose.__code__, Widget._compose.__code__}


def _survive_handler_errors() -> None:
    """Keep every widget alive after an exception in one of its handlers (once jtui is up).

    Textual hands such an exception to App._handle_exception and then stops that widget's (or
    screen's, or the app's) message loop for good: the app must exit, or carry on with a widget
    that no longer repaints or answers. This guard sits around the one place every message and
    event is dispatched, so a failing handler costs that one message: reported (log + a line on
    screen) and the loop goes on. A failed compose, and anything before start-up, still end
    the app. Installed once; other apps in the process (none, normally) are left as they were."""
    original = MessagePump._dispatch_message
    if getattr(original, "_jtui_guard", False):
        return

    async def dispatch(self: MessagePump, message: Message) -> None:
        try:
            await original(self, message)
        except Exception as error:
            app = active_app.get(None)
            if not isinstance(app, JtuiApp) or not app.survives(error):
                raise
            app.report_unexpected(error, _describe(error, f"{type(self).__name__}.{message.handler_name}"))

    dispatch._jtui_guard = True  # type: ignore[attr-defined]
    MessagePump._dispatch_message = dispatch  # type: ignore[method-assign]


def create_app(config: AppConfig | None = None, *, connect: Callable[[], Engine] | None = None,
               clock: Callable[[], datetime] | None = None, live: bool = True,
               early: EarlyWatch | None = None) -> JtuiApp:
    """The one way to build the app: the CLI and the tests both come through here."""
    return JtuiApp(config or AppConfig(), connect=connect, clock=clock, live=live, early=early)
