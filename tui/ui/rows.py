"""What a row of each table shows: pure functions from engine data to cells.

Every cell is a `rich.text.Text` built from plain strings: names, images and statuses come from
the engine or other people's containers and must never be parsed as markup. Kept apart from the
widgets so they can be tested (and property-tested) without a terminal.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from rich.text import Text

from .. import humanize
from ..engine import ContainerSummary, ImageSummary
from ..engine.stats import Usage
from ..jupyter.catalog import Stack
from ..logtext import clean_line

STATE_STYLE = {"running": "green", "paused": "yellow", "restarting": "yellow", "created": "cyan",
               "exited": "red", "dead": "bold red", "removing": "magenta"}
STATE_RANK = {"running": 0, "restarting": 1, "paused": 2, "created": 3, "exited": 4, "dead": 5}
# Most-read columns first, Jupyter's state among them: the pane is often narrower than the row,
# and what does not fit is scrolled to. The URL itself, token and all, is on the details line.
# CPU % and memory of running containers come from tui/engine/stats.py, read only for the rows
# on screen (80 columns show up to Memory); the compose project last, for the "project" sort
# that groups its rows.
CONTAINER_COLUMNS = (("mark", ""), ("name", "Name"), ("state", "State"), ("url", "Jupyter"),
                     ("cpu", "CPU %"), ("mem", "Memory"), ("ports", "Ports"), ("age", "Age"),
                     ("status", "Status"), ("image", "Image"), ("project", "Project"))
COMPOSE_PROJECT = "com.docker.compose.project"
# What `O` cycles through, in order: (key, what the pane title says).
CONTAINER_SORTS = (("state", "state"), ("name", "name"), ("cpu", "CPU ↓"), ("mem", "memory ↓"),
                   ("age", "newest"), ("project", "project"))
IMAGE_COLUMNS = (("mark", ""), ("name", "Image"), ("size", "Size"), ("about", "Age / about"))
MAX_CELL = 60  # characters: one odd value (100 published ports) must not widen a column for ever
NAME_CELL = 32  # a long name is cut in the table; the details line shows it whole
LOOPBACK = ("127.0.0.1", "localhost", "::1")

Cells = tuple[Text, ...]


def plain(text: object, style: str = "", limit: int = MAX_CELL) -> Text:
    """Engine text as a cell: control bytes cleaned, bounded, never markup."""
    value = clean_line(str(text))
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return Text(value, style=style, no_wrap=True)


def container_cells(c: ContainerSummary, *, jupyter: bool, marked: bool, url: str | None,
                    now: datetime | None, busy: bool = False, usage: Usage | None = None,
                    oom_limit: int | None = None, stale: bool = False) -> Cells:
    """`usage`: the last stats reading of a running container; `oom_limit`: the container was
    killed for memory (the engine's oom event or State.OOMKilled), with its limit (0: none)."""
    mark = Text("✔", style="bold yellow") if marked else (
        Text("◆", style="bold magenta") if jupyter else Text(" "))
    usage = usage if c.running else None
    return (
        mark,
        plain(c.name, limit=NAME_CELL),
        plain(c.state or "?", STATE_STYLE.get(c.state, "")) if oom_limit is None
        else Text(f"{c.state} · OOM" if c.running else "OOM killed", style="bold red"),
        jupyter_cell(url, busy=busy),
        cpu_cell(usage),
        memory_cell(usage, oom_limit),
        plain(", ".join(str(p) for p in c.ports if p.host_port)),
        Text(humanize.age(c.created, now)),
        plain(c.status),
        image_cell(c.image, stale),
        plain(c.labels.get(COMPOSE_PROJECT, ""), "cyan"),
    )


def image_cell(image: str, stale: bool = False) -> Text:
    """`stale`: built from a project folder whose files changed since (U rebuilds)."""
    cell = plain(image)
    if stale:
        cell.append(" image out of date (U)", style="bold yellow")
    return cell


def binary_size(num_bytes: int) -> str:
    """Memory as `docker stats` prints it, in binary units: 328KiB, 60.7MiB, 1.95GiB."""
    value = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f}{unit}" if unit == "B" or value >= 100 else f"{value:.3g}{unit}"
        value /= 1024
    raise AssertionError("unreachable")


def cpu_cell(usage: Usage | None) -> Text:
    if usage is None or usage.cpu_percent is None:
        return Text("")
    cpu = usage.cpu_percent
    return Text(f"{cpu:.1f}", style="bold red" if cpu >= 90 else ("yellow" if cpu >= 50 else ""),
                justify="right")


def memory_cell(usage: Usage | None, oom_limit: int | None = None) -> Text:
    """Used / limit; the limit alone for a container killed for memory (it has no usage)."""
    if usage is None or usage.memory_used is None:
        if oom_limit:
            return Text(f"limit {binary_size(oom_limit)}", style="bold red")
        return Text("")
    limit = f" / {binary_size(usage.memory_limit)}" if usage.memory_limit else ""
    fraction = usage.memory_fraction or 0.0
    return Text(f"{binary_size(usage.memory_used)}{limit}",
                style="bold red" if fraction >= 0.9 else ("yellow" if fraction >= 0.7 else ""))


def jupyter_cell(url: str | None, busy: bool = False) -> Text:
    """Where a container's Jupyter stands, short: "ready :8888" once it answers (the address
    only: the token is for the details line and `u`), "busy :8888" while a kernel runs a cell
    (tui/ui/kernels_screen.py), else "starting…" / "not answering"."""
    if not url:
        return Text("")
    if not url.startswith(("http://", "https://")):
        return plain(url, "yellow" if url.startswith("starting") else "red")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    where = f":{port}" if parts.hostname in LOOPBACK and port else parts.netloc
    return plain(f"busy {where}", "bold yellow") if busy else plain(f"ready {where}", "green")


def container_sort_key(c: ContainerSummary) -> tuple[int, str, str]:
    return (STATE_RANK.get(c.state, 9), c.name, c.id)


def sort_key_by(sort: str, c: ContainerSummary, usage: Usage | None) -> tuple[object, ...]:
    """Where a row sorts under the sort chosen with `O` (CONTAINER_SORTS). Busiest first for CPU
    and memory, containers without a reading after those with one; the state order breaks ties."""
    base = container_sort_key(c)
    if sort == "name":
        return (c.name.lower(), *base)
    if sort == "cpu":
        cpu = usage.cpu_percent if usage is not None and c.running else None
        return (cpu is None, -(cpu or 0.0), *base)
    if sort == "mem":
        mem = usage.memory_used if usage is not None and c.running else None
        return (mem is None, -(mem or 0), *base)
    if sort == "age":
        return (-(c.created.timestamp() if c.created else 0.0), *base)
    if sort == "project":  # rows of one compose project together, projects by name, loose last
        project = c.labels.get(COMPOSE_PROJECT, "")
        return (not project, project, *base)
    return base


def container_matches(c: ContainerSummary, needle: str, show_all: bool) -> bool:
    if not show_all and c.state not in ("running", "restarting", "paused"):
        return False
    return not needle or needle.lower() in f"{c.name} {c.image} {c.state}".lower()


def image_cells(img: ImageSummary, *, jupyter: bool, now: datetime | None) -> Cells:
    extra = f" (+{len(img.tags) - 1} tags)" if len(img.tags) > 1 else ""
    return (Text("◆", style="bold magenta") if jupyter else Text(" "),
            plain(img.display_name + extra, limit=100),
            Text(humanize.size(img.size)),
            Text(humanize.age(img.created, now)))


def catalog_cells(stack: Stack, reference: str) -> Cells:
    note = stack.description if stack.has_jupyter else f"{stack.description} (no Jupyter)"
    if stack.parent:
        note += f" · on {stack.parent}"
    return (Text("○", style="dim magenta"), plain(reference, "dim", limit=100),
            Text(f"~{stack.size_gb:g}GB", style="dim"), plain(note, "dim italic", limit=100))
