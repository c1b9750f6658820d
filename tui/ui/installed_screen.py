"""Keep what I installed: the packages a running Jupyter container gained since it started from
its image, and the ways to keep them: pins in the launch folder, an image built from them (the
reproducible way, recommended), a relaunch on that image, or a commit (the quick way)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from ..engine import ContainerSummary, Engine
from ..engine.jobs import Done, Failed, build_job
from ..jupyter.build import dockerfile, validate_build
from ..jupyter.installed import (
    Found,
    PinFile,
    build_request,
    default_tag,
    find_job,
    make_way_job,
    plan_pin_file,
    relaunch_request,
    write_pin_file,
)
from ..jupyter.launch import JUPYTER_PORT, LaunchRequest
from ..logtext import clean
from .dialogs import ConfirmScreen, JobScreen
from .jobs import JobRunner, JobUpdate
from .launch_form import LaunchForm

if TYPE_CHECKING:
    from ..app import JtuiApp

KINDS = {"pip": "pip", "conda": "conda/mamba", "apt": "apt"}
WHY_BUILD = ("Build (b) makes an image from these pins on {image}: reproducible, the "
             "Dockerfile says exactly what is in it and anyone can build it again. Commit (m) is "
             "quicker, but saves the container's whole state, with nothing saying how it was made.")


class InstalledScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    InstalledScreen { align: center middle; }
    #installed-dialog { width: 110; max-width: 100%; height: 100%; max-height: 40;
                        border: round $accent; background: $panel; padding: 0 1; }
    #installed-body { height: 1fr; }
    #installed-status.-error { color: $error; }
    #installed-why, #installed-dockerfile { margin: 1 0 0 0; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="installed-close"),
        Binding("w", "write_pins", "Write pins", id="installed-write"),
        Binding("b", "build", "Build image", id="installed-build"),
        Binding("r", "relaunch", "Relaunch on it", id="installed-relaunch"),
        Binding("m", "commit", "Commit instead", id="installed-commit"),
    ]

    def __init__(self, container: ContainerSummary, engine: Engine, user: str | None = None) -> None:
        super().__init__()
        self.container = container
        self.engine = engine
        self.user = user
        self.found: Found | None = None
        self.failure = ""
        self.written: list[str] = []  # paths of pin files written
        self.built_tag: str | None = None
        self.build_seconds: float | None = None
        self.build_screen: JobScreen | None = None
        self.runner: JobRunner | None = None

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="installed-dialog"):
            yield Static(f"Keep what I installed in {self.container.name}", classes="dialog-title",
                         markup=False)
            yield Static(f"Comparing {self.container.name} with a throwaway container of its "
                         "image…", id="installed-status", markup=False)
            with VerticalScroll(id="installed-body"):
                yield Static("", id="installed-list", markup=False)
                yield Static("", id="installed-where", classes="dim", markup=False)
                yield Static("", id="installed-why", markup=False)
                yield Static("", id="installed-dockerfile", classes="dim", markup=False)
            with Horizontal(classes="field"):
                yield Label("Image tag", classes="field-label", markup=False)
                yield Input(default_tag(self.container.name), id="installed-tag", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Write pins (w)", id="installed-write", compact=True, disabled=True)
                yield Button("Build (b)", id="installed-build", variant="primary", compact=True,
                             disabled=True)
                yield Button("Relaunch (r)", id="installed-relaunch", compact=True, disabled=True)
                yield Button("Commit (m)", id="installed-commit", compact=True)
                yield Button("Close (Esc)", id="installed-close-button", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        # Not the tag field: the action keys (w, b, r, m) must reach the screen, not be typed.
        self.query_one("#installed-commit", Button).focus()
        self.runner = JobRunner(self.app, find_job(self.engine, self.container.id,
                                                   self.container.name, self.user),
                                title=f"Compare {self.container.name}", target=self)
        self.runner.start()

    def on_job_update(self, message: JobUpdate) -> None:
        message.stop()
        outcome = message.runner.take().outcome
        if isinstance(outcome, Failed):
            self.failure = outcome.text
            self._status(outcome.text, error=True)
        elif isinstance(outcome, Done) and isinstance(outcome.value, Found):
            self.show(outcome.value)

    def _status(self, text: str, error: bool = False) -> None:
        box = self.query_one("#installed-status", Static)
        box.update(clean(text))
        box.set_class(error, "-error")

    # --- what was found -------------------------------------------------------------------------
    def show(self, found: Found) -> None:
        self.found = found
        packages = found.packages
        if not packages:
            self._status(f"Nothing was installed in {found.container_name} since it started from "
                         f"{found.image} ({found.seconds:.1f}s).")
        else:
            self._status(f"{len(packages)} package(s) installed in {found.container_name} since it "
                         f"started from {found.image} ({found.seconds:.1f}s):")
        # Names and versions come from the container: Text, never markup.
        listing = Text()
        for kind, title in KINDS.items():
            rows = [p for p in packages if p.kind == kind]
            if rows:
                listing.append(f"{title}\n", style="bold")
                width = max(len(p.name) for p in rows)
                for p in rows:
                    listing.append(f"  {clean(p.name):<{width}}  {clean(p.change)}\n")
        self.query_one("#installed-list", Static).update(listing)
        if found.folder:
            where = (f"Pins go to {found.folder} (the launch folder): requirements.txt"
                     + (", environment.yml" if any(p.kind == "conda" for p in packages) else "")
                     + (", apt.txt" if any(p.kind == "apt" for p in packages) else "") + ".")
            if not self.engine.endpoint.is_local:
                where += " That folder is on the engine's machine, not this one."
        else:
            where = f"{found.container_name} has no mounted folder to write pins to."
        if found.build_args:
            where += f"\nThe build uses the container's pip settings: {', '.join(sorted(found.build_args))}."
        self.query_one("#installed-where", Static).update(where)
        # The image name is the user's text: appended as plain text, never markup.
        self.query_one("#installed-why", Static).update(
            Text.assemble(("Recommended: ", "bold"), WHY_BUILD.format(image=found.image)))
        if packages:
            self.query_one("#installed-dockerfile", Static).update(
                "Dockerfile of the build:\n" + dockerfile(build_request(found, "")))
        self._buttons()
        if packages:
            self.query_one("#installed-build", Button).focus()  # the recommended way

    def _buttons(self) -> None:
        found = self.found
        has = bool(found and found.packages)
        self.query_one("#installed-write", Button).disabled = not (
            has and found is not None and found.folder and self.engine.endpoint.is_local)
        self.query_one("#installed-build", Button).disabled = not has
        self.query_one("#installed-relaunch", Button).disabled = self.built_tag is None

    # --- (a) pins in the launch folder ---------------------------------------------------------
    @on(Button.Pressed, "#installed-write")
    def action_write_pins(self) -> None:
        found = self.found
        if found is None or not found.packages:
            self.notify("Nothing to pin (yet).", severity="warning")
            return
        if not found.folder:
            self.notify(f"{found.container_name} has no mounted folder to write pins to.",
                        severity="warning")
            return
        if not self.engine.endpoint.is_local:
            self.notify("The launch folder is on the engine's machine: jtui cannot write there.",
                        severity="warning")
            return
        plans = [plan for kind in ("pip", "conda", "apt")
                 if (plan := plan_pin_file(Path(found.folder), kind, found.packages,
                                           found.container_name, found.image)) is not None]
        fresh = [p for p in plans if not p.exists]
        merges = [p for p in plans if p.exists and p.added]
        already = [p for p in plans if p.exists and not p.added]
        self._write(fresh)
        if merges:
            body = "\n\n".join(self._merge_text(p) for p in merges)
            self.app.push_screen(
                ConfirmScreen("Add the missing pins?", body + "\n\nNothing else in the files changes.",
                              [("merge", "Add the pins", "primary")]),
                lambda choice: self._write(merges) if choice == "merge" else None)
        if already and not merges and not fresh:
            self.notify(f"{', '.join(p.path.name for p in already)} already name every package.")

    @staticmethod
    def _merge_text(plan: PinFile) -> str:
        lines = [f"{plan.path} exists. Add:"] + [f"  + {pin}" for pin in plan.added]
        if plan.kept:
            lines += ["Kept as the file has them:"] + [f"    {line}" for line in plan.kept]
        return "\n".join(lines)

    def _write(self, plans: list[PinFile]) -> None:
        done = []
        for plan in plans:
            try:
                write_pin_file(plan)
            except OSError as exc:
                self.notify(f"Could not write {plan.path}: {exc}", severity="error", timeout=10)
                continue
            done.append(str(plan.path))
        if done:
            self.written += done
            self.notify(f"Wrote {', '.join(done)}.", timeout=6)

    # --- (b) build an image from the pins ---------------------------------------------------------
    @on(Button.Pressed, "#installed-build")
    def action_build(self) -> None:
        found = self.found
        if found is None or not found.packages:
            self.notify("Nothing to build (yet).", severity="warning")
            return
        tag = self.query_one("#installed-tag", Input).value.strip()
        request = build_request(found, tag)
        problem = validate_build(request)
        if problem:
            self.notify(problem, severity="warning")
            return
        started = time.monotonic()

        def built(outcome: Done | Failed) -> None:
            if isinstance(outcome, Done) and not outcome.error:
                self.built_tag = tag
                self.build_seconds = time.monotonic() - started
                if self.is_attached:
                    self._status(f"Built {tag} in {self.build_seconds:.0f}s. Relaunch (r) replaces "
                                 f"{found.container_name} with a container of it.")
                    self._buttons()

        self.build_screen = JobScreen(f"Build {tag} from {found.image}",
                                      build_job(self.engine, dockerfile(request), tag,
                                                buildargs=found.build_args), on_outcome=built)
        self.app.push_screen(self.build_screen)

    # --- (c) relaunch on the built image ---------------------------------------------------------
    @on(Button.Pressed, "#installed-relaunch")
    def action_relaunch(self) -> None:
        found = self.found
        tag = self.built_tag
        if found is None or found.details is None or tag is None:
            self.notify("Build the image first (b).", severity="warning")
            return
        request = relaunch_request(found.details, self.jtui.recent.load(), tag, found.image_env)
        grace = self.jtui.config.stop_grace_seconds
        binding = found.details.host_port(JUPYTER_PORT)
        port = f"port {binding.host_port}" if binding else "its port"
        body = (f"Relaunch {found.container_name} on {tag}?\n\n{found.container_name} is stopped "
                f"(up to {grace}s for kernels to shut down) and removed first: the new container "
                f"takes its name and {port}. "
                + (f"The folder {found.folder} stays and is mounted again. " if found.folder else "")
                + "Files outside mounted folders are lost (the installs are in the new image).")

        def answered(choice: str | None) -> None:
            if choice != "relaunch":
                return

            def cleared(outcome: Done | Failed) -> None:
                if isinstance(outcome, Done):
                    self._open_launch(found.container_id, request)

            self.jtui.run_job(make_way_job(self.engine, found.container_id, found.container_name,
                                           grace), f"Replace {found.container_name}",
                              on_outcome=cleared)
            self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Relaunch on the new image", body,
                                           [("relaunch", "Stop, remove and relaunch", "warning")]),
                             answered)

    def _open_launch(self, old_id: str, request: LaunchRequest, tries: int = 50) -> None:
        """The launch form, filled in and started, once the old row is gone (so its name and port
        no longer count as taken)."""
        main = self.jtui.main
        if old_id in main.containers.containers and tries > 0:
            main.set_timer(0.1, lambda: self._open_launch(old_id, request, tries - 1))
            return
        # The new image holds the pins already: no "build from the project files" on top of it.
        main.open_launch_form(request, build_project=False)
        form = self.app.screen
        if isinstance(form, LaunchForm):
            # The user confirmed the relaunch already: start it; the form shows its progress.
            form.call_after_refresh(form.action_launch)

    # --- (d) commit, the quick alternative -------------------------------------------------------
    @on(Button.Pressed, "#installed-commit")
    def action_commit(self) -> None:
        self.dismiss(None)
        self.jtui.containers.action_commit()

    @on(Button.Pressed, "#installed-close-button")
    def action_close(self) -> None:
        if self.runner is not None and not self.runner.finished:
            self.runner.cancel.set()
        self.dismiss(None)
