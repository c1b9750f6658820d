"""What a row shows: cells are bounded (one odd container cannot make a column thousands of
characters wide), never markup, and rows sort the same way whichever path built them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui.engine import ContainerSummary, PortBinding
from tui.ui.containers import COLUMN_KEYS
from tui.ui.rows import MAX_CELL, container_cells, container_sort_key, plain

MANY_PORTS = tuple(PortBinding(8000 + i, "tcp", "127.0.0.1", 40000 + i) for i in range(100))


def test_a_hundred_published_ports_make_a_bounded_cell():
    c = ContainerSummary("x" * 64, "many-ports", "busybox", state="running", ports=MANY_PORTS)
    cells = container_cells(c, jupyter=False, marked=False, url=None, now=None)
    ports = cells[COLUMN_KEYS.index("ports")]
    assert ports.cell_len == MAX_CELL
    assert ports.plain.startswith("127.0.0.1:40000->8000") and ports.plain.endswith("…")
    assert max(cell.cell_len for cell in cells) <= MAX_CELL


@given(st.text(max_size=500), st.integers(min_value=2, max_value=300))
def test_plain_is_bounded_single_line_and_never_markup(value, limit):
    cell = plain(value, limit=limit)
    assert cell.cell_len <= limit * 2  # wide characters count two cells each
    assert len(cell.plain) <= limit
    assert "\n" not in cell.plain and "\x1b" not in cell.plain
    assert not cell.spans  # "[bold]x[/]" stays those characters


def test_markup_in_a_name_is_shown_as_typed():
    c = ContainerSummary("y" * 64, "[red]evil[/red]", "img", state="exited")
    assert container_cells(c, jupyter=False, marked=False, url=None, now=None)[1].plain == "[red]evil[/red]"


def test_rows_sort_running_first_then_by_name_then_id():
    rows = [ContainerSummary("2", "b", "i", state="exited"), ContainerSummary("1", "b", "i", state="exited"),
            ContainerSummary("3", "z", "i", state="running"), ContainerSummary("4", "a", "i", state="odd"),
            ContainerSummary("5", "c", "i", state="created")]
    assert [c.id for c in sorted(rows, key=container_sort_key)] == ["3", "5", "1", "2", "4"]


def test_the_jupyter_cell_says_where_it_stands_without_the_token():
    from tui.ui.rows import jupyter_cell

    token = "4f1c0c5b2b7e4d7f9a3e8d2c1b0a99887766554433221100"
    assert jupyter_cell(f"http://127.0.0.1:8888/lab?token={token}").plain == "ready :8888"
    assert jupyter_cell(f"http://localhost:9000/tree?token={token}").plain == "ready :9000"
    assert jupyter_cell(f"http://10.0.0.5:8888/lab?token={token}").plain == "ready 10.0.0.5:8888"
    assert jupyter_cell(f"http://[::1]:8888/lab?token={token}").plain == "ready :8888"
    assert jupyter_cell("http://127.0.0.1:notaport/lab").plain == "ready 127.0.0.1:notaport"
    assert jupyter_cell("starting…").plain == "starting…"
    assert jupyter_cell("not answering").plain == "not answering"
    assert jupyter_cell(None).plain == jupyter_cell("").plain == ""
