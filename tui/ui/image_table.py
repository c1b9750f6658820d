"""The images pane: local images, then the Jupyter Docker Stacks not pulled yet."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from .. import humanize
from ..engine import ImageSummary
from ..jupyter.catalog import STACKS, Stack, find_stack
from ..jupyter.detect import is_jupyter_image
from .container_table import VimTable

CATALOG_PREFIX = "catalog:"


class ImageTable(VimTable):
    BINDINGS = [
        Binding("c", "toggle_catalog", "Catalog", id="images-toggle-catalog"),
        Binding("p", "app.pull_image", "Pull", id="images-pull"),
        Binding("d", "app.remove_image", "Remove", id="images-remove"),
        Binding("P", "app.prune_images", "Prune", id="images-prune"),
        Binding("b", "app.build_image", "Build", id="images-build"),
    ]

    def __init__(self, *, registry: str = "quay.io/jupyter", clock=None, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.registry = registry
        self.images: dict[str, ImageSummary] = {}
        self.filter_text = ""
        self.show_catalog = True
        self._rendered: dict[str, tuple] = {}
        self._clock = clock

    def on_mount(self) -> None:
        self.add_column("", key="mark")
        self.add_column("Image", key="name")
        self.add_column("Size", key="size")
        self.add_column("Age / about", key="about")
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
        wanted = self.wanted_rows()
        wanted_keys = [k for k, _ in wanted]
        keep = self.selected_key
        with self.app.batch_update():
            for key in [k for k in self._rendered if k not in set(wanted_keys)]:
                self.remove_row(key)
                del self._rendered[key]
            for key, cells in wanted:
                old = self._rendered.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                elif old != cells:
                    for col, new, before in zip(("mark", "name", "size", "about"), cells, old):
                        if new != before:
                            self.update_cell(key, col, new)
                self._rendered[key] = cells
            if [r.key.value for r in self.ordered_rows] != wanted_keys:
                order = {k: i for i, k in enumerate(wanted_keys)}
                # Sort by the whole row: the key column is not a cell, so look it up by name text.
                by_name = {str(cells[1]): order[k] for k, cells in wanted}
                self.sort("name", key=lambda name: by_name.get(str(name), 1 << 30))
            if keep in self._rendered:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
        local = len(self.images)
        self.border_title = f"[2] Images ({local} local · ◆ Jupyter · ○ catalog)"

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:
            return None

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
