"""The details screen (`i`): a container's inspect or an image's layers as a table of field/value
rows under section headers, the whole value of the row under the cursor below it, and `y` to copy.

Masked values (environment variables named like a KEY, TOKEN, SECRET or PASSWORD) stay masked when
copied: what `y` copies is what the row shows, so a secret never reaches the clipboard (nor OSC 52,
tmux's buffers or a clipboard history) by a key pressed on the wrong row. Whoever needs the value
has `docker inspect` or `e` (a shell) and knows they asked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ..engine.inventory import Field
from ..logtext import clean, display_text
from ..present import describe_failure
from .jobs import run_in_thread

if TYPE_CHECKING:
    from ..app import JtuiApp

NAME_WIDTH = 28  # characters of a field's name in the table (the value below shows all)
VALUE_WIDTH = 400  # characters of a value drawn in its cell; the whole value is shown below
SECTION = "section:"


@dataclass
class FieldsLoaded(Message):
    """The fields arrived (or why they could not be read)."""

    fields: list[Field]
    error: str = ""


def field_cells(f: Field) -> tuple[Text, Text]:
    """A field as two one-line cells: engine text, never markup, no escape sequences."""
    name = display_text(f.name, NAME_WIDTH)
    value = display_text(f.value, VALUE_WIDTH)
    return (Text(name, no_wrap=True),
            Text(value, style="italic" if f.secret else "", no_wrap=True))


def section_text(fields: list[Field], section: str) -> str:
    """A section as copied from its header row: one `name: value` line per field."""
    return "\n".join(f"{f.name.strip()}: {f.copied}" for f in fields if f.section == section)


class FieldTable(DataTable[Text]):
    """Field/value rows; moves with j/k as the main tables do."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]


class DetailsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,i", "dismiss", "Close", id="details-close"),
        Binding("y", "copy_field", "Copy field", id="details-copy"),
    ]

    def __init__(self, title: str, load: Callable[[], list[Field]]) -> None:
        super().__init__()
        self.title_text = title
        self._load = load
        self.fields: list[Field] = []
        self.sections: dict[str, str] = {}  # row key of a section header -> its section
        self.table = FieldTable(id="details-table", cursor_type="row")
        self.value_view = Static("reading…", id="details-value", markup=False)

    @property
    def jtui(self) -> JtuiApp:
        return cast("JtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="details-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield self.table
            with VerticalScroll(id="details-value-box"):
                yield self.value_view
        yield Footer()

    def on_mount(self) -> None:
        self.table.add_column(Text("Field"), key="field")
        self.table.add_column(Text("Value"), key="value")
        self.table.focus()
        load = self._load

        def work() -> None:
            try:
                fields = load()
            except Exception as exc:  # shown in the screen itself: it is what the user asked for
                self.post_message(FieldsLoaded([], describe_failure(exc).text))
                return
            self.post_message(FieldsLoaded(fields))

        run_in_thread(self, work, "read the details")

    def on_fields_loaded(self, message: FieldsLoaded) -> None:
        if message.error:
            self.value_view.update(Text(clean(f"Could not read the details: {message.error}")))
            return
        self.fields = message.fields
        section = None
        with self.app.batch_update():
            for index, f in enumerate(self.fields):
                if f.section != section:
                    section = f.section
                    # Keyed by place, not name: a section may come back further down.
                    key = f"{SECTION}{index}"
                    self.sections[key] = section
                    self.table.add_row(Text("▸ " + display_text(section, NAME_WIDTH), style="bold"),
                                       Text(""), key=key)
                self.table.add_row(*field_cells(f), key=str(index))
        if len(self.fields):
            self.table.move_cursor(row=1, animate=False)
        self._show_value()

    def selected(self) -> tuple[Field | None, str | None]:
        """The field under the cursor, or the section whose header it is on."""
        if not self.table.row_count:
            return None, None
        key = self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value or ""
        if key in self.sections:
            return None, self.sections[key]
        return self.fields[int(key)], None

    def section_row(self, section: str) -> int:
        """Where a section's (first) header is."""
        key = next(k for k, name in self.sections.items() if name == section)
        return self.table.get_row_index(key)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_value()

    def _show_value(self) -> None:
        f, section = self.selected()
        if section is not None:
            text = f"{section}: y copies the whole section."
        elif f is None:
            text = ""
        else:
            text = f"{f.name.strip()}: {f.value}"
            if f.secret:
                text += ("\n(masked: its name says it is a secret. y copies the mask; "
                         "docker inspect shows the value.)")
        self.value_view.update(Text(clean(text)))

    def action_copy_field(self) -> None:
        f, section = self.selected()
        if section is not None:
            self.jtui.copy_text(section_text(self.fields, section), f"section {section}")
        elif f is not None:
            self.jtui.copy_text(f.copied, f"{f.name.strip()} field" + (" (masked)" if f.secret else ""))
