"""The launch form: a short form for a Jupyter stack, validated as the user types, with the
equivalent `docker run` command, a pull progress bar and the launch's progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Select, Static

from ..engine import Engine
from ..engine.jobs import Done, Failed
from ..jupyter.launch import (
    ALL_INTERFACES,
    LOCAL_ADDRESS,
    RESTART_POLICIES,
    LaunchRequest,
    docker_run_command,
    format_env,
    format_extra_ports,
    format_more_mounts,
    launch_warnings,
    parse_env,
    parse_extra_ports,
    parse_mounts,
    parse_port,
    parse_read_only,
    run_as_label,
    validate,
)
from ..jupyter.launcher import LaunchResult, field_of, launch_job
from ..logtext import clean
from .jobs import JobRunner, JobUpdate

if TYPE_CHECKING:
    from ..app import JtuiApp

FIELDS = ("name", "image", "port", "folder", "env", "extra_ports", "mode", "restart", "memory", "cpus",
          "shm_size")


class LaunchForm(ModalScreen[LaunchResult | None]):
    """Dismissed with the LaunchResult once Jupyter answers, or None when the user gives up."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="launch-cancel"),
        Binding("ctrl+l", "launch", "Launch", id="launch-go"),
        Binding("ctrl+y", "copy_command", "Copy docker run", id="launch-copy-command"),
    ]

    def __init__(self, request: LaunchRequest, engine: Engine, *, existing_names: set[str],
                 ports_in_use: set[int], local_engine: bool = True) -> None:
        super().__init__()
        self.initial = request
        self.engine = engine
        self.existing_names = existing_names
        self.ports_in_use = ports_in_use
        self.local_engine = local_engine
        # The snapshot tests draw the form with no engine at all.
        self.rootless = bool(engine is not None and engine.info.rootless)
        self.problems: dict[str, str] = {}
        self.request: LaunchRequest | None = request
        self.runner: JobRunner | None = None
        self.failure = ""  # the last failure's text, as shown
        self.progress_fraction: float | None = None

    @property
    def running(self) -> bool:
        return self.runner is not None and not self.runner.finished

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Compact one-row fields in a scrolling body; the progress, the status and the buttons
        # are pinned below it, so Ctrl+L always shows what happens, even at 80x24.
        r = self.initial
        folder = r.mounts[0][0] if r.mounts else ""
        with Vertical(id="launch-dialog"):
            yield Static(f"Launch Jupyter — {r.image}", id="launch-title", markup=False)
            with VerticalScroll(id="launch-body"):
                yield from self._row("Name", self._input(r.name, "name"), "name")
                yield from self._row("Image", self._input(r.image, "image"), "image")
                yield from self._row("Host port", self._input(
                    str(r.host_port or ""), "port", "empty: Docker picks a free port"), "port")
                yield from self._row("Listen on", Select(
                    [("this computer only (127.0.0.1)", LOCAL_ADDRESS),
                     ("all interfaces (0.0.0.0): reachable from the network", ALL_INTERFACES)],
                    value=r.bind_address, allow_blank=False, id="bind", compact=True), "bind")
                yield from self._row("Folder", self._input(
                    folder, "folder", "host folder mounted at /home/jovyan/work" if self.local_engine
                    else "a folder on the engine's machine, mounted at /home/jovyan/work"), "folder")
                yield from self._row("More folders", self._input(
                    format_more_mounts(r.mounts, r.read_only), "more_folders",
                    "/host/data:/home/jovyan/data:ro; condaenv:/opt/envs"), "more_folders")
                yield Checkbox("Create missing folders", r.create_folders, id="create_folders")
                yield Checkbox("Keep /home/jovyan in a volume (pip --user, conda envs survive)",
                               r.keep_home, id="keep_home")
                yield from self._row("Environment", self._input(
                    format_env(r.environment), "env", "KEY=value OTHER=value"), "env")
                yield from self._row("Interface", Select(
                    [("JupyterLab", "lab"), ("Notebook", "notebook")], value=r.mode,
                    allow_blank=False, id="mode", compact=True), "mode")
                yield Checkbox(run_as_label(r.uid, self.rootless), r.run_as_user,
                               id="run_as_user")
                yield Checkbox("GPU (all GPUs; needs a CUDA tag and the NVIDIA toolkit)", r.gpu,
                               id="gpu")
                yield from self._row("Restart", Select(
                    [(p, p) for p in RESTART_POLICIES], value=r.restart_policy, allow_blank=False,
                    id="restart", compact=True), "restart")
                yield Checkbox("Remove when stopped (only mounted folders survive)",
                               r.auto_remove, id="auto_remove")
                yield from self._row("Extra ports", self._input(
                    format_extra_ports(r.extra_ports), "extra_ports", "4040, 8050:8050"), "extra_ports")
                yield from self._row("Memory limit", self._input(
                    r.memory, "memory", "e.g. 8g; empty: no limit"), "memory")
                yield from self._row("CPUs", self._input(r.cpus, "cpus", "e.g. 2; empty: all"), "cpus")
                yield from self._row("Shared memory", self._input(
                    r.shm_size, "shm_size", "/dev/shm, e.g. 1g; empty: Docker's 64m"), "shm_size")
                yield Static("", id="warning", markup=False)
                yield Label("Equivalent command (Ctrl+Y copies it):", classes="dim", markup=False)
                yield Static("", id="command", markup=False)
            yield ProgressBar(total=1.0, show_eta=False, id="progress")
            yield Static("", id="status", markup=False)
            with Horizontal(id="launch-buttons"):
                yield Button("Launch (Ctrl+L)", variant="primary", id="launch", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)
        yield Footer()

    @staticmethod
    def _input(value: str, wid: str, placeholder: str = "") -> Input:
        return Input(value, id=wid, placeholder=placeholder, compact=True)

    def _row(self, label: str, widget: Widget, key: str) -> Iterator[Widget]:
        with Horizontal(classes="field"):
            yield Label(label, classes="field-label", markup=False)
            yield widget
        yield Static("", id=f"error-{key}", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        self.revalidate()
        self.query_one("#name", Input).focus()

    # --- validation as the user types ---------------------------------------------------------
    def read_request(self) -> tuple[LaunchRequest, dict[str, str]]:
        def value(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value

        def choice(wid: str) -> str:
            return str(self.query_one(f"#{wid}", Select).value)
        problems: dict[str, str] = {}
        port = None
        try:
            port = parse_port(value("port"))
        except ValueError as exc:
            problems["port"] = str(exc)
        mounts: list[tuple[str, str]] = []
        read_only: list[str] = []
        try:
            mounts = parse_mounts(value("folder"), value("more_folders"))
            read_only = parse_read_only(value("more_folders"))
        except ValueError as exc:
            problems["more_folders"] = str(exc)
        env: dict[str, str] = {}
        try:
            env = parse_env(value("env"))
        except ValueError as exc:
            problems["env"] = str(exc)
        extra: list[tuple[int, int]] = []
        try:
            extra = parse_extra_ports(value("extra_ports"))
        except ValueError as exc:
            problems["extra_ports"] = str(exc)
        request = LaunchRequest(
            image=value("image").strip(), name=value("name").strip(), host_port=port,
            bind_address=choice("bind"), mounts=mounts, environment=env,
            mode=choice("mode"),
            run_as_user=self.query_one("#run_as_user", Checkbox).value,
            uid=self.initial.uid, gid=self.initial.gid,
            gpu=self.query_one("#gpu", Checkbox).value,
            restart_policy=choice("restart"),
            auto_remove=self.query_one("#auto_remove", Checkbox).value,
            extra_ports=extra, create_folders=self.query_one("#create_folders", Checkbox).value,
            read_only=read_only, keep_home=self.query_one("#keep_home", Checkbox).value,
            memory=value("memory").strip(), cpus=value("cpus").strip(),
            shm_size=value("shm_size").strip())
        for key, text in validate(request, existing_names=self.existing_names,
                                  ports_in_use=self.ports_in_use, local_engine=self.local_engine).items():
            problems.setdefault(key, text)
        return request, problems

    def revalidate(self) -> None:
        request, problems = self.read_request()
        self.request, self.problems = request, problems
        for key in (*FIELDS, "more_folders", "bind"):
            box = self.query_one(f"#error-{key}", Static)
            box.update(f"⚠ {problems[key]}" if key in problems else "")
            box.display = key in problems
        warning = launch_warnings(request, local_engine=self.local_engine)
        self.query_one("#warning", Static).update("\n".join(warning))
        self.query_one("#command", Static).update(docker_run_command(request))
        self.query_one("#launch", Button).disabled = bool(problems) or self.running

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self.is_mounted:
            self.revalidate()

    # --- actions ------------------------------------------------------------------------------
    def action_copy_command(self) -> None:
        if self.request:
            cast("JtuiApp", self.app).copy_text(docker_run_command(self.request), "docker run command")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Esc closes the form whatever the launch is doing: a running launch is cancelled (a
        container it started is removed) and its outcome arrives as a notification."""
        if self.runner is not None and not self.runner.finished:
            self.runner.cancel.set()
            self.runner.redirect_to_app()
            self.notify(f"Cancelling the launch of {self.runner.title}…")
        self.dismiss(None)

    @on(Button.Pressed, "#launch")
    def action_launch(self) -> None:
        self.revalidate()
        if self.running:
            return
        if self.problems:
            key, text = next(iter(self.problems.items()))
            self._status(f"Cannot launch yet: {key}: {text}", error=True)
            return
        request = self.request
        assert request is not None
        self.query_one("#launch", Button).disabled = True
        self._status(f"Launching {request.name}…")
        self.runner = JobRunner(self.app, launch_job(self.engine, request), title=request.name,
                                target=self, on_outcome=self._outcome_elsewhere)
        self.runner.start()

    def _outcome_elsewhere(self, outcome: Done | Failed) -> None:
        """Called wherever the outcome lands; once the form is gone the app shows it."""
        if not self.is_attached and isinstance(outcome, Done) and isinstance(outcome.value, LaunchResult):
            # Cancelled too late: the container answered before the cancel reached the launch.
            self.notify(f"{outcome.value.request.name} started anyway: {outcome.summary}")

    def _status(self, text: str, error: bool = False) -> None:
        box = self.query_one("#status", Static)
        box.update(clean(text))
        box.set_class(error, "-error")

    def on_job_update(self, message: JobUpdate) -> None:
        message.stop()
        batch = message.runner.take()
        if batch.progress is not None:
            bar = self.query_one("#progress", ProgressBar)
            if batch.progress.fraction is not None:
                bar.display = True
                bar.update(progress=batch.progress.fraction)
                self.progress_fraction = batch.progress.fraction
            self._status(batch.progress.text)
        outcome = batch.outcome
        if isinstance(outcome, Done) and isinstance(outcome.value, LaunchResult):
            self.dismiss(outcome.value)
        elif isinstance(outcome, Failed):
            self.failure = outcome.text
            self._status(outcome.text, error=True)
            key = field_of(outcome.error)
            if key and key in (*FIELDS, "bind"):
                box = self.query_one(f"#error-{key}", Static)
                box.update(f"⚠ {clean(outcome.summary.splitlines()[0])}")
                box.display = True
            self.query_one("#launch", Button).disabled = False
