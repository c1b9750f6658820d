"""The containers pane: one row per container, keyed by id, updated in place."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from .. import humanize
from ..engine import ContainerSummary
from ..jupyter.detect import is_jupyter_container
from .messages import ContainerSelected

STATE_STYLE = {"running": "green", "paused": "yellow", "restarting": "yellow", "created": "cyan",
               "exited": "red", "dead": "bold red", "removing": "magenta"}
STATE_RANK = {"running": 0, "restarting": 1, "paused": 2, "created": 3, "exited": 4, "dead": 5}
# Narrow, most-read columns first: the pane is often narrower than the whole row.
COLUMNS = (("mark", ""), ("name", "Name"), ("state", "State"), ("ports", "Ports"), ("age", "Age"),
           ("status", "Status"), ("image", "Image"), ("url", "Jupyter URL"))


class KeyedTable(DataTable):
    """A DataTable whose rows are keyed by an id and brought up to date in place (remove what
    went, update only changed cells, add what is new, keep the cursor on the same key), and that
    also moves with j/k as lazydocker users expect."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("g", "scroll_top", "Top", show=False, id="cursor-top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="cursor-bottom"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self._rendered: dict[str, tuple] = {}  # key -> the cells last drawn for it

    def apply_rows(self, wanted: list[tuple[str, tuple]], columns: tuple[str, ...],
                   sort_column: str, keep: str | None) -> None:
        """Make the table show `wanted` (key, cells) in that order. `sort_column` holds text that
        is unique per row: DataTable sorts by cell values, not by row keys."""
        wanted_keys = [key for key, _ in wanted]
        with self.app.batch_update():
            for key in [k for k in self._rendered if k not in set(wanted_keys)]:
                self.remove_row(key)
                del self._rendered[key]
            for key, cells in wanted:
                old = self._rendered.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                elif old != cells:
                    for col, new, before in zip(columns, cells, old):
                        if new != before:
                            self.update_cell(key, col, new)
                self._rendered[key] = cells
            if [row.key.value for row in self.ordered_rows] != wanted_keys:
                index = columns.index(sort_column)
                order = {str(cells[index]): i for i, (_, cells) in enumerate(wanted)}
                self.sort(sort_column, key=lambda text: order.get(str(text), 1 << 30))
            if keep in self._rendered:
                self.move_cursor(row=self.get_row_index(keep), animate=False)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:
            return None


class ContainerTable(KeyedTable):
    BINDINGS = [
        Binding("a", "toggle_all", "All/running", id="containers-toggle-all"),
        Binding("space", "toggle_mark", "Mark", id="containers-mark"),
        Binding("S", "app.start_containers", "Start", id="containers-start"),
        Binding("s", "app.stop_containers", "Stop", id="containers-stop"),
        Binding("r", "app.restart_containers", "Restart", id="containers-restart"),
        Binding("d", "app.remove_containers", "Remove", id="containers-remove"),
        Binding("e", "app.shell", "Shell", id="containers-shell"),
        Binding("x", "app.run_command", "Run command", id="containers-exec"),
        Binding("m", "app.commit_container", "Commit", id="containers-commit"),
    ]

    def __init__(self, *, show_all: bool = True, clock=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.show_all = show_all
        self.filter_text = ""
        self.containers: dict[str, ContainerSummary] = {}
        self.urls: dict[str, str] = {}
        self.marked: set[str] = set()  # ids marked with space: actions apply to all of them
        self._selected_id: str | None = None
        self._clock = clock

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        self._update_title()

    # --- data in ------------------------------------------------------------------------------
    def set_all(self, containers: list[ContainerSummary]) -> None:
        self.containers = {c.id: c for c in containers}
        self.urls = {cid: url for cid, url in self.urls.items() if cid in self.containers}
        self.sync()

    def upsert(self, container: ContainerSummary) -> None:
        self.containers[container.id] = container
        self.sync()

    def remove_container(self, container_id: str) -> None:
        self.containers.pop(container_id, None)
        self.marked.discard(container_id)
        self.urls.pop(container_id, None)
        self.sync()

    def set_url(self, container_id: str, url: str | None) -> None:
        if url:
            self.urls[container_id] = url
        else:
            self.urls.pop(container_id, None)
        self.sync()

    @property
    def selected(self) -> ContainerSummary | None:
        return self.containers.get(self._selected_id or "")

    # --- view ---------------------------------------------------------------------------------
    def visible_containers(self) -> list[ContainerSummary]:
        needle = self.filter_text.lower()
        rows = [c for c in self.containers.values()
                if (self.show_all or c.state in ("running", "restarting", "paused"))
                and (not needle or needle in f"{c.name} {c.image} {c.state}".lower())]
        return sorted(rows, key=lambda c: (STATE_RANK.get(c.state, 9), c.name))

    def _cells(self, c: ContainerSummary) -> tuple:
        jupyter = is_jupyter_container(c)
        now = self._clock() if self._clock else None
        return (
            Text("✔" if c.id in self.marked else ("◆" if jupyter else " "),
                 style="bold yellow" if c.id in self.marked else "bold magenta"),
            c.name,
            Text(c.state or "?", style=STATE_STYLE.get(c.state, "")),
            ", ".join(str(p) for p in c.ports if p.host_port) or "",
            humanize.age(c.created, now),
            c.status,
            c.image,
            Text(self.urls.get(c.id, ""), style="underline cyan"),
        )

    def sync(self) -> None:
        """Bring the table in line with `containers`: remove, update and add only what changed."""
        if not self.is_mounted:
            return
        self.apply_rows([(c.id, self._cells(c)) for c in self.visible_containers()],
                        tuple(key for key, _ in COLUMNS), "name", keep=self._selected_id)
        self._update_title()
        self._announce()

    def refresh_ages(self) -> None:
        """Ages move with the clock, not with the engine: recompute locally."""
        self.sync()

    def _update_title(self) -> None:
        shown = len(self._rendered)
        total = len(self.containers)
        scope = "all" if self.show_all else "running"
        extra = f" · filter '{self.filter_text}'" if self.filter_text else ""
        self.border_title = f"[1] Containers ({shown}/{total}, {scope}{extra})"

    def _announce(self) -> None:
        key = self.selected_key
        if key != self._selected_id:
            self._selected_id = key
            self.post_message(ContainerSelected(self.containers.get(key or "")))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()

    # --- marks and targets --------------------------------------------------------------------
    def targets(self) -> list[ContainerSummary]:
        """What an action applies to: the marked containers, else the selected one."""
        marked = [self.containers[cid] for cid in self.marked if cid in self.containers]
        if marked:
            return sorted(marked, key=lambda c: c.name)
        return [self.selected] if self.selected else []

    def action_toggle_mark(self) -> None:
        cid = self._selected_id
        if cid:
            self.marked.symmetric_difference_update({cid})
            self.sync()
            if self.cursor_row < self.row_count - 1:
                self.move_cursor(row=self.cursor_row + 1)

    def clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self.sync()

    # --- actions ------------------------------------------------------------------------------
    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.sync()
        self.notify("Showing all containers" if self.show_all else "Showing running containers only",
                    timeout=2)

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.sync()
