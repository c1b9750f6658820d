"""Resource use against the real engine: CPU % and memory columns within the expected ranges,
the sort key, the resources screen, and the OOM mark of a container killed for memory."""

from __future__ import annotations

from textual.widgets import Sparkline

from tests.app.conftest import row_ids, select_container, wait_for
from tui.app import create_app
from tui.ui.resources_screen import ResourcesScreen

BUSY_LOOP = ["sh", "-c", "while :; do :; done"]
# dd holds its 60 MiB block while the pipe's reader (sleep) never reads: anonymous memory.
HOLD_60_MIB = ["sh", "-c", "dd if=/dev/zero bs=60M count=1 | sleep 100000"]
# A 200 MiB block in a 32 MiB container (swap or not): the kernel kills dd, the container's PID 1.
ALLOCATE_200_MIB = ["dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1"]
# The same in a child of the container's shell: dd is killed, the container runs on.
CHILD_ALLOCATES = ["sh", "-c", "sleep 1; dd if=/dev/zero of=/dev/null bs=200M count=1; sleep 100000"]
MIB = 2**20


def cell(app, cid: str, column: str) -> str:
    return app.containers.get_cell(cid, column).plain


async def test_cpu_and_memory_columns_sort_and_resources_screen(engine, spec_factory, config):
    busy = engine.create_and_start(spec_factory(command=BUSY_LOOP, memory="256m"))
    holder = engine.create_and_start(spec_factory(command=HOLD_60_MIB))
    idle = engine.create_and_start(spec_factory(command=["sleep", "100000"]))
    app = create_app(config)
    async with app.run_test(size=(200, 50)) as pilot:
        table = app.containers
        usage = table.resources.usage
        ids = (busy.id, holder.id, idle.id)
        # CPU % needs two readings (a one-shot reply has nothing to compare with).
        await wait_for(pilot, lambda: all(cid in usage and usage[cid].cpu_percent is not None
                                          for cid in ids), timeout=30, what="two readings of each")
        await pilot.pause()
        cpu = {cid: usage[cid].cpu_percent for cid in ids}
        # A busy loop on this 2-core machine shared with other work: most of one core when the
        # machine is quiet, less under load; never more than the one core a shell loop can use.
        assert 10.0 <= cpu[busy.id] <= 110.0, cpu
        assert cpu[idle.id] < 5.0 and cpu[holder.id] < 5.0, cpu
        assert float(cell(app, busy.id, "cpu")) == round(cpu[busy.id], 1)
        # 60 MiB held, plus a few hundred KiB of shell and sleep; docker's own limit of 256m.
        assert 60 * MIB <= usage[holder.id].memory_used <= 70 * MIB
        assert usage[busy.id].memory_limit == 256 * MIB
        assert cell(app, busy.id, "mem").endswith(" / 256MiB")
        assert cell(app, holder.id, "mem").startswith("6") and "MiB / " in cell(app, holder.id, "mem")
        assert usage[idle.id].memory_used < 5 * MIB

        # O cycles the sort: state, name, CPU, memory... and the pane title says which.
        await pilot.press("O")
        assert "by name" in str(table.border_title)
        names = [table.containers[cid].name for cid in row_ids(app)]
        assert names == sorted(names, key=str.lower)
        await pilot.press("O")
        assert "by CPU" in str(table.border_title)
        await wait_for(pilot, lambda: row_ids(app)[0] == busy.id, what="the busy loop on top")
        await pilot.press("O")
        assert "by memory" in str(table.border_title)
        await wait_for(pilot, lambda: row_ids(app)[0] == holder.id, what="the 60 MiB holder on top")
        for _ in range(3):  # age, project, back to state
            await pilot.press("O")
        assert "by " not in str(table.border_title)

        # t: the resources screen of the selected container, its history growing.
        await select_container(app, pilot, busy.id)
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, ResourcesScreen)
        reader = table.resources.reader
        before = len(reader.history_of(busy.id))
        await wait_for(pilot, lambda: len(reader.history_of(busy.id)) >= before + 2, timeout=15,
                       what="two more readings while the screen is open")
        await pilot.pause(1.1)  # the screen redraws once a second
        assert len(screen.query_one("#resources-cpu", Sparkline).data) >= 2
        text = str(screen.query_one("#resources-cpu-text").render())
        assert text.startswith("CPU: ") and "%" in text
        assert "/ 256MiB" in str(screen.query_one("#resources-mem-text").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, ResourcesScreen)
        assert table.resources.focus is None


async def test_a_container_killed_for_memory_shows_the_oom_mark(engine, spec_factory, config):
    # One killed before jtui starts (the list call does not say OOM: jtui asks once), one after
    # (the engine's oom event).
    before = engine.create_and_start(spec_factory(command=ALLOCATE_200_MIB, memory="32m"))
    engine.api.wait(before.id, timeout=30)
    assert engine.api.inspect_container(before.id)["State"]["OOMKilled"] is True
    app = create_app(config)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, lambda: before.id in row_ids(app), what="the first row")
        await wait_for(pilot, lambda: cell(app, before.id, "state") == "OOM killed", timeout=10,
                       what="the OOM mark of the container killed before jtui started")
        assert cell(app, before.id, "mem") == "limit 32MiB"
        after = engine.create_and_start(spec_factory(command=ALLOCATE_200_MIB, memory="32m"))
        await wait_for(pilot, lambda: after.id in row_ids(app)
                       and cell(app, after.id, "state") == "OOM killed", timeout=30,
                       what="the OOM mark from the engine's event")
        assert cell(app, after.id, "mem") == "limit 32MiB"
        assert cell(app, before.id, "state") == "OOM killed"
        assert app.containers.resources.oom == {before.id: 32 * MIB, after.id: 32 * MIB}
        # A process killed inside a container that runs on: the engine's oom event marks it.
        child = engine.create_and_start(spec_factory(command=CHILD_ALLOCATES, memory="32m"))
        await wait_for(pilot, lambda: child.id in row_ids(app)
                       and cell(app, child.id, "state") == "running · OOM", timeout=30,
                       what="the OOM mark of a running container")
        assert engine.api.inspect_container(child.id)["State"]["Running"] is True


async def test_quiet_rows_rest_and_busy_rows_are_read_every_round(engine, spec_factory, config):
    """Readings cost the engine: a row that stays quiet is read less and less often (issue 14:
    an idle screen costs the engine nothing), while a busy one is read every round."""
    busy = engine.create_and_start(spec_factory(command=BUSY_LOOP))
    idle = engine.create_and_start(spec_factory(command=["sleep", "100000"]))
    app = create_app(config)
    async with app.run_test(size=(200, 50)) as pilot:
        table = app.containers
        usage = table.resources.usage
        await wait_for(pilot, lambda: all(cid in usage and usage[cid].cpu_percent is not None
                                          for cid in (busy.id, idle.id)), timeout=30,
                       what="two readings of each")
        reader = table.resources.reader
        before = {cid: len(reader.history_of(cid)) for cid in (busy.id, idle.id)}
        await pilot.pause(13)
        read = {cid: len(reader.history_of(cid)) - before[cid] for cid in (busy.id, idle.id)}
        # Rounds every 3 s: the busy loop 3-5 times in 13 s; the idle one rests 6 s, then 12 s.
        assert read[busy.id] >= 3, read
        assert read[idle.id] <= 2, read
        # A quiet row scrolled to (here: selected) after a long rest is read again within 12 s.
        await select_container(app, pilot, idle.id)
        seen = len(reader.history_of(idle.id))
        await wait_for(pilot, lambda: len(reader.history_of(idle.id)) > seen, timeout=15,
                       what="the selected idle row read again")
