"""The resources screen (`t` on the containers pane): the selected running container's CPU,
memory, network and block I/O over its last readings, as sparklines with figures.

It reads nothing itself: while it is open the pane's ResourceWatch reads this one container every
FOCUS_SECONDS (and nothing else), and the screen redraws from the reader's history."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Sparkline, Static

from .. import humanize
from ..engine import ContainerSummary
from ..engine.stats import HISTORY, Usage
from .resource_watch import FOCUS_SECONDS
from .rows import binary_size

if TYPE_CHECKING:
    from .resource_watch import ResourceWatch


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{humanize.size(value)}/s"


def _sum(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


# (id, title, the value plotted, its text)
Metric = tuple[str, str, Callable[[Usage], float | None], Callable[[Usage], str]]
METRICS: tuple[Metric, ...] = (
    ("cpu", "CPU", lambda u: u.cpu_percent,
     lambda u: "–" if u.cpu_percent is None else f"{u.cpu_percent:.1f} %"),
    ("mem", "Memory", lambda u: u.memory_used,
     lambda u: "–" if u.memory_used is None else binary_size(u.memory_used)
     + (f" / {binary_size(u.memory_limit)}" if u.memory_limit else "")
     + (f" ({u.memory_fraction:.0%})" if u.memory_fraction is not None else "")),
    ("net", "Network", lambda u: _sum(u.net_rx_rate, u.net_tx_rate),
     lambda u: f"in {_rate(u.net_rx_rate)}, out {_rate(u.net_tx_rate)}"),
    ("block", "Block I/O", lambda u: _sum(u.block_read_rate, u.block_write_rate),
     lambda u: f"read {_rate(u.block_read_rate)}, write {_rate(u.block_write_rate)}"),
)


def figures(history: list[Usage]) -> dict[str, tuple[list[float], str]]:
    """Per metric: the values to plot (oldest first) and the text for the newest reading."""
    out: dict[str, tuple[list[float], str]] = {}
    for key, title, value, text in METRICS:
        points = [v for u in history if (v := value(u)) is not None]
        now = text(history[-1]) if history else "–"
        peak = ""
        if key == "cpu" and points:
            peak = f", peak {max(points):.1f} %"
        out[key] = (points, f"{title}: {now}{peak}")
    return out


class ResourcesScreen(ModalScreen[None]):
    """Resource use of one running container, over its last readings."""

    DEFAULT_CSS = """
    ResourcesScreen { align: center middle; }
    #resources-body { width: 100; max-width: 95%; height: auto; max-height: 95%;
                      border: round $accent; background: $panel; padding: 0 1; }
    #resources-body Sparkline { height: 2; margin-bottom: 1; }
    #resources-status { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,t", "dismiss(None)", "Close", id="resources-close")]

    def __init__(self, container: ContainerSummary, watch: ResourceWatch) -> None:
        super().__init__()
        self.container = container
        self.resource_watch = watch

    def compose(self) -> ComposeResult:
        with Vertical(id="resources-body"):
            yield Static(Text(f"Resources of {self.container.name}", style="bold"))
            for key, _, _, _ in METRICS:
                yield Static(Text(""), id=f"resources-{key}-text")
                yield Sparkline([], id=f"resources-{key}")
            yield Static(Text(""), id="resources-status")
        yield Footer()

    def on_mount(self) -> None:
        self.resource_watch.focus = self.container.id
        self.resource_watch.poke()
        self.redraw()
        self.set_interval(1.0, self.redraw)

    def on_unmount(self) -> None:
        if self.resource_watch.focus == self.container.id:
            self.resource_watch.focus = None

    def redraw(self) -> None:
        reader = self.resource_watch.reader
        history = reader.history_of(self.container.id) if reader is not None else []
        for key, (points, text) in figures(history).items():
            self.query_one(f"#resources-{key}-text", Static).update(Text(text))
            self.query_one(f"#resources-{key}", Sparkline).data = points
        c = self.resource_watch.table.containers.get(self.container.id)
        if c is None or not c.running:
            status = "The container is not running: nothing to read."
        else:
            status = (f"{len(history)} of the last {HISTORY} readings, one every "
                      f"{FOCUS_SECONDS:g} s while this screen is open.")
        if self.resource_watch.last_error:
            status += f" Last read failed: {self.resource_watch.last_error}"
        self.query_one("#resources-status", Static).update(Text(status))
