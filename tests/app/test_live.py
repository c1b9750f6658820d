"""The main screen against the real engine: outside changes appear, logs follow, floods stay bounded."""

import time

from tests.app.conftest import row_ids, wait_for
from tests.rig import BUSYBOX
from tui.app import create_app


async def test_outside_container_appears_changes_and_disappears(engine, spec_factory, config):
    app = create_app(config)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="connection")
        await wait_for(pilot, lambda: app.images.images, what="first list")
        # Created and started "from another terminal": the test's own engine client.
        started = time.monotonic()
        details = engine.create_and_start(spec_factory())
        await wait_for(pilot, lambda: details.id in row_ids(app), what="row to appear")
        appear = time.monotonic() - started
        assert app.containers.containers[details.id].state == "running"
        assert app.containers.containers[details.id].name == details.name
        engine.stop(details.id, grace=0)
        await wait_for(pilot, lambda: app.containers.containers[details.id].state == "exited",
                       what="state change")
        cell = app.containers.get_cell(details.id, "state")
        assert str(cell) == "exited"
        engine.remove(details.id, force=True)
        await wait_for(pilot, lambda: details.id not in row_ids(app), what="row to go")
        assert appear < 2.0, f"an outside change took {appear:.2f}s to reach the screen"


async def test_imported_image_container_renders(engine, busybox, config):
    app = create_app(config)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: busybox.id in row_ids(app), what="busybox row")
        assert str(app.containers.get_cell(busybox.id, "image")) == BUSYBOX
        assert str(app.containers.get_cell(busybox.id, "mark")).strip() == ""  # not Jupyter


async def test_selected_container_logs_follow_and_switch(engine, spec_factory, config):
    a = engine.create_and_start(spec_factory(
        name="aaa-jtui-logs-" + spec_factory().name[-8:],
        command=["sh", "-c", "echo first-a; while true; do echo tick-a; sleep 0.2; done"]))
    b = engine.create_and_start(spec_factory(
        name="aab-jtui-logs-" + spec_factory().name[-8:],
        command=["sh", "-c", "echo only-b >&2; sleep 1000"]))
    app = create_app(config)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: a.id in row_ids(app) and b.id in row_ids(app))
        app.containers.move_cursor(row=app.containers.get_row_index(a.id))
        await wait_for(pilot, lambda: "first-a" in app.log_pane.log_view.lines, what="a's log")
        count = len(app.log_pane.lines)
        await wait_for(pilot, lambda: len(app.log_pane.lines) > count + 2, what="followed lines")
        await pilot.press("j")  # cursor down to b (sorted by name, both running)
        await wait_for(pilot, lambda: "only-b" in app.log_pane.log_view.lines, what="b's stderr")
        assert "first-a" not in app.log_pane.log_view.lines
        assert app.log_pane.container.id == b.id
        # Stopping b ends its stream (the pane says so) instead of hanging.
        engine.stop(b.id, grace=0)
        await wait_for(pilot, lambda: "ended" in app.log_pane.follow_state, what="stream end")


async def test_huge_line_and_flood_stay_bounded_and_responsive(engine, spec_factory, config):
    config.log_max_lines = 1000
    script = ("i=0; while [ $i -lt 50000 ]; do echo flood line $i; i=$((i+1)); done; "
              "head -c 100000 /dev/zero | tr '\\0' y; echo; printf 'junk\\001\\033[31mred\\033[0m\\377\\n'; "
              "sleep 1000")
    d = engine.create_and_start(spec_factory(command=["sh", "-c", script]))
    app = create_app(config)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: d.id in row_ids(app))
        app.containers.move_cursor(row=app.containers.get_row_index(d.id))
        await wait_for(pilot, lambda: any("junk" in l for l in app.log_pane.log_view.lines), timeout=60,
                       what="the lines after the flood")
        assert len(app.log_pane.lines) <= 1000
        assert len(app.log_pane.log_view.lines) <= 1000
        # Keys still answer promptly while the pane is full.
        started = time.monotonic()
        await pilot.press("a")
        await pilot.press("a")
        assert time.monotonic() - started < 2.0
        # The huge line and the binary junk are drawn safely.
        assert "flood line 49999" in app.log_pane.log_view.lines
        junk = next(l for l in app.log_pane.log_view.lines if "junk" in l)
        assert "\x1b" not in junk and "\x01" not in junk and junk.endswith("red\ufffd")
        huge = next(l for l in app.log_pane.log_view.lines if l.startswith("yyyy"))
        assert len(huge) < 10_100 and "+90,000 characters" in huge


async def test_the_age_of_a_young_container_keeps_up_with_the_clock(engine, busybox, config):
    # Seen (tryout): a new container's age read "3s" for 10 s and more (ages were redrawn every
    # 15 s). Under a minute old, they are redrawn every second.
    app = create_app(config)
    async with app.run_test(size=(170, 40)) as pilot:
        await wait_for(pilot, lambda: busybox.id in app.containers._rendered, what="row")
        seen = {str(app.containers.get_cell(busybox.id, "age"))}
        await wait_for(pilot, lambda: seen.add(str(app.containers.get_cell(busybox.id, "age"))) or len(seen) >= 3,
                   timeout=8, what="the age to move on twice")
        assert all(age.endswith("s") for age in seen), seen
