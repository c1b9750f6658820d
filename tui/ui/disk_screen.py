"""The disk screen (`D`): the engine's disk usage as `docker system df` shows it, and a prune menu
whose every entry says what it will free before it runs; after a prune, what was freed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from .. import humanize
from ..engine.inventory import PRUNE_KINDS, DiskUsage, PrunePlan, PruneResult, disk_usage
from ..engine.jobs import Done, Failed
from ..logtext import clean
from ..present import describe_failure
from .jobs import run_in_thread
from .prune_dialogs import ask_and_prune

if TYPE_CHECKING:
    from ..app import JtuiApp

# Prunes that delete data (not just what can be pulled or built again) ask twice.
ASK_TWICE = {"volumes"}


@dataclass
class UsageRead(Message):
    usage: DiskUsage | None
    error: str = ""
    prune: str = ""  # read to ask about this prune


def prune_label(plan: PrunePlan) -> Text:
    count = len(plan.items)
    return Text(f"{plan.title}: {count} to remove, frees {plan.frees_text}" if count
                else f"{plan.title}: nothing to remove")


class DiskScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="disk-close"),
        Binding("r", "reload", "Read again", id="disk-reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.usage: DiskUsage | None = None
        self.last_result: tuple[PrunePlan, PruneResult] | None = None
        self.reads = 0  # finished reads (tests wait on it)
        self.table: DataTable[Text] = DataTable(id="disk-table", cursor_type="none")
        self.menu = OptionList(id="disk-prune")
        self.status = Static("reading the engine's disk usage…", id="disk-status", markup=False)

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="disk-dialog"):
            yield Static("Engine disk usage", classes="dialog-title", markup=False)
            yield self.table
            yield Static("Prune (Enter: says what it removes and asks first)", classes="dim", markup=False)
            yield self.menu
            yield self.status
        yield Footer()

    def on_mount(self) -> None:
        for key, label in (("kind", "Type"), ("count", "Total"), ("active", "Active"),
                           ("size", "Size"), ("free", "Reclaimable")):
            self.table.add_column(Text(label), key=key)
        self.menu.focus()
        self.action_reload()

    def action_reload(self) -> None:
        engine = self.jtui.require_engine("read the disk usage")
        if engine is None:
            return

        def read() -> None:
            try:
                usage = disk_usage(engine)
            except Exception as exc:  # said on this screen: it is what the user opened it for
                self.post_message(UsageRead(None, describe_failure(exc).text))
                return
            self.post_message(UsageRead(usage))

        run_in_thread(self, read, "read the disk usage")

    def on_usage_read(self, message: UsageRead) -> None:
        self.reads += 1
        if message.usage is None:
            self.status.update(Text(clean(f"Could not read the disk usage: {message.error}")))
            return
        self.usage = usage = message.usage
        self.table.clear()
        for row in usage.rows:
            share = f" ({row.reclaimable * 100 // row.size}%)" if row.size else ""
            self.table.add_row(Text(row.kind), Text(str(row.count)), Text(str(row.active)),
                               Text(humanize.size(row.size)),
                               Text(humanize.size(row.reclaimable) + share))
        highlighted = self.menu.highlighted
        self.menu.clear_options()
        self.menu.add_options([Option(prune_label(usage.plans[kind]), id=kind) for kind in PRUNE_KINDS])
        self.menu.highlighted = highlighted if highlighted is not None else 0
        if self.last_result is None:
            self.status.update(Text(f"Reclaimable in all: {humanize.size(usage.reclaimable)}."))
        if message.prune:
            self._ask(usage, message.prune)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        engine = self.jtui.require_engine("prune")
        if engine is None:
            return
        kind = event.option.id or ""

        def read() -> None:
            # The figures are read again now: what is asked must be what runs.
            try:
                usage = disk_usage(engine)
            except Exception as exc:
                self.post_message(UsageRead(None, describe_failure(exc).text))
                return
            self.post_message(UsageRead(usage, prune=kind))

        run_in_thread(self, read, "read the disk usage")

    def _ask(self, usage: DiskUsage, kind: str) -> None:
        engine = self.jtui.require_engine("prune")
        if engine is None or kind not in usage.plans:
            return
        plan = usage.plans[kind]

        def after(outcome: Done | Failed) -> None:
            if isinstance(outcome, Done) and isinstance(outcome.value, PruneResult):
                self.last_result = (plan, outcome.value)
                self.status.update(Text(clean(outcome.summary)))
            elif isinstance(outcome, Failed):
                self.status.update(Text(clean(f"{plan.title}: failed: {outcome.text}")))
            if self.is_attached:
                self.action_reload()

        ask_and_prune(self, engine, plan, after, twice=plan.kind in ASK_TWICE)
