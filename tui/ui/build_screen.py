"""Build a custom image: a stack plus pip, conda and apt packages and free Dockerfile lines. The
generated Dockerfile is shown as the user types, and can be saved."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static, TextArea

from ..jupyter.build import BuildRequest, dockerfile, save_dockerfile, split_packages, validate_build


class BuildRequested(Message):
    def __init__(self, request: BuildRequest) -> None:
        super().__init__()
        self.request = request


class BuildScreen(ModalScreen[BuildRequest | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="build-cancel"),
                Binding("ctrl+b", "build", "Build", id="build-go")]

    def __init__(self, base: str, tag: str) -> None:
        super().__init__()
        self.base = base
        self.tag = tag
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        fields = [("base", "Base image", self.base, ""), ("tag", "New tag", self.tag, "my-image:latest"),
                  ("pip", "pip", "", "tensorflow pandas==2.2 my_pkg-1.0-py3-none-any.whl"),
                  ("conda", "conda/mamba", "", "xarray netcdf4"), ("apt", "apt", "", "graphviz"),
                  ("context", "Files folder", "", "folder sent with the build (wheels, ...)"),
                  ("save_to", "Save in", "", "the folder where 'Save Dockerfile' writes")]
        # Fields and the Dockerfile preview scroll; the problem line and the buttons stay in view.
        with Vertical(id="build-dialog"):
            yield Static("Build a custom image", classes="dialog-title", markup=False)
            with VerticalScroll(id="build-body"):
                for fid, label, value, placeholder in fields:
                    with Horizontal(classes="field"):
                        yield Label(label, classes="field-label", markup=False)
                        yield Input(value, placeholder=placeholder, id=f"build-{fid}", compact=True)
                yield Label("Extra Dockerfile lines:", classes="dim", markup=False)
                yield TextArea("", id="build-extra", compact=True)
                yield Label("Dockerfile:", classes="dim", markup=False)
                yield Static("", id="build-dockerfile", markup=False)
            yield Static("", id="build-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Build (Ctrl+B)", variant="primary", id="build-go", compact=True)
                yield Button("Save Dockerfile", id="build-save", compact=True)
                yield Button("Cancel (Esc)", id="build-cancel-button", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_preview()
        # Focus starts in the first field the user is likely to change: the packages.
        self.query_one("#build-pip", Input).focus()

    def read(self) -> BuildRequest:
        def v(fid: str) -> str:
            return self.query_one(f"#build-{fid}", Input).value.strip()

        return BuildRequest(base=v("base"), tag=v("tag"), pip=split_packages(v("pip")),
                            conda=split_packages(v("conda")), apt=split_packages(v("apt")),
                            extra_lines=self.query_one("#build-extra", TextArea).text.splitlines(),
                            context_dir=v("context"))

    def refresh_preview(self) -> None:
        req = self.read()
        self.problem = validate_build(req)
        self.query_one("#build-error", Static).update(f"⚠ {self.problem}" if self.problem else "")
        self.query_one("#build-dockerfile", Static).update(dockerfile(req))
        self.query_one("#build-go", Button).disabled = self.problem is not None

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        if self.is_mounted:
            self.refresh_preview()

    @on(Button.Pressed, "#build-go")
    def action_build(self) -> None:
        self.refresh_preview()
        if self.problem is None:
            self.dismiss(self.read())

    @on(Button.Pressed, "#build-save")
    def _save(self) -> None:
        folder = self.query_one("#build-save_to", Input).value.strip()
        if not folder:
            self.query_one("#build-error", Static).update("⚠ fill 'Save in' first")
            return
        try:
            path = save_dockerfile(self.read(), folder)
        except OSError as exc:
            self.query_one("#build-error", Static).update(f"⚠ could not save: {exc}")
            return
        self.notify(f"Saved {path}")

    @on(Button.Pressed, "#build-cancel-button")
    def _cancel(self) -> None:
        self.dismiss(None)
