"""The launch form: a short form for a Jupyter stack, validated as the user types, with the
equivalent `docker run` command, a pull progress bar and the launch's progress."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Select, Static

from ..engine import Engine, EngineError
from ..engine.jobs import Done, Failed, Job, JobEvent
from ..jupyter.launch import (
    ALL_INTERFACES,
    LOCAL_ADDRESS,
    RESTART_POLICIES,
    LaunchRequest,
    docker_run_command,
    format_env,
    format_extra_ports,
    format_more_mounts,
    is_volume_name,
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
from ..jupyter.project import ProjectBuild, ProjectFileProblem, build_and_launch_job, plan_build
from ..jupyter.recipe import Recipe, save_recipe, write_exports
from ..logtext import clean
from .gpu_choice import GpuChoice, GpusListed
from .jobs import JobRunner, JobUpdate
from .line_view import LineView

if TYPE_CHECKING:
    from ..app import JtuiApp

FIELDS = ("name", "image", "port", "folder", "env", "extra_ports", "mode", "restart", "memory", "cpus",
          "shm_size", "gpus")


class LaunchForm(ModalScreen[LaunchResult | None]):
    """Dismissed with the LaunchResult once Jupyter answers, or None when the user gives up."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="launch-cancel"),
        Binding("ctrl+l", "launch", "Launch", id="launch-go"),
        Binding("ctrl+y", "copy_command", "Copy docker run", id="launch-copy-command"),
    ]

    def __init__(self, request: LaunchRequest, engine: Engine, *, existing_names: set[str],
                 ports_in_use: set[int], local_engine: bool = True,
                 build_project: bool | None = None, save_recipe: bool | None = None) -> None:
        super().__init__()
        self.initial = request
        # None: build when the folder holds project files (shown with its Dockerfile); no save.
        self.initial_build = build_project
        self.initial_save = save_recipe
        self.build: ProjectBuild | None = None  # what "build from the project files" will build
        self.build_problem = ""
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
                yield Checkbox("Build from the project files first", self.initial_build is not False,
                               id="build_project")
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
                yield Checkbox("GPU (needs a CUDA tag and the NVIDIA toolkit)", r.gpu, id="gpu")
                yield GpuChoice(self.engine, r.gpu_devices, id="gpu-choice")
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
                # Off unless the form came from the recipe: a recipe committed with the project
                # is not overwritten by an unrelated launch from the same folder.
                yield Checkbox("Save as the folder's recipe (.jtui/launch.toml, no token)",
                               bool(self.initial_save), id="save_recipe")
                yield Static("", id="warning", markup=False)
                yield Label("Equivalent command (Ctrl+Y copies it):", classes="dim", markup=False)
                yield Static("", id="command", markup=False)
                yield Label("Dockerfile built from the project files before the launch:",
                            classes="dim", id="dockerfile-label", markup=False)
                yield Static("", id="dockerfile", markup=False)
            yield LineView(id="build-output", max_lines=2000)
            yield ProgressBar(total=1.0, show_eta=False, id="progress")
            yield Static("", id="status", markup=False)
            with Horizontal(id="launch-buttons"):
                yield Button("Launch (Ctrl+L)", variant="primary", id="launch", compact=True)
                yield Button("Export compose + script", id="export", compact=True)
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
        self.query_one("#build-output").display = False
        if self.engine is not None and self.engine.info.gpu_runtime:
            # The engine says it can give GPUs: list them now, ready for when GPU is ticked.
            self.query_one(GpuChoice).list_once(self.initial.image)
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
        gpu = self.query_one("#gpu", Checkbox).value
        devices, gpu_problem = self.query_one(GpuChoice).devices() if gpu else ((), "")
        if gpu_problem:
            problems["gpus"] = gpu_problem
        request = LaunchRequest(
            image=value("image").strip(), name=value("name").strip(), host_port=port,
            bind_address=choice("bind"), mounts=mounts, environment=env,
            mode=choice("mode"),
            run_as_user=self.query_one("#run_as_user", Checkbox).value,
            uid=self.initial.uid, gid=self.initial.gid,
            gpu=gpu, gpu_devices=devices,
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
        choice = self.query_one(GpuChoice)
        choice.display = request.gpu
        if request.gpu:
            choice.list_once(request.image)
        warning = launch_warnings(request, local_engine=self.local_engine, rootless=self.rootless)
        self._refresh_build(request)
        if self.build_problem:
            warning.append(self.build_problem)
        elif self.build is not None and self.build.project.ignored:
            warning.append("Not used for the build: " + "; ".join(self.build.project.ignored))
        self.query_one("#warning", Static).update("\n".join(warning))
        self.query_one("#command", Static).update(docker_run_command(request))
        self.query_one("#launch", Button).disabled = bool(problems) or self.running

    def _refresh_build(self, request: LaunchRequest) -> None:
        """Offer the build when the main folder (on this machine) holds project files, and show
        the Dockerfile it would build."""
        box = self.query_one("#build_project", Checkbox)
        folder = request.mounts[0][0] if request.mounts and self.local_engine else ""
        self.build, self.build_problem = None, ""
        try:
            build = plan_build(folder, request.image) if folder and request.image else None
        except (ProjectFileProblem, OSError) as exc:
            build, self.build_problem = None, f"The project files cannot be built: {exc}"
        offered = build is not None or bool(self.build_problem)
        box.display = offered
        if build is not None:
            label = f"Build from the project files first: {build.project.describe()}"
            if str(box.label) != label:
                box.label = label
            title = f"Dockerfile of {build.tag}, built before the launch:"
            heading = self.query_one("#dockerfile-label", Label)
            if str(heading.content) != title:
                heading.update(title)
        building = build is not None and box.value
        self.build = build if building else None
        self.query_one("#dockerfile-label").display = building
        dockerfile = self.query_one("#dockerfile", Static)
        dockerfile.display = building
        dockerfile.update(build.dockerfile if build is not None and building else "")

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(GpusListed)
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
        if self.build_problem and self.query_one("#build_project", Checkbox).value:
            self._status(self.build_problem, error=True)
            return
        self.query_one("#launch", Button).disabled = True
        build = self.build
        if build is not None:
            self._status(f"Building {build.tag}, then launching {request.name}…")
            output = self.query_one("#build-output", LineView)
            output.display = True
            job = build_and_launch_job(self.engine, build, request)
        else:
            job = launch_job(self.engine, request)
        if self.query_one("#save_recipe", Checkbox).value and request.mounts:
            job = self._saving(job, request, build is not None)
        self.runner = JobRunner(self.app, job, title=request.name,
                                target=self, on_outcome=self._outcome_elsewhere)
        self.runner.start()

    def _recipe(self, request: LaunchRequest, building: bool) -> Recipe:
        return Recipe(request, build_project=building)

    def _saving(self, job: Job, request: LaunchRequest, building: bool) -> Job:
        """The launch, then the recipe saved in the folder once Jupyter answers (with the image's
        digest, looked up here in the worker)."""
        engine = self.engine
        folder = request.mounts[0][0]

        def run(cancel: threading.Event) -> Iterator[JobEvent]:
            for event in job(cancel):
                if isinstance(event, Done) and isinstance(event.value, LaunchResult):
                    recipe = self._recipe(request, building)
                    try:
                        digests = engine.inspect_image(request.image).digests
                        recipe.digest = digests[0] if digests else ""
                    except EngineError:
                        pass  # a digest is a nicety; the recipe is saved without it
                    try:
                        path, backup = save_recipe(recipe, folder)
                        note = f" Saved {path}." + (f" (The unreadable one is kept as {backup}.)"
                                                    if backup else "")
                    except OSError as exc:
                        note = f" The recipe could not be saved: {exc}"
                    event = Done(event.summary + note, event.value, event.error)
                yield event

        return run

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        """compose.yaml and a docker run script in the folder's .jtui/, for people without jtui."""
        self.revalidate()
        request = self.request
        if request is None or not request.mounts or is_volume_name(request.mounts[0][0]):
            self._status("Export needs a project folder (the Folder field).", error=True)
            return
        try:
            paths = write_exports(self._recipe(request, self.build is not None), request.mounts[0][0])
        except (OSError, ProjectFileProblem) as exc:
            self._status(f"Could not export: {exc}", error=True)
            return
        self._status("Wrote " + ", ".join(str(p) for p in paths))

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
        if batch.lines:
            self.query_one("#build-output", LineView).extend(batch.lines)
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
