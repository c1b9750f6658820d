"""The images pane: local images, then the Jupyter Docker Stacks not pulled yet."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from .. import humanize
from ..engine import ImageSummary
from ..jupyter.catalog import STACKS, Stack, find_stack
from ..jupyter.detect import is_jupyter_image
from .container_table import KeyedTable

CATALOG_PREFIX = "catalog:"
COLUMNS = ("mark", "name", "size", "about")


class ImageTable(KeyedTable):
    BINDINGS = [
        Binding("c", "toggle_catalog", "Catalog", id="images-toggle-catalog"),
        Binding("p", "app.pull_image", "Pull", id="images-pull"),
        Binding("d", "app.remove_image", "Remove", id="images-remove"),
        Binding("P", "app.prune_images", "Prune", id="images-prune"),
        Binding("b", "app.build_image", "Build", id="images-build"),
    ]

    def __init__(self, *, registry: str = "quay.io/jupyter", clock=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.registry = registry
        self.images: dict[str, ImageSummary] = {}
        self.filter_text = ""
        self.show_catalog = True
        self._clock = clock

    def on_mount(self) -> None:
        for key, label in zip(COLUMNS, ("", "Image", "Size", "Age / about")):
            self.add_column(label, key=key)
        # Not mounted until this handler returns: draw the catalog right after.
        self.call_after_refresh(self.sync)

    def set_all(self, images: list[ImageSummary]) -> None:
        self.images = {img.id: img for img in images}
        self.sync()

    def local_stack_names(self) -> set[str]:
        names = set()
        for img in self.images.values():
            for tag in img.tags:
                stack = find_stack(tag)
                if stack:
                    names.add(stack.name)
        return names

    def wanted_rows(self) -> list[tuple[str, tuple]]:
        needle = self.filter_text.lower()
        now = self._clock() if self._clock else None
        out: list[tuple[str, tuple]] = []
        local = sorted(self.images.values(), key=lambda i: (not is_jupyter_image(i), i.display_name))
        for img in local:
            extra = f" (+{len(img.tags) - 1} tags)" if len(img.tags) > 1 else ""
            name = img.display_name + extra
            if needle and needle not in name.lower():
                continue
            mark = Text("◆", style="bold magenta") if is_jupyter_image(img) else Text(" ")
            out.append((img.id, (mark, name, humanize.size(img.size), humanize.age(img.created, now))))
        if self.show_catalog:
            pulled = self.local_stack_names()
            for stack in STACKS:
                if stack.name in pulled:
                    continue
                ref = stack.image(self.registry)
                if needle and needle not in f"{ref} {stack.description}".lower():
                    continue
                note = stack.description if stack.has_jupyter else f"{stack.description} (no Jupyter)"
                if stack.parent:
                    note += f" · on {stack.parent}"
                out.append((CATALOG_PREFIX + stack.name,
                            (Text("○", style="dim magenta"), Text(ref, style="dim"),
                             Text(f"~{stack.size_gb:g}GB", style="dim"), Text(note, style="dim italic"))))
        return out

    def sync(self) -> None:
        if not self.is_mounted:
            return
        self.apply_rows(self.wanted_rows(), COLUMNS, "name", keep=self.selected_key)
        local = len(self.images)
        self.border_title = f"[2] Images ({local} local · ◆ Jupyter · ○ catalog)"

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

    def action_toggle_catalog(self) -> None:
        self.show_catalog = not self.show_catalog
        self.sync()
