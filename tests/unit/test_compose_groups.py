"""The folded row of a Compose project and the columns that fit, without a terminal."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.engine import ContainerSummary
from tui.ui.compose_groups import IMPORTANCE, columns_that_fit, group_cells, group_project, state_summary
from tui.ui.containers import COLUMN_KEYS, COLUMN_LABELS


def summary(state: str) -> ContainerSummary:
    return ContainerSummary(id=state, name=f"c-{state}", image="busybox", state=state, status="",
                            created=datetime(2026, 1, 1, tzinfo=UTC), labels={}, ports=())


def test_group_cells_and_key():
    members = [summary("running"), summary("exited"), summary("running")]
    cells = group_cells("web[shop]", members)
    assert len(cells) == len(COLUMN_KEYS)
    assert cells[1].plain == "▸ web[shop] (3: 2 running)"  # markup-like text stays text
    assert cells[2].plain == "2 running, 1 exited" == state_summary(members)
    assert group_project("project:web") == "web" and group_project("abc123") is None


def test_columns_that_fit_drop_the_least_important():
    widths = {key: len(label) for key, label in COLUMN_LABELS.items()}
    assert columns_that_fit(500, widths, True, False) == COLUMN_KEYS
    assert "project" not in columns_that_fit(500, widths, False, False)
    narrow = columns_that_fit(40, widths, True, False)
    kept = [key for key in IMPORTANCE if key in narrow]
    assert kept == list(IMPORTANCE[:len(kept)]) and len(kept) < len(IMPORTANCE)
    assert sum(widths[k] + 2 for k in narrow) <= 40
    # Sorted by project, the Project column comes right after the state.
    assert "project" in columns_that_fit(sum(widths[k] + 2 for k in ("mark", "name", "state", "project")),
                                         widths, True, True)
    assert columns_that_fit(3, widths, True, False) == ("mark", "name")  # never fewer
