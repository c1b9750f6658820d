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
from ..jupyter.catalog import Stack
from ..logtext import clean_line

STATE_STYLE = {"running": "green", "paused": "yellow", "restarting": "yellow", "created": "cyan",
               "exited": "red", "dead": "bold red", "removing": "magenta"}
STATE_RANK = {"running": 0, "restarting": 1, "paused": 2, "created": 3, "exited": 4, "dead": 5}
# Most-read columns first, Jupyter's state among them: the pane is often narrower than the row,
# and what does not fit is scrolled to. The URL itself, token and all, is on the details line.
CONTAINER_COLUMNS = (("mark", ""), ("name", "Name"), ("state", "State"), ("url", "Jupyter"),
                     ("ports", "Ports"), ("age", "Age"), ("status", "Status"), ("image", "Image"))
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
                    now: datetime | None) -> Cells:
    mark = Text("✔", style="bold yellow") if marked else (
        Text("◆", style="bold magenta") if jupyter else Text(" "))
    return (
        mark,
        plain(c.name, limit=NAME_CELL),
        plain(c.state or "?", STATE_STYLE.get(c.state, "")),
        jupyter_cell(url),
        plain(", ".join(str(p) for p in c.ports if p.host_port)),
        Text(humanize.age(c.created, now)),
        plain(c.status),
        plain(c.image),
    )


def jupyter_cell(url: str | None) -> Text:
    """Where a container's Jupyter stands, short: "ready :8888" once it answers (the address
    only: the token is for the details line and `u`), else "starting…" / "not answering"."""
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
    return plain(f"ready {where}", "green")


def container_sort_key(c: ContainerSummary) -> tuple[int, str, str]:
    return (STATE_RANK.get(c.state, 9), c.name, c.id)


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
