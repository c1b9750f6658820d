"""The launch form's "which GPUs" row: all, or some by index or UUID, with the engine's GPUs
listed (name, memory in use) once a worker has asked nvidia-smi. Shown while GPU is ticked."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from ..engine import Engine, EngineError, GpuUnavailable
from ..engine.gpus import Gpu, format_gpu_devices, list_gpus, parse_gpu_devices, unknown_devices
from ..jupyter.catalog import find_stack
from ..logtext import clean
from .jobs import run_in_thread

log = logging.getLogger(__name__)

# The engine's info lists an "nvidia" runtime when the toolkit registered one; Docker's --gpus needs
# only the toolkit's hook, so its absence is not proof: ticking GPU still asks the engine.
NO_RUNTIME = ("This engine reports no NVIDIA runtime: a GPU launch will most likely be refused "
              "(the NVIDIA Container Toolkit on the engine's machine gives containers GPUs).")

NO_GPUS = ("This engine cannot give containers a GPU (no NVIDIA Container Toolkit): a GPU launch "
           "will be refused.")


@dataclass
class GpusListed(Message):
    """The worker's answer: the GPUs, or why there are none to show."""

    gpus: list[Gpu] | None
    reason: str = ""
    no_image: bool = False  # nothing was tried: no image to ask with is on the engine yet


def listing_image(engine: Engine, image: str) -> str | None:
    """An image on the engine to run nvidia-smi in: the one being launched if it is there, else
    a Jupyter stack that is (nvidia-smi needs a glibc userland, which busybox-like images lack).
    Nothing is pulled for this. Blocking."""
    if image and engine.image_exists(image):
        return image
    for summary in engine.list_images():
        for tag in summary.tags:
            if find_stack(tag) is not None:
                return tag
    return None


class GpuChoice(Vertical):
    DEFAULT_CSS = """
    GpuChoice { height: auto; }
    GpuChoice #gpu-list { padding: 0 0 0 14; height: auto; }
    """

    def __init__(self, engine: Engine | None, devices: tuple[str, ...] = (), *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.engine = engine
        self.initial_devices = devices
        self.gpus: list[Gpu] | None = None  # listed, once a listing worked
        self.state = "idle"  # idle | listing | done | no-image
        self.tried_image = ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label("Which GPUs", classes="field-label", markup=False)
            yield Input("" if not self.initial_devices else format_gpu_devices(self.initial_devices),
                        id="gpus", placeholder="all; or indexes such as 0,1, or GPU-… UUIDs",
                        compact=True)
        yield Static("", id="error-gpus", classes="field-error", markup=False)
        runtime = self.engine is not None and self.engine.info.gpu_runtime
        yield Static("" if runtime or self.engine is None else NO_RUNTIME, id="gpu-list",
                     classes="dim", markup=False)

    def devices(self) -> tuple[tuple[str, ...], str]:
        """The GPUs picked (() for all) and what is wrong with the text ("" when nothing)."""
        try:
            devices = parse_gpu_devices(self.query_one("#gpus", Input).value)
        except ValueError as exc:
            return (), str(exc)
        missing = unknown_devices(devices, self.gpus) if self.gpus else []
        if missing:
            have = ", ".join(g.index for g in self.gpus or [])
            return devices, (f"no GPU {', '.join(missing)} on this engine (it has {have})")
        return devices, ""

    def list_once(self, image: str) -> None:
        """Ask the engine for its GPUs in a worker, once (again only when no image was there to
        ask with and the image changed)."""
        engine = self.engine
        if engine is None or self.state in ("listing", "done"):
            return
        if self.state == "no-image" and image == self.tried_image:
            return
        self.state, self.tried_image = "listing", image
        self.query_one("#gpu-list", Static).update("Looking for the engine's GPUs…")

        def work() -> None:
            try:
                chosen = listing_image(engine, image)
                if chosen is None:
                    self.post_message(GpusListed(None, "The GPUs are listed once the image is on "
                                                       "the engine (it is pulled at launch).",
                                                 no_image=True))
                    return
                gpus = list_gpus(engine, chosen)
            except GpuUnavailable as exc:
                # One line in the form; the engine's own words are in the log (and in the
                # launch's failure, should the user launch anyway).
                log.info("no GPUs on the engine: %s", exc.message)
                self.post_message(GpusListed(None, NO_GPUS))
                return
            except EngineError as exc:
                self.post_message(GpusListed(None, f"Could not list the GPUs: {exc.message}"
                                                   + (f" ({exc.hint})" if exc.hint else "")))
                return
            self.post_message(GpusListed(gpus))

        run_in_thread(self, work, "list the GPUs")

    def on_gpus_listed(self, message: GpusListed) -> None:
        # Not stopped: the form revalidates the picked ids against the list too.
        self.state = "no-image" if message.no_image else "done"
        self.gpus = message.gpus
        box = self.query_one("#gpu-list", Static)
        if message.gpus:
            count = len(message.gpus)
            lines = [f"{count} GPU{'' if count == 1 else 's'} on this engine:"]
            lines += [f"  {gpu.describe()}" for gpu in message.gpus]
            box.update(clean("\n".join(lines)))
        else:
            box.update(clean(message.reason))
