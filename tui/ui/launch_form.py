"""The launch form: a short form for a Jupyter stack, validated as the user types, with the
equivalent `docker run` command, a pull progress bar and the launch's progress."""

from __future__ import annotations

import threading

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Select, Static

from .. import humanize
from ..engine import Cancelled, Engine, EngineError, PullProgress
from ..jupyter.launch import (ALL_INTERFACES, LOCAL_ADDRESS, RESTART_POLICIES, LaunchRequest,
                              docker_run_command, parse_env, parse_extra_ports,
                              parse_mounts, parse_port, validate)
from ..jupyter.catalog import find_stack, gpu_tag
from ..jupyter.launcher import LaunchFailed, Pulling, Ready, Started, Starting, launch
from ..jupyter.server import JupyterServer


class LaunchSucceeded(Message):
    def __init__(self, request: LaunchRequest, container_id: str, server: JupyterServer,
                 seconds: float) -> None:
        super().__init__()
        self.request = request
        self.container_id = container_id
        self.server = server
        self.seconds = seconds


class LaunchProgress(Message):
    def __init__(self, text: str, fraction: float | None = None, pull: PullProgress | None = None) -> None:
        super().__init__()
        self.text = text
        self.fraction = fraction
        self.pull = pull


class LaunchError(Message):
    def __init__(self, text: str, field: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.field = field


FIELDS = ("name", "image", "port", "folder", "env", "extra_ports", "mode", "restart")


class LaunchForm(ModalScreen[None]):
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
        self.problems: dict[str, str] = {}
        self.request: LaunchRequest | None = request
        self.running = False
        self.failure = ""  # the last failure's text, as shown
        self.progress_fraction: float | None = None
        self._cancel = threading.Event()

    # --- layout -------------------------------------------------------------------------------
    def compose(self):
        r = self.initial
        folder = r.mounts[0][0] if r.mounts else ""
        more = "; ".join(f"{h}:{t}" for h, t in r.mounts[1:])
        with VerticalScroll(id="launch-body"):
            yield Static(f"Launch Jupyter — {r.image}", id="launch-title")
            yield from self._row("Name", Input(r.name, id="name"), "name")
            yield from self._row("Image", Input(r.image, id="image"), "image")
            yield from self._row("Host port", Input(str(r.host_port or ""), id="port",
                                                    placeholder="empty: Docker picks a free port"), "port")
            yield from self._row("Listen on", Select(
                [("this computer only (127.0.0.1)", LOCAL_ADDRESS),
                 ("all interfaces (0.0.0.0): reachable from the network", ALL_INTERFACES)],
                value=r.bind_address, allow_blank=False, id="bind"), "bind")
            yield from self._row("Folder", Input(folder, id="folder",
                                                 placeholder="host folder mounted at /home/jovyan/work"), "folder")
            yield from self._row("More folders", Input(more, id="more_folders",
                                                       placeholder="/host/data:/home/jovyan/data; ..."), "more_folders")
            yield Checkbox("Create missing folders", r.create_folders, id="create_folders")
            yield from self._row("Environment", Input(" ".join(f"{k}={v}" for k, v in r.environment.items()),
                                                      id="env", placeholder="KEY=value OTHER=value"), "env")
            yield from self._row("Interface", Select([("JupyterLab", "lab"), ("Notebook", "notebook")],
                                                     value=r.mode, allow_blank=False, id="mode"), "mode")
            yield Checkbox("Run as my user (files in the folder belong to you)", r.run_as_user, id="run_as_user")
            yield Checkbox("GPU (all GPUs; needs a CUDA tag and the NVIDIA toolkit)", r.gpu, id="gpu")
            yield from self._row("Restart", Select([(p, p) for p in RESTART_POLICIES], value=r.restart_policy,
                                                   allow_blank=False, id="restart"), "restart")
            yield Checkbox("Remove the container when it stops (work outside the folder is lost)",
                           r.auto_remove, id="auto_remove")
            yield from self._row("Extra ports", Input(", ".join(f"{h}:{c}" for h, c in r.extra_ports),
                                                      id="extra_ports", placeholder="4040, 8050:8050"), "extra_ports")
            yield Static("", id="warning")
            yield Label("Equivalent command (Ctrl+Y copies it):", classes="field-label")
            yield Static("", id="command")
            yield ProgressBar(total=1.0, show_eta=False, id="progress")
            yield Static("", id="status")
            with Horizontal(id="launch-buttons"):
                yield Button("Launch (Ctrl+L)", variant="primary", id="launch")
                yield Button("Cancel (Esc)", id="cancel")

    def _row(self, label: str, widget, key: str):
        with Horizontal(classes="field"):
            yield Label(label, classes="field-label")
            yield widget
        yield Static("", id=f"error-{key}", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        self.revalidate()
        self.query_one("#name", Input).focus()

    # --- validation as the user types ---------------------------------------------------------
    def read_request(self) -> tuple[LaunchRequest | None, dict[str, str]]:
        value = lambda wid: self.query_one(f"#{wid}", Input).value  # noqa: E731
        problems: dict[str, str] = {}
        port = None
        try:
            port = parse_port(value("port"))
        except ValueError as exc:
            problems["port"] = str(exc)
        mounts: list[tuple[str, str]] = []
        try:
            mounts = parse_mounts(value("folder"), value("more_folders"))
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
            bind_address=self.query_one("#bind", Select).value, mounts=mounts, environment=env,
            mode=self.query_one("#mode", Select).value,
            run_as_user=self.query_one("#run_as_user", Checkbox).value,
            uid=self.initial.uid, gid=self.initial.gid,
            gpu=self.query_one("#gpu", Checkbox).value,
            restart_policy=self.query_one("#restart", Select).value,
            auto_remove=self.query_one("#auto_remove", Checkbox).value,
            extra_ports=extra, create_folders=self.query_one("#create_folders", Checkbox).value)
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
        warning = []
        if request.bind_address == ALL_INTERFACES:
            warning.append("Listening on all interfaces: anyone on your network who has the URL "
                           "(it carries the token) can run code here, and Docker bypasses host firewalls.")
        if request.auto_remove:
            warning.append("Removed on stop: only files inside mounted folders survive.")
        stack = find_stack(request.image)
        tag = request.image.rsplit(":", 1)[1] if ":" in request.image.rsplit("/", 1)[-1] else "latest"
        if request.gpu and stack is not None:
            if not stack.gpu_tags:
                warning.append(f"{stack.name} has no CUDA build: the GPU will not be used by its "
                               "libraries (pytorch-notebook and tensorflow-notebook have one).")
            elif not tag.startswith(stack.gpu_tags):
                warning.append(f"For the GPU, {stack.name} needs a CUDA tag, e.g. "
                               f"{gpu_tag(stack, tag)} instead of {tag}.")
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
            self.app.copy_text(docker_run_command(self.request), "docker run command")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self._status("Cancelling…")
        else:
            self.dismiss(None)

    @on(Button.Pressed, "#launch")
    def action_launch(self) -> None:
        self.revalidate()
        if self.running:
            return
        if self.problems:
            first = next(iter(self.problems.items()))
            self._status(f"Cannot launch yet: {first[0]}: {first[1]}", error=True)
            return
        self.running = True
        self._cancel.clear()
        self.query_one("#launch", Button).disabled = True
        self._run(self.request)

    def _status(self, text: str, error: bool = False) -> None:
        box = self.query_one("#status", Static)
        box.update(text)
        box.set_class(error, "-error")

    @work(thread=True, exclusive=True, group="launch", exit_on_error=False, description="launch")
    def _run(self, request: LaunchRequest) -> None:
        try:
            for step in launch(self.engine, request, cancel=self._cancel):
                if isinstance(step, Pulling):
                    p = step.progress
                    self.post_message(LaunchProgress(
                        f"Pulling {p.reference}: {p.layers_done}/{p.layers_total} layers, "
                        f"{humanize.size(p.current_bytes)} of {humanize.size(p.total_bytes)}",
                        p.fraction, p))
                elif isinstance(step, Starting):
                    self.post_message(LaunchProgress(f"Starting {request.name}…", None))
                elif isinstance(step, Started):
                    self.post_message(LaunchProgress(
                        f"Started; waiting for Jupyter on port {step.server.port}…", None))
                elif isinstance(step, Ready):
                    self.post_message(LaunchSucceeded(request, step.container.id, step.server,
                                                      step.seconds))
        except Cancelled:
            self.post_message(LaunchError("Cancelled. Nothing was started."))
        except LaunchFailed as exc:
            tail = "\n".join(f"  {l}" for l in exc.last_lines[-8:])
            self.post_message(LaunchError(f"{exc.message}\nLast log lines:\n{tail}" if tail else exc.message))
        except EngineError as exc:
            field = {"PortInUse": "port", "NameInUse": "name", "BindSourceMissing": "folder",
                     "TagNotFound": "image", "PullDenied": "image", "PullFailed": "image",
                     "ImageNotFound": "image", "GpuUnavailable": "gpu"}.get(type(exc).__name__)
            self.post_message(LaunchError(f"{exc.message}\n{exc.hint}", field))
        except OSError as exc:  # creating a folder
            self.post_message(LaunchError(f"Could not create the folder: {exc}", "folder"))

    def on_launch_progress(self, message: LaunchProgress) -> None:
        bar = self.query_one("#progress", ProgressBar)
        if message.fraction is not None:
            bar.display = True
            bar.update(progress=message.fraction)
            self.progress_fraction = message.fraction
        self._status(message.text)

    def on_launch_error(self, message: LaunchError) -> None:
        self.running = False
        self._status(message.text, error=True)
        if message.field and message.field in FIELDS:
            box = self.query_one(f"#error-{message.field}", Static)
            box.update(f"⚠ {message.text.splitlines()[0]}")
            box.display = True
        self.query_one("#launch", Button).disabled = False
        self.failure = message.text

    def on_launch_succeeded(self, message: LaunchSucceeded) -> None:
        self.running = False
        self.dismiss(None)
        # The app handles the message too: bubble it there.
        self.app.post_message(LaunchSucceeded(message.request, message.container_id,
                                              message.server, message.seconds))
        message.stop()
