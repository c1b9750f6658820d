"""Compose projects as collapsible groups of the containers pane (the "project" sort, `z`), and
which columns the pane shows at its width.

A collapsed project is ONE row, keyed `project:NAME`, in place of its members' rows (which leave
the table the way a filter removes rows). Pure functions: the pane (tui/ui/containers.py) decides
when to call them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from rich.text import Text

from ..engine import ContainerSummary
from .rows import COMPOSE_PROJECT, CONTAINER_COLUMNS, STATE_RANK, STATE_STYLE, Cells, plain

GROUP_PREFIX = "project:"  # the key of a collapsed project's row; no container id looks like it
# Which columns go first when the pane is too narrow for all of them: least important first out.
# The mark column and the name always stay.
IMPORTANCE = ("mark", "name", "state", "url", "cpu", "mem", "ports", "age", "image", "status",
              "project")
CELL_PADDING = 1  # DataTable's default: one space each side of every cell


def project_of(c: ContainerSummary) -> str:
    return c.labels.get(COMPOSE_PROJECT, "")


def group_key(project: str) -> str:
    return GROUP_PREFIX + project


def group_project(key: str | None) -> str | None:
    """The project of a collapsed project's row key; None for a container's row."""
    return key[len(GROUP_PREFIX):] if key and key.startswith(GROUP_PREFIX) else None


def group_sort_key(project: str) -> tuple[object, ...]:
    """Where the collapsed row sorts among rows sorted by rows.sort_key_by(\"project\", ...):
    (has no project, project, state rank, name, id). Rank -1 puts it where its members were."""
    return (False, project, -1, "", "")


def state_summary(members: Sequence[ContainerSummary]) -> str:
    """`2 running, 1 exited`: the states of the members, busiest first."""
    counts = Counter(c.state or "?" for c in members)
    return ", ".join(f"{n} {state}" for state, n in
                     sorted(counts.items(), key=lambda item: (STATE_RANK.get(item[0], 9), item[0])))


def group_cells(project: str, members: Sequence[ContainerSummary], marked: bool = False) -> Cells:
    """The collapsed row: `▸ myproj (3: 2 running)` and the states summarised; the other cells
    empty (they would be a sum of unlike things)."""
    running = sum(1 for c in members if c.running)
    states = state_summary(members)
    only = members[0].state if len({c.state for c in members}) == 1 else ""
    blank = Text("")
    cells = [Text("✔", style="bold yellow") if marked else Text(" "),
             plain(f"▸ {project} ({len(members)}: {running} running)", "bold cyan"),
             plain(states, STATE_STYLE.get(only, "yellow" if running else "red"))]
    cells += [blank] * (len(CONTAINER_COLUMNS) - 4)
    cells.append(plain(project, "cyan"))
    return tuple(cells)


def members_by_project(containers: Iterable[ContainerSummary], projects: set[str]
                       ) -> dict[str, list[ContainerSummary]]:
    found: dict[str, list[ContainerSummary]] = {p: [] for p in projects}
    for c in containers:
        p = project_of(c)
        if p in found:
            found[p].append(c)
    return found


def columns_that_fit(width: int, widths: dict[str, int], project_wanted: bool,
                     by_project: bool) -> tuple[str, ...]:
    """The column keys to show in `width` cells, in the pane's order: the most important that
    fit whole (`widths`: each column's content width, label included). The Project column only
    when some container has the label (or the project sort is on, where it moves up)."""
    order = list(IMPORTANCE)
    if not project_wanted:
        order.remove("project")
    elif by_project:
        order.remove("project")
        order.insert(order.index("state") + 1, "project")
    chosen: set[str] = set()
    used = 0
    for key in order:
        need = widths.get(key, 0) + 2 * CELL_PADDING
        if key in ("mark", "name") or used + need <= width:
            chosen.add(key)
            used += need
        else:
            break  # a less important column must not take the place of a more important one
    return tuple(key for key, _ in CONTAINER_COLUMNS if key in chosen)
