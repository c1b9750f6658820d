"""The volumes pane (key 4, in the images pane's place): name, size (the engine's disk usage), the
containers that mount it, age; create, remove (refused while a container uses it), prune.

Volumes have no events in the stream jtui watches: the pane reads them when it is shown and after
each of its actions (one `df` and one container list: 25 ms with 200 volumes and 100 containers,
benchmarks/inventory.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer

from .. import humanize
from ..engine.inventory import (
    PrunePlan,
    VolumeInfo,
    create_volume,
    disk_usage,
    list_volumes,
    remove_volume,
)
from ..engine.jobs import Done, Failed, JobEvent
from .dialogs import ConfirmScreen, FormScreen, FormValues
from .jobs import run_in_thread
from .keyed_table import KeyedTable
from .prune_dialogs import ask_and_prune
from .rows import Cells, plain

VOLUME_COLUMNS = (("name", "Volume"), ("size", "Size"), ("users", "In use by"), ("age", "Age"))
COLUMN_KEYS = tuple(key for key, _ in VOLUME_COLUMNS)
STALE_SECONDS = 2.0  # shown again after this long: a read when the pane is shown again


def volume_cells(v: VolumeInfo, now: datetime | None) -> Cells:
    return (plain(v.name, "bold" if v.in_use else ""),
            plain(humanize.size(v.size) if v.size is not None else "?"),
            plain(", ".join(v.users) if v.users else "-", "" if v.users else "dim"),
            plain(humanize.age(v.created, now)))


@dataclass
class VolumesRead(Message):
    volumes: list[VolumeInfo] | None  # None: the read failed (the app has said why)


@dataclass
class VolumePrunePlanned(Message):
    plan: PrunePlan


class VolumeTable(KeyedTable):
    BINDINGS = [
        Binding("n", "create", "New volume", id="volumes-create"),
        Binding("d", "remove", "Remove", id="volumes-remove"),
        Binding("P", "prune", "Prune", id="volumes-prune"),
    ]

    def __init__(self, *, clock: Callable[[], datetime] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.volumes: dict[str, VolumeInfo] = {}
        self._clock = clock
        self._read_at = 0.0
        self._reading = False
        self._again = False
        self._timer: Timer | None = None
        self.reads = 0  # finished reads (tests wait on it)

    def on_mount(self) -> None:
        for key, label in VOLUME_COLUMNS:
            self.add_column(Text(label), key=key)
        self.set_title("[4] Volumes")

    def on_focus(self) -> None:
        if time.monotonic() - self._read_at > STALE_SECONDS:
            self.reload()

    def forget(self) -> None:
        """Another engine was picked: its volumes are read with its first list."""
        self.volumes = {}
        self._read_at = 0.0
        self.apply_rows([], COLUMN_KEYS, keep=None)
        self.set_title("[4] Volumes")

    def containers_changed(self) -> None:
        """A container came or went, so who uses which volume may have changed: read again now
        if shown (at most every STALE_SECONDS: churn must not become a stream of `df` calls),
        else when shown next."""
        if not self.display:
            self._read_at = 0.0
            return
        if self._timer is None:
            delay = max(0.0, self._read_at + STALE_SECONDS - time.monotonic())
            self._timer = self.set_timer(delay, self._timed_reload)

    def _timed_reload(self) -> None:
        self._timer = None
        self.reload()

    def reload(self) -> None:
        engine = self.jtui.engine if self.jtui.connected else None
        if engine is None:
            return
        if self._reading:
            self._again = True  # a read is under way: one more after it, with what changed since
            return
        self._reading = True

        def read() -> None:
            try:
                self.post_message(VolumesRead(list_volumes(engine)))
            except BaseException:
                self.post_message(VolumesRead(None))
                raise

        run_in_thread(self, read, "list the volumes")

    def on_volumes_read(self, message: VolumesRead) -> None:
        self._reading = False
        if self._again:
            self._again = False
            self.reload()
        if message.volumes is None:
            return
        self._read_at = time.monotonic()
        self.reads += 1
        self.volumes = {v.name: v for v in message.volumes}
        now = self._clock() if self._clock else None
        rows = [(v.name, volume_cells(v, now)) for v in message.volumes]
        self.apply_rows(rows, COLUMN_KEYS, keep=self.selected_key)
        total = sum(v.size or 0 for v in message.volumes)
        used = sum(1 for v in message.volumes if v.in_use)
        self.set_title(f"[4] Volumes ({len(rows)} · {used} in use · {humanize.size(total)})")

    @property
    def selected_volume(self) -> VolumeInfo | None:
        return self.volumes.get(self.selected_key or "")

    def _after(self, outcome: Done | Failed) -> None:
        self.reload()

    # --- actions ------------------------------------------------------------------------------
    def action_create(self) -> None:
        engine = self.jtui.require_engine("create a volume")
        if engine is None:
            return

        def chosen(values: FormValues | None) -> None:
            if values is None:
                return
            name = values.get("name", "").strip()

            def job(cancel: threading.Event) -> Iterator[JobEvent]:
                made = create_volume(engine, name)
                yield Done(f"Created the volume {made}.", made)

            self.jtui.run_job(job, "Create a volume", on_outcome=self._after)

        self.app.push_screen(FormScreen("New volume", [("name", "Name", "", "empty: the engine picks one")],
                                        ok="Create", check=_check_name), chosen)

    def action_remove(self) -> None:
        engine = self.jtui.require_engine("remove a volume")
        volume = self.selected_volume
        if engine is None:
            return
        if volume is None:
            self.notify("Select a volume first.", severity="warning")
            return
        if volume.in_use:
            self.notify(f"The volume {volume.name} is in use by {', '.join(volume.users)}: remove "
                        "that container first (stopped containers keep their volumes).",
                        severity="error", title="Volume in use", timeout=8)
            return
        size = humanize.size(volume.size) if volume.size is not None else "size unknown"

        def job(cancel: threading.Event) -> Iterator[JobEvent]:
            remove_volume(engine, volume.name)
            yield Done(f"Removed the volume {volume.name} ({size} freed).")

        def answered(choice: str | None) -> None:
            if choice:
                self.jtui.run_job(job, f"Remove volume {volume.name}", on_outcome=self._after)

        self.app.push_screen(ConfirmScreen(
            "Remove volume", f"Remove the volume {volume.name} ({size})? Its data is deleted for good.",
            [("remove", "Remove", "error")]), answered)

    def action_prune(self) -> None:
        engine = self.jtui.require_engine("prune volumes")
        if engine is None:
            return

        def plan() -> None:
            # What it frees is read from the engine now, not from the rows drawn a while ago.
            self.post_message(VolumePrunePlanned(disk_usage(engine, exact_images=False).plans["volumes"]))

        run_in_thread(self, plan, "read the disk usage")

    def on_volume_prune_planned(self, message: VolumePrunePlanned) -> None:
        engine = self.jtui.require_engine("prune volumes")
        if engine is not None:
            ask_and_prune(self, engine, message.plan, self._after, twice=True)


def _check_name(values: FormValues) -> str | None:
    name = values.get("name", "").strip()
    if name and not all(ch.isalnum() or ch in "_.-" for ch in name):
        return "letters, digits, '_', '.' and '-' only"
    if name and not name[0].isalnum():
        return "a name starts with a letter or a digit"
    return None

