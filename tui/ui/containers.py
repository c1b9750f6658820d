"""The containers pane and its keys: one row per container, updated in place from engine events;
start, stop, restart, remove, mark, shell, run a command, commit. Every engine call runs as a job
(`tui.engine.jobs`) through the one job runner."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events
from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.button import ButtonVariant

from .. import humanize
from ..engine import ContainerSummary
from ..engine.jobs import Done, Failed, commit_job, exec_job, lifecycle_job
from ..jupyter.detect import HOME_LABEL, exec_user, is_jupyter_container
from ..jupyter.project import image_out_of_date
from . import container_actions
from .compose_groups import (
    columns_that_fit,
    group_cells,
    group_key,
    group_project,
    group_sort_key,
    members_by_project,
    project_of,
)
from .dialogs import ConfirmScreen, FormScreen, FormValues, JobScreen
from .installed_screen import InstalledScreen
from .kernels_screen import KernelNews, KernelsScreen, KernelWatch
from .keyed_table import KeyedTable
from .messages import ContainerSelected
from .resource_watch import ResourceWatch, StatsNews
from .resources_screen import ResourcesScreen
from .rows import (
    COMPOSE_PROJECT,
    CONTAINER_COLUMNS,
    CONTAINER_SORTS,
    Cells,
    container_cells,
    container_matches,
    sort_key_by,
)

# A login shell if the image has bash, else sh: one exec, no guessing from outside.
SHELL_CMD = ["sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"]
DOING = {"start": "Starting", "stop": "Stopping", "restart": "Restarting", "remove": "Removing",
         "force-remove": "Removing"}
COLUMN_KEYS = tuple(key for key, _ in CONTAINER_COLUMNS)
COLUMN_LABELS = dict(CONTAINER_COLUMNS)
AGE_COLUMN = COLUMN_KEYS.index("age")


def command_argv(command: str) -> list[str]:
    """What `x` runs for the typed command: its words, or `sh -c` with the whole line when it
    uses pipes, redirections, `;`, `&&`, or substitutions (seen: `pip list | head` ran pip with
    the arguments '|' and 'head'). sh reads the line the way it was split here, quotes and all."""
    lexer = shlex.shlex(command, posix=False, punctuation_chars=True)  # quotes stay in tokens
    lexer.whitespace_split = True
    operators = any(token and set(token) <= set("|&;<>()") for token in lexer)
    if operators or "$(" in command or "`" in command:
        return ["sh", "-c", command]
    return shlex.split(command)


class ContainerTable(KeyedTable):
    BINDINGS = [
        Binding("a", "toggle_all", "All/running", id="containers-toggle-all"),
        Binding("space", "toggle_mark", "Mark", tooltip="Mark (and move down)", id="containers-mark"),
        Binding("S", "start", "Start", id="containers-start"),
        Binding("s", "stop", "Stop", id="containers-stop"),
        Binding("r", "restart", "Restart", id="containers-restart"),
        Binding("d", "remove", "Remove", id="containers-remove"),
        Binding("e", "shell", "Shell", id="containers-shell"),
        Binding("x", "run_command", "Run command", id="containers-exec"),
        Binding("m", "commit", "Commit", id="containers-commit"),
        Binding("O", "cycle_sort", "Sort", tooltip="Sort by state, name, CPU, memory, age, project",
                show=False, id="containers-sort"),
        Binding("t", "resources", "Resources", tooltip="CPU, memory, network, disk I/O over time",
                show=False, id="containers-resources"),
        Binding("K", "kernels", "Kernels", tooltip="Notebooks and kernels of a Jupyter container",
                id="containers-kernels"),
        Binding("I", "installed", "Keep what I installed", show=False,
                tooltip="Keep what I installed: pin it, build an image, relaunch on it",
                id="containers-installed"),
        Binding("p", "pause", "Pause/unpause", show=False, id="containers-pause"),
        Binding("X", "kill", "Kill (signal)", show=False, id="containers-kill"),
        Binding("n", "rename", "Rename", show=False, id="containers-rename"),
        Binding("c", "copy_files", "Copy files", tooltip="Copy files in or out of the container",
                show=False, id="containers-copy-files"),
        Binding("P", "compose", "Compose project", tooltip="Start/stop/restart, up/down its project",
                show=False, id="containers-compose"),
        Binding("z", "toggle_group", "Fold project",
                tooltip="Sorted by project (O): fold a Compose project into one row, or unfold it",
                show=False, id="containers-fold-project"),
    ]

    def __init__(self, *, show_all: bool = True, clock: Callable[[], datetime] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_all = show_all
        self.filter_text = ""
        self.containers: dict[str, ContainerSummary] = {}
        self.urls: dict[str, str] = {}
        self.marked: set[str] = set()  # ids marked with space: actions apply to all of them
        self._selected_id: str | None = None
        self._empty_why: tuple[bool, str, bool] | None = None
        self._clock = clock
        # What the last actions did, for whoever needs to know (tests, the palette).
        self.last_action_result: tuple[str, list[str], list[str]] | None = None
        self.last_commit: str | None = None
        self.output_screen: JobScreen | None = None
        self.resources = ResourceWatch(self)  # CPU % and memory columns, sort, OOM marks
        self.busy: set[str] = set()  # ids of Jupyter containers with a kernel running a cell
        self.kernel_watch = KernelWatch(self)
        # Compose projects folded into one row (`z`), while the rows are sorted by project.
        self.collapsed: set[str] = set()
        self._project_labelled = False  # some container has the Compose label: a Project column

    def on_mount(self) -> None:
        for key, label in CONTAINER_COLUMNS:
            self.add_column(Text(label), key=key)
        self._all_columns = COLUMN_KEYS
        self._update_title()
        self.kernel_watch.start()
        self.resources.start()

    def on_unmount(self) -> None:
        self.resources.close()  # its reader's threads and engine client

    # --- data in ------------------------------------------------------------------------------
    def set_all(self, containers: list[ContainerSummary]) -> None:
        """A whole new list (a re-list): every row is checked."""
        new = {c.id: c for c in containers}
        # The safety-net re-list (every resync_seconds) mostly finds the containers the events
        # already brought: then only the rows that differ are redrawn. A full sync of 1,000 rows
        # took ~100 ms of the UI thread each minute (py-spy of an idle jtui).
        same = self.is_mounted and bool(self._rendered) and new.keys() == self.containers.keys()
        changed = [cid for cid, c in new.items() if self.containers.get(cid) != c] if same else []
        self.containers = new
        self.resources.saw(containers)
        self.urls = {cid: url for cid, url in self.urls.items() if cid in self.containers}
        self.marked &= set(self.containers)
        if same:
            self._patch(changed)
            self._fit_to_width()  # the column set is chosen again on a whole re-list, as sync does
            return
        self.sync()

    def apply_changes(self, changed: Iterable[ContainerSummary], removed: Iterable[str]) -> None:
        """Engine events: only the rows of these containers are touched."""
        touched: set[str] = set()
        self.resources.forget(removed)
        for cid in removed:
            self.containers.pop(cid, None)
            self.marked.discard(cid)
            self.urls.pop(cid, None)
            touched.add(cid)
        for container in changed:
            self.containers[container.id] = container
            touched.add(container.id)
            self.resources.saw([container])
        self._patch(touched)

    def upsert(self, container: ContainerSummary) -> None:
        self.apply_changes([container], [])

    def remove_container(self, container_id: str) -> None:
        self.apply_changes([], [container_id])

    def set_busy(self, ids: set[str]) -> None:
        """The containers whose kernels are busy (tui/ui/kernels_screen.py KernelWatch)."""
        changed, self.busy = self.busy ^ ids, set(ids)
        self._patch(changed)

    def on_kernel_news(self, message: KernelNews) -> None:
        message.apply()

    def set_url(self, container_id: str, url: str | None) -> None:
        if self.urls.get(container_id) == (url or None):
            return
        if url:
            self.urls[container_id] = url
            self.kernel_watch.wake()  # a server jtui can ask about its kernels
        else:
            self.urls.pop(container_id, None)
        self._patch({container_id})
        # A URL found is rare (not every event) and widens the Jupyter column ("ready :8888"):
        # the column set is chosen again so the next column is dropped rather than cut.
        self._fit_to_width()

    def select(self, cid: str) -> bool:
        """Move the cursor to a container's row; False when it has no row (yet)."""
        if cid not in self._rendered:
            return False
        self.move_cursor(row=self.get_row_index(cid), animate=False)
        self._announce()  # now, not when the highlight message comes round: callers read it next
        return True

    @property
    def selected(self) -> ContainerSummary | None:
        """The container of the row under the cursor; None on a folded project's row."""
        return self.containers.get(self._selected_id or "")

    def no_selection_hint(self) -> str:
        """What to say when an action on one container finds none selected."""
        project = group_project(self.selected_key)
        if project is not None:
            return f"This row is the Compose project {project}: unfold it first (z)."
        return "Select a container first."

    # --- view ---------------------------------------------------------------------------------
    def visible_containers(self) -> list[ContainerSummary]:
        rows = [c for c in self.containers.values()
                if container_matches(c, self.filter_text, self.show_all)]
        return sorted(rows, key=self._sort_key)

    def _sort_key(self, c: ContainerSummary) -> tuple[object, ...]:
        return sort_key_by(self.resources.sort, c, self.resources.usage.get(c.id))

    def _cells(self, c: ContainerSummary, now: datetime | None) -> Cells:
        return container_cells(c, jupyter=is_jupyter_container(c), marked=c.id in self.marked,
                               url=self.urls.get(c.id), now=now, busy=c.id in self.busy,
                               usage=self.resources.usage.get(c.id),
                               oom_limit=self.resources.oom_limit(c.id),
                               stale=image_out_of_date(c.labels) is True)

    # --- Compose projects folded into one row (tui/ui/compose_groups.py) ----------------------------
    @property
    def folding(self) -> set[str]:
        """The projects folded now: folding holds only while the rows are sorted by project."""
        return self.collapsed if self.resources.sort == "project" else set()

    def _group_rows(self) -> tuple[list[tuple[str, Any, Cells]], list[str]]:
        """The rows of the folded projects that have members shown, and the keys of those that
        have none any more (the last member removed or filtered out). A project with no member
        left at all is unfolded for good."""
        folding = self.folding
        if not folding:
            return [], []
        rows: list[tuple[str, Any, Cells]] = []
        gone: list[str] = []
        for project, members in members_by_project(self.containers.values(), folding).items():
            if not members:
                self.collapsed.discard(project)
            shown = [c for c in members if container_matches(c, self.filter_text, self.show_all)]
            if shown:
                marked = all(c.id in self.marked for c in shown)
                rows.append((group_key(project), group_sort_key(project),
                             group_cells(project, sorted(shown, key=self._sort_key), marked)))
            else:
                gone.append(group_key(project))
        return rows, gone

    def group_members(self, key: str | None) -> list[ContainerSummary]:
        """The containers a folded project's row stands for (as filtered), by name; [] else."""
        project = group_project(key)
        if project is None:
            return []
        return sorted((c for c in self.containers.values() if project_of(c) == project
                       and container_matches(c, self.filter_text, self.show_all)),
                      key=lambda c: c.name)

    def action_toggle_group(self) -> None:
        if self.resources.sort != "project":
            self.notify("Sort by project first (O until the title says 'by project'); then z "
                        "folds a Compose project into one row.", severity="warning")
            return
        project = group_project(self.selected_key)
        if project is not None:  # unfold, the cursor on its first member
            self.collapsed.discard(project)
            self.sync()
            first = next((c.id for c in self.visible_containers() if project_of(c) == project), None)
            if first is not None:
                self.select(first)
            return
        c = self.selected
        if c is None:
            self.notify("Select a container first.", severity="warning")
            return
        project = project_of(c)
        if not project:
            self.notify(f"{c.name} is not part of a Compose project (it has no {COMPOSE_PROJECT} "
                        "label).", severity="warning")
            return
        self.collapsed.add(project)
        self.sync()
        self.select(group_key(project))

    # --- the columns that fit ------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self._fit_to_width()

    def _fit_to_width(self, widths: dict[str, int] | None = None) -> None:
        """Show the most important columns that fit whole (tui/ui/compose_groups.py IMPORTANCE)
        rather than let the last ones scroll off; the rows are rebuilt only when the set changes.
        Looked at on a resize and a whole re-list (`sync`: the first list, the periodic re-list,
        a filter, a sort), not on each engine event: a column must not come and go with the width
        of one container's status; a wider cell meanwhile scrolls, as before. `widths`: each
        column's width for rows about to be shown (else the rows shown now)."""
        if not self.is_mounted or not self.size.width:
            return
        width = self.size.width - self.styles.scrollbar_size_vertical  # room for the scrollbar
        by_project = self.resources.sort == "project"
        widths = widths if widths is not None else self.content_widths(COLUMN_LABELS)
        shown = columns_that_fit(width, widths,
                                 self._project_labelled or by_project, by_project)
        self.show_columns(shown, COLUMN_LABELS, keep=self.selected_key)

    def sync(self) -> None:
        """Bring every row in line with `containers` (a re-list, a new filter, the clock):
        remove, update and add only what changed."""
        if not self.is_mounted:
            return
        now = self._clock() if self._clock else None
        folding = self.folding
        self._project_labelled = any(COMPOSE_PROJECT in c.labels for c in self.containers.values())
        rows: list[tuple[str, Any, Cells]] = [
            (c.id, self._sort_key(c), self._cells(c, now)) for c in self.visible_containers()
            if not (folding and project_of(c) in folding)]
        groups, _ = self._group_rows()
        rows = sorted([*rows, *groups], key=lambda row: row[1])
        # The columns for these rows before they go in: the first list then does not rebuild
        # the table it has just filled (a rebuild of every row).
        widths = {key: len(label) for key, label in CONTAINER_COLUMNS}
        for _, _, cells in rows:
            for key, cell in zip(COLUMN_KEYS, cells, strict=True):
                widths[key] = max(widths[key], cell.cell_len)
        self._fit_to_width(widths)
        self.apply_rows([(key, cells) for key, _, cells in rows], COLUMN_KEYS,
                        keep=self.selected_key, sort_keys=[sort_key for _, sort_key, _ in rows])
        self._update_title()
        self._announce()

    def _patch(self, ids: Iterable[str]) -> None:
        """Bring the rows of `ids` in line with `containers`; the other rows are not looked at."""
        if not self.is_mounted:
            return
        now = self._clock() if self._clock else None
        rows: list[tuple[str, object, Cells]] = []
        gone: list[str] = []
        folding = self.folding
        labelled = self._project_labelled
        for cid in ids:
            if group_project(cid) is not None:
                continue  # the folded projects' rows are all looked at below
            c = self.containers.get(cid)
            if c is not None and COMPOSE_PROJECT in c.labels:
                self._project_labelled = True
            if (c is not None and container_matches(c, self.filter_text, self.show_all)
                    and not (folding and project_of(c) in folding)):
                rows.append((cid, self._sort_key(c), self._cells(c, now)))
            else:
                gone.append(cid)
        if folding:  # a member may have changed or gone: the counts of every folded row again
            groups, empty = self._group_rows()
            rows += groups
            gone += empty
        # Keep the row under the cursor now, not the last one announced: a key may have moved
        # the cursor before its highlight message came round, and must not be undone.
        self.patch_rows(rows, gone, COLUMN_KEYS, keep=self.selected_key)
        if self._project_labelled != labelled:  # the first Compose container: a Project column
            self._fit_to_width()
        self._update_title()
        self._announce()

    def refresh_rows(self, ids: Iterable[str]) -> None:
        """Render these rows again: something they show changed outside the engine (a project
        folder's files: tui/ui/project_actions.py)."""
        self._patch(ids)

    def refresh_ages(self) -> None:
        """Ages move with the clock, not with the engine: recompute locally, only the rows whose
        age reads differently now (a full sync of 1,000 rows every 15 s was half of jtui's idle
        CPU: benchmarks/run.py)."""
        if not self.is_mounted:
            return
        now = self._clock() if self._clock else None
        # Only the Age cell is made anew: the rest of a row, its place and the title are the same
        # (building whole rows was 12 ms a tick with 1,000 fresh containers, benchmarks/run.py).
        rows: list[tuple[str, object, Cells]] = []
        for cid, cells in self._rendered.items():
            c = self.containers.get(cid)
            if c is not None and cells[AGE_COLUMN].plain != (age := humanize.age(c.created, now)):
                rows.append((cid, self._sort_keys[cid],
                             (*cells[:AGE_COLUMN], Text(age), *cells[AGE_COLUMN + 1:])))
        if rows:
            self.patch_rows(rows, [], COLUMN_KEYS, keep=self.selected_key)

    def _update_title(self) -> None:
        scope = "all" if self.show_all else "running"
        extra = f" · filter '{self.filter_text}'" if self.filter_text else ""
        if self.resources.sort != CONTAINER_SORTS[0][0]:
            extra += f" · by {dict(CONTAINER_SORTS)[self.resources.sort]}"
        self.set_title(
            f"[1] Containers ({len(self._rendered)}/{len(self.containers)}, {scope}{extra})")

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.resources.moved()  # rows scrolled into view get their figures

    def _announce(self) -> None:
        self.resources.moved()
        key = self.selected_key
        # An empty pane is told again when why it is empty changes (first run, filter, running
        # only): the details line says what to do about it.
        empty = (self.show_all, self.filter_text, bool(self.containers)) if key is None else None
        if key != self._selected_id or empty != self._empty_why:
            self._selected_id = key
            self._empty_why = empty
            self.post_message(ContainerSelected(self.containers.get(key or "")))

    # --- resource use (tui/ui/resource_watch.py) ---------------------------------------------------
    def on_stats_news(self, message: StatsNews) -> None:
        message.stop()
        self.resources.shown(message)

    def resources_changed(self, ids: Iterable[str], inspected: Iterable[str]) -> None:
        """New readings (or OOM marks) for these rows: redraw them, and re-sort if the order
        depends on the figures."""
        self._patch({*ids, *inspected})

    def action_cycle_sort(self) -> None:
        keys = [key for key, _ in CONTAINER_SORTS]
        self.resources.sort = keys[(keys.index(self.resources.sort) + 1) % len(keys)]
        self.sync()
        self.resources.poke()
        self.notify(f"Containers sorted by {dict(CONTAINER_SORTS)[self.resources.sort]}", timeout=2)

    def action_resources(self) -> None:
        c = self._running_selection("show its resource use")
        if c is not None:
            self.app.push_screen(ResourcesScreen(c, self.resources))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.sync()

    # --- marks and targets --------------------------------------------------------------------
    def targets(self) -> list[ContainerSummary]:
        """What an action applies to: the marked containers, else the selected one."""
        marked = [self.containers[cid] for cid in self.marked if cid in self.containers]
        if marked:
            return sorted(marked, key=lambda c: c.name)
        members = self.group_members(self.selected_key)  # a folded project: all its members
        if members:
            return members
        return [self.selected] if self.selected else []

    def action_toggle_mark(self) -> None:
        cid = self._selected_id
        members = {c.id for c in self.group_members(cid)}
        if members:  # a folded project: mark all its members, or unmark them if all were
            if members <= self.marked:
                self.marked -= members
            else:
                self.marked |= members
            self._patch(members)
            if self.cursor_row < self.row_count - 1:
                self.move_cursor(row=self.cursor_row + 1)
        elif cid:
            self.marked.symmetric_difference_update({cid})
            self._patch({cid})
            if self.cursor_row < self.row_count - 1:
                self.move_cursor(row=self.cursor_row + 1)

    def clear_marks(self) -> None:
        if self.marked:
            was, self.marked = self.marked, set()
            self._patch(was)

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.sync()
        self.notify("Showing all containers" if self.show_all else "Showing running containers only",
                    timeout=2)

    # --- lifecycle ----------------------------------------------------------------------------
    def _lifecycle(self, verb: str, targets: list[ContainerSummary] | None = None) -> None:
        engine = self.jtui.require_engine(f"{verb.removeprefix('force-')} containers")
        targets = targets if targets is not None else self.targets()
        if engine is None:
            return
        if not targets:
            self.notify(self.no_selection_hint(), severity="warning")
            return
        names = ", ".join(c.name for c in targets)
        grace = self.jtui.config.stop_grace_seconds
        detail = f" (up to {grace}s for kernels to shut down)" if verb in ("stop", "restart") else ""
        self.notify(f"{DOING[verb]} {names}{detail}…", timeout=3)
        self.clear_marks()  # the marks were for this action

        def outcome(result: Done | Failed) -> None:
            if isinstance(result, Done) and isinstance(result.value, tuple):
                done, failed = result.value
                self.last_action_result = (verb, list(done), list(failed))

        self.jtui.run_job(lifecycle_job(engine, verb, [(c.id, c.name) for c in targets], grace),
                          f"{DOING[verb]} {names}", on_outcome=outcome)

    def action_start(self) -> None:
        self._lifecycle("start")

    def action_stop(self) -> None:
        targets = self.targets()

        def confirm(busy: str) -> None:
            if not busy:
                self._lifecycle("stop", targets)
                return
            body = (f"{busy}\n\nStopping interrupts {'it' if busy.count(chr(10)) == 0 else 'them'}: "
                    "what the cells computed is lost (saved notebooks stay).")
            self.app.push_screen(ConfirmScreen("Stop containers", body,
                                               [("stop", "Stop anyway", "error")]),
                                 lambda choice: self._lifecycle("stop", targets) if choice else None)

        self.kernel_watch.busy_report(targets, confirm)

    def action_restart(self) -> None:
        self._lifecycle("restart")

    def action_remove(self) -> None:
        if self.jtui.require_engine("remove containers") is None:
            return
        targets = self.targets()
        if not targets:
            self.notify("Select a container first.", severity="warning")
            return
        running = [c.name for c in targets if c.running]
        names = ", ".join(c.name for c in targets)
        if running:
            one = len(running) == 1
            body = (f"Remove {names}?\n\n{', '.join(running)} {'is' if one else 'are'} running: "
                    f"removing stops {'it' if one else 'them'} at once (no grace period). Files "
                    "outside mounted folders are lost.")
            choices: list[tuple[str, str, ButtonVariant]] = [("force", "Force remove", "error")]
        else:
            body = f"Remove {names}? Files outside mounted folders are lost."
            choices = [("remove", "Remove", "error")]
        kept = [v for c in targets if (v := c.labels.get(HOME_LABEL))]
        if kept:
            body += (f"\n\nKept: the home volume{'s' if len(kept) > 1 else ''} {', '.join(kept)} "
                     "(pip --user, conda envs), for the next launch with the same name; "
                     f"`docker volume rm {' '.join(kept)}` deletes {'them' if len(kept) > 1 else 'it'}.")

        def answered(choice: str | None) -> None:
            if choice in ("force", "remove"):
                self._lifecycle("force-remove" if choice == "force" else "remove", targets)

        def confirm(busy: str) -> None:  # busy notebooks first: what is lost soonest
            text = f"{busy}\n\n{body}" if busy else body
            self.app.push_screen(ConfirmScreen("Remove containers", text, choices), answered)

        self.kernel_watch.busy_report(targets, confirm)

    def action_kernels(self) -> None:
        c = self._running_selection("look at the kernels")
        if c is None:
            return
        server = self.jtui.servers.get(c.id)
        if server is None:
            self.notify(f"jtui does not know {c.name}'s Jupyter URL yet"
                        + (" (it is not a Jupyter container)." if not is_jupyter_container(c)
                           else ": wait until its row says ready."), severity="warning")
            return
        self.app.push_screen(KernelsScreen(c, server, self.kernel_watch))

    # --- inside the container -----------------------------------------------------------------
    def _running_selection(self, doing: str) -> ContainerSummary | None:
        if self.jtui.require_engine(doing) is None:
            return None
        c = self.selected
        if c is None:
            self.notify(self.no_selection_hint(), severity="warning")
            return None
        if not c.running:
            self.notify(f"{c.name} is not running: start it first (S).", severity="warning")
            return None
        return c

    def action_shell(self) -> None:
        c = self._running_selection("open a shell")
        engine = self.jtui.engine
        if c is None or engine is None:
            return
        user = exec_user(c)
        cmd = ["docker", *engine.endpoint.cli_args(), "exec", "-it", *(["-u", user] if user else []),
               c.id, *SHELL_CMD]
        docker = shutil.which("docker")
        if docker is None:
            self.notify("The docker command-line tool is not installed here; run this in a terminal "
                        f"that has it:\n{shlex.join(cmd)}", severity="error", timeout=15)
            return
        try:
            with self.app.suspend():
                print(f"jtui: shell in {c.name} — type exit to come back.", flush=True)
                code = subprocess.call([docker, *cmd[1:]])
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to a shell (for example when jtui is served "
                        f"in a browser). Run it in a terminal:\n{shlex.join(cmd)}",
                        severity="warning", timeout=15)
            return
        self.notify(f"Back from the shell in {c.name} (exit code {code}).", timeout=3)

    def action_run_command(self) -> None:
        c = self._running_selection("run a command")
        engine = self.jtui.engine
        if c is None or engine is None:
            return

        def check(values: FormValues) -> str | None:
            try:
                return None if shlex.split(values["command"]) else "type a command"
            except ValueError as exc:
                return f"unbalanced quotes ({exc})"

        def chosen(values: FormValues | None) -> None:
            if values:
                argv = command_argv(values["command"])
                screen = JobScreen(f"{c.name} $ {shlex.join(argv)}",
                                   exec_job(engine, c.id, argv, user=exec_user(c)))
                self.output_screen = screen
                self.app.push_screen(screen)

        self.app.push_screen(FormScreen(
            f"Run a command in {c.name}", [("command", "Command", "", "pip install tensorflow")],
            ok="Run", check=check,
            note="Runs as the notebook's user; pipes and redirections go through sh -c."), chosen)

    def action_commit(self) -> None:
        engine = self.jtui.require_engine("commit a container")
        c = self.selected
        if engine is None:
            return
        if c is None:
            self.notify(self.no_selection_hint(), severity="warning")
            return
        repo = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in c.name.lower())

        def check(values: FormValues) -> str | None:
            if not values["repository"] or values["repository"] != values["repository"].lower():
                return "the repository is lower case, like my-scipy"
            return None

        def chosen(values: FormValues | None) -> None:
            if not values:
                return
            ref = (values["repository"], values["tag"] or "latest")

            def outcome(result: Done | Failed) -> None:
                if isinstance(result, Done):
                    self.last_commit = f"{ref[0]}:{ref[1]}"

            self.jtui.run_job(commit_job(engine, c.id, c.name, *ref, message=values["message"]),
                              f"Commit {c.name}", on_outcome=outcome)

        self.app.push_screen(FormScreen(
            f"Commit {c.name} to a new image",
            [("repository", "Repository", f"{repo}-saved", "my-scipy"),
             ("tag", "Tag", datetime.now().strftime("%Y%m%d-%H%M"), "latest"),
             ("message", "Message", "", "installed tensorflow")],
            ok="Commit", check=check,
            note="Saves the container's files (not its mounted folders) as an image you can launch."),
            chosen)

    def action_installed(self) -> None:
        c = self._running_selection("compare a container with its image")
        engine = self.jtui.engine
        if c is not None and engine is not None:
            self.app.push_screen(InstalledScreen(c, engine, user=exec_user(c)))

    # --- more actions (tui/ui/container_actions.py) ----------------------------------------------
    def action_pause(self) -> None:
        container_actions.toggle_pause(self)

    def action_kill(self) -> None:
        container_actions.kill(self)

    def action_rename(self) -> None:
        container_actions.rename(self)

    def action_copy_files(self) -> None:
        container_actions.copy_files(self)

    def action_compose(self) -> None:
        container_actions.compose_menu(self)
