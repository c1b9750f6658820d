"""Compose projects folded into one row (`z` in the project sort), kept right by live events, and
the lifecycle keys on the folded row acting on every member; the column set that fits the pane."""

from __future__ import annotations

from tests.app.conftest import row_ids, select_container, wait_for
from tests.rig import unique
from tui.app import create_app
from tui.ui.compose_groups import IMPORTANCE, group_key
from tui.ui.containers import COLUMN_KEYS, COLUMN_LABELS
from tui.ui.dialogs import ConfirmScreen
from tui.ui.rows import COMPOSE_PROJECT


def cell(app, key: str, column: str) -> str:
    return app.containers.get_cell(key, column).plain


async def sort_by_project(app, pilot) -> None:
    app.containers.focus()
    while "by project" not in str(app.containers.border_title):
        await pilot.press("O")


async def test_a_folded_project_is_one_row_kept_right_by_events(engine, spec_factory, config):
    config.stop_grace_seconds = 1
    project = unique()
    members = [engine.create_and_start(spec_factory(labels={COMPOSE_PROJECT: project}))
               for _ in range(3)]
    loose = engine.create_and_start(spec_factory())
    ids = [m.id for m in members]
    names = sorted(m.name for m in members)
    folded = group_key(project)
    app = create_app(config)
    async with app.run_test(size=(200, 50)) as pilot:
        table = app.containers
        await wait_for(pilot, lambda: set(ids) | {loose.id} <= set(row_ids(app)), what="the rows")
        await pilot.press("z")  # not sorted by project yet: said, nothing folded
        assert folded not in row_ids(app) and any("Sort by project first" in n.message
                                                  for n in app._notifications)
        await sort_by_project(app, pilot)
        await select_container(app, pilot, ids[1])
        await pilot.press("z")
        assert table.selected_key == folded  # the cursor on the folded row
        rows = row_ids(app)
        assert folded in rows and loose.id in rows and not set(ids) & set(rows)
        assert cell(app, folded, "name") == f"▸ {project} (3: 3 running)"
        assert cell(app, folded, "state") == "3 running"
        assert cell(app, folded, "project") == project

        # A member stopped outside jtui: the engine's events update the counts.
        engine.stop(ids[0], grace=1)
        await wait_for(pilot, lambda: cell(app, folded, "name") == f"▸ {project} (3: 2 running)",
                       timeout=20, what="the count after a member stopped")
        assert cell(app, folded, "state") == "2 running, 1 exited"
        assert not set(ids) & set(row_ids(app))  # still folded

        # One container's actions are refused politely on the folded row; the details line
        # names the members; P opens the project's menu.
        await pilot.press("e")
        assert any("unfold it first (z)" in n.message for n in app._notifications)
        details = str(app.main.details.render())
        assert details.startswith("Compose project of ") and all(n in details for n in names)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="project menu")
        assert project in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="menu closed")

        # s / S on the folded row: every member.
        await pilot.press("s")
        await wait_for(pilot, lambda: cell(app, folded, "state") == "3 exited", timeout=30,
                       what="all members stopped")
        await wait_for(pilot, lambda: table.last_action_result is not None, what="the result")
        assert table.last_action_result[0] == "stop" and sorted(table.last_action_result[1]) == names
        await pilot.press("S")
        await wait_for(pilot, lambda: cell(app, folded, "state") == "3 running", timeout=30,
                       what="all members started")
        assert cell(app, folded, "name") == f"▸ {project} (3: 3 running)"

        # A member removed: two left; z unfolds them, the cursor on the first.
        engine.remove(ids[2], force=True)
        await wait_for(pilot, lambda: cell(app, folded, "name") == f"▸ {project} (2: 2 running)",
                       timeout=20, what="the count after a member went")
        table.select(folded)
        await pilot.press("z")
        rows = row_ids(app)
        assert folded not in rows and ids[0] in rows and ids[1] in rows
        assert table.selected_key in ids[:2]
        # Members sit together, in the project sort's place.
        assert abs(rows.index(ids[0]) - rows.index(ids[1])) == 1

        # Folded again, then every member removed: the folded row goes, and the fold is forgotten.
        await pilot.press("z")
        assert folded in row_ids(app)
        for cid in ids[:2]:
            engine.remove(cid, force=True)
        await wait_for(pilot, lambda: folded not in row_ids(app), timeout=20,
                       what="the folded row to go with its last member")
        assert project not in table.collapsed and loose.id in row_ids(app)


def fits(table) -> bool:
    """Every column shown whole: their widths add up to no more than the pane's inside."""
    used = sum(column.get_render_width(table) for column in table.ordered_columns)
    return used <= table.scrollable_content_region.width


def shown(table) -> list[str]:
    return [key.value for key in table.columns]


def next_would_not_fit(table) -> bool:
    """The most important column left out would not fit whole beside the ones shown."""
    left_out = [key for key in IMPORTANCE if key not in shown(table)]
    if not left_out:
        return True
    used = sum(column.get_render_width(table) for column in table.ordered_columns)
    widths = table.content_widths(COLUMN_LABELS)
    return used + widths[left_out[0]] + 2 > table.size.width - table.styles.scrollbar_size_vertical


async def test_the_columns_that_fit_the_terminal(engine, spec_factory, config):
    labelled = engine.create_and_start(spec_factory(labels={COMPOSE_PROJECT: unique()}))
    app = create_app(config)
    async with app.run_test(size=(300, 50)) as pilot:
        table = app.containers
        await wait_for(pilot, lambda: labelled.id in row_ids(app), what="the row")
        await pilot.pause()
        # A wide terminal: every column, in order (the Project column: a container has the label).
        assert tuple(shown(table)) == COLUMN_KEYS and fits(table)
        rows = len(table.ordered_rows)
        for size in ((200, 50), (80, 24)):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda: len(table.columns) < len(COLUMN_KEYS), what="fewer columns")
            await pilot.pause()
            keys = shown(table)
            # None cut: the most important ones that fit whole, in the pane's order; what is left
            # out goes least important first.
            assert fits(table), [(c.key.value, c.get_render_width(table)) for c in table.ordered_columns]
            assert next_would_not_fit(table), keys
            kept = [key for key in IMPORTANCE if key in keys]
            assert kept == list(IMPORTANCE[:len(kept)]), keys
            assert keys == [key for key in COLUMN_KEYS if key in keys]
            assert keys[:4] == ["mark", "name", "state", "url"], keys
            assert len(table.ordered_rows) == rows
            # The rows keep every cell: one shown again later has its text.
            assert table.get_cell(labelled.id, "image").plain == table.containers[labelled.id].image
        # Wide again: every column back, with its cells.
        await pilot.resize_terminal(300, 50)
        await wait_for(pilot, lambda: len(table.columns) == len(COLUMN_KEYS), what="all columns")
        assert fits(table)
        # A resize that keeps the set does not rebuild the table (the same column objects).
        columns = list(table.ordered_columns)
        await pilot.resize_terminal(320, 50)
        await pilot.pause()
        assert all(a is b for a, b in zip(table.ordered_columns, columns, strict=True))
        assert super(type(table), table).get_cell(labelled.id, "project").plain \
            == table.containers[labelled.id].labels[COMPOSE_PROJECT]
