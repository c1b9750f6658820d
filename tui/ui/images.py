"""The images pane and its keys: local images, then the Jupyter Docker Stacks not pulled yet;
pull, remove, prune, build a custom image. Engine calls run as jobs through the job runner."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets.button import ButtonVariant

from .. import humanize
from ..engine import BuildFailed, ImageInUse, ImageSummary, parse_reference
from ..engine.jobs import Done, Job, JobEvent, build_job, prune_images_job, pull_job
from ..jupyter.build import BuildRequest, context_files, dockerfile
from ..jupyter.catalog import STACKS, Stack, find_stack
from ..jupyter.detect import is_jupyter_image
from .build_screen import BuildScreen
from .dialogs import ConfirmScreen, FormScreen, FormValues, JobScreen
from .keyed_table import KeyedTable
from .rows import IMAGE_COLUMNS, Cells, catalog_cells, image_cells

CATALOG_PREFIX = "catalog:"
COLUMN_KEYS = tuple(key for key, _ in IMAGE_COLUMNS)


class ImageTable(KeyedTable):
    BINDINGS = [
        Binding("c", "toggle_catalog", "Catalog", id="images-toggle-catalog"),
        Binding("p", "pull", "Pull", id="images-pull"),
        Binding("d", "remove", "Remove", id="images-remove"),
        Binding("P", "prune", "Prune", id="images-prune"),
        Binding("b", "build", "Build", id="images-build"),
        Binding("O", "cycle_sort", "Sort", tooltip="Sort local images by name or size",
                show=False, id="images-sort"),
    ]

    def __init__(self, *, registry: str = "quay.io/jupyter",
                 clock: Callable[[], datetime] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.registry = registry
        self.images: dict[str, ImageSummary] = {}
        self.filter_text = ""
        self.show_catalog = True
        self._clock = clock
        self.output_screen: JobScreen | None = None
        # True once the user moved the cursor here (keys or mouse): until then it shows no choice
        # of theirs (rows arriving later must not leave it on whatever row came first).
        self.chosen = False
        self.by_size = False  # `O`: biggest local images first

    def on_mount(self) -> None:
        for key, label in IMAGE_COLUMNS:
            self.add_column(Text(label), key=key)
        # Not mounted until this handler returns: draw the catalog right after.
        self.call_after_refresh(self.sync)

    def set_all(self, images: list[ImageSummary]) -> None:
        self.images = {img.id: img for img in images}
        self.sync()

    def local_stack_names(self) -> set[str]:
        return {stack.name for img in self.images.values() for tag in img.tags
                if (stack := find_stack(tag)) is not None}

    def wanted_rows(self) -> list[tuple[str, Cells]]:
        needle = self.filter_text.lower()
        now = self._clock() if self._clock else None
        out: list[tuple[str, Cells]] = []
        local = sorted(self.images.values(), key=lambda i: (-i.size, i.display_name) if self.by_size
                       else (not is_jupyter_image(i), i.display_name))
        for img in local:
            if needle and needle not in " ".join((img.display_name, *img.tags)).lower():
                continue
            out.append((img.id, image_cells(img, jupyter=is_jupyter_image(img), now=now)))
        if self.show_catalog:
            pulled = self.local_stack_names()
            # Stacks without Jupyter (the foundation) last: the top rows are the launchable ones.
            for stack in sorted(STACKS, key=lambda s: not s.has_jupyter):
                ref = stack.image(self.registry)
                if stack.name in pulled or (needle and needle not in f"{ref} {stack.description}".lower()):
                    continue
                out.append((CATALOG_PREFIX + stack.name, catalog_cells(stack, ref)))
        return out

    def sync(self) -> None:
        if not self.is_mounted:
            return
        self.apply_rows(self.wanted_rows(), COLUMN_KEYS, keep=self.selected_key if self.chosen else None)
        if not self.chosen and self.row_count:
            self.move_cursor(row=0, animate=False)
        extra = f" · filter '{self.filter_text}'" if self.filter_text else ""
        extra += " · by size" if self.by_size else ""
        self.set_title(
            f"[2] Images ({len(self.images)} local · ◆ Jupyter · ○ catalog{extra})")

    NAVIGATION = frozenset({"up", "down", "j", "k", "g", "G", "pageup", "pagedown", "home", "end"})

    def on_key(self, event: events.Key) -> None:
        if event.key in self.NAVIGATION:
            self.chosen = True

    def on_click(self) -> None:
        self.chosen = True

    @property
    def selected_image(self) -> ImageSummary | None:
        return self.images.get(self.selected_key or "")

    @property
    def selected_stack(self) -> Stack | None:
        key = self.selected_key or ""
        if key.startswith(CATALOG_PREFIX):
            return find_stack(key[len(CATALOG_PREFIX):])
        img = self.images.get(key)
        return find_stack(img.display_name) if img else None

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.sync()

    def action_cycle_sort(self) -> None:
        self.by_size = not self.by_size
        self.sync()

    def action_toggle_catalog(self) -> None:
        self.show_catalog = not self.show_catalog
        self.sync()

    # --- actions ------------------------------------------------------------------------------
    def _open_job(self, title: str, job: Job, progress: bool = False) -> None:
        screen = JobScreen(title, job, progress=progress)
        self.output_screen = screen
        self.app.push_screen(screen)

    def action_pull(self) -> None:
        engine = self.jtui.require_engine("pull an image")
        if engine is None:
            return
        stack = self.selected_stack
        image = self.selected_image
        default = image.display_name if image and not image.dangling else (
            stack.image(self.registry) if stack else "")

        def chosen(values: FormValues | None) -> None:
            ref = (values or {}).get("reference", "").strip()
            if ref:
                self._open_job(f"Pull {ref}", pull_job(engine, ref), progress=True)

        self.app.push_screen(FormScreen("Pull an image", [("reference", "Image", default,
                                                           "quay.io/jupyter/scipy-notebook:2025-10-20")],
                                        ok="Pull"), chosen)

    def action_remove(self) -> None:
        engine = self.jtui.require_engine("remove an image")
        image = self.selected_image
        if engine is None:
            return
        if image is None:
            self.notify("Select a local image first (catalog entries are not pulled).", severity="warning")
            return
        containers = self.jtui.main.containers.containers.values()
        users = [c.name for c in containers if c.image_id == image.id]
        ref = image.display_name if not image.dangling else image.id
        body = f"Remove {ref} ({humanize.size(image.size)})?"
        if len(image.tags) > 1:
            body += f"\nOnly the tag {ref} goes; {len(image.tags) - 1} other tag(s) keep the image."
        if users:
            body += f"\n\nIn use by container(s): {', '.join(users)}. Remove them first, or force."
        choices: list[tuple[str, str, ButtonVariant]] = [("remove", "Remove", "error")]
        if users:
            choices.append(("force", "Force", "error"))

        def remove_job(force: bool) -> Job:
            def run(cancel: threading.Event) -> Iterator[JobEvent]:
                try:
                    engine.remove_image(ref, force=force)
                except ImageInUse as exc:
                    who = f" by {', '.join(users)}" if users else ""
                    raise ImageInUse(f"{ref} is in use{who}. Engine: {exc.message}") from exc
                yield Done(f"Removed {ref}.")

            return run

        def answered(choice: str | None) -> None:
            if choice:
                self.jtui.run_job(remove_job(choice == "force"), f"Remove {ref}")

        self.app.push_screen(ConfirmScreen("Remove image", body, choices), answered)

    def action_prune(self) -> None:
        engine = self.jtui.require_engine("prune images")
        if engine is None:
            return
        dangling = [i for i in self.images.values() if i.dangling]
        size = humanize.size(sum(i.size for i in dangling))

        def answered(choice: str | None) -> None:
            if choice:
                self.jtui.run_job(prune_images_job(engine), "Prune images")

        self.app.push_screen(ConfirmScreen(
            "Prune dangling images", f"Remove {len(dangling)} untagged image(s) (about {size})?",
            [("prune", "Prune", "error")]), answered)

    def action_build(self) -> None:
        engine = self.jtui.require_engine("build an image")
        if engine is None:
            return
        stack = self.selected_stack
        image = self.selected_image
        base = image.display_name if image else (stack.image(self.registry) if stack else "")
        name = stack.name if stack else (parse_reference(base).name or "custom")

        def chosen(request: BuildRequest | None) -> None:
            if request is None:
                return

            def files() -> dict[str, bytes]:
                try:
                    return context_files(request)
                except ValueError as exc:  # the files folder is too big
                    raise BuildFailed(str(exc)) from exc

            self._open_job(f"Build {request.tag} from {request.base}",
                           build_job(engine, dockerfile(request), request.tag, files))

        self.app.push_screen(BuildScreen(base, f"{name}-custom:latest"), chosen)
