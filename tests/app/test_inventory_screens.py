"""The details screen (i, y), the volumes pane (4) and the disk screen (D) driven by keys against
the real engine."""

from __future__ import annotations

import time

from tests.app.conftest import choose_image, select_container, wait_for
from tests.rig import BUSYBOX, TEST_LABEL, unique
from tui.app import create_app
from tui.engine.inventory import MASK, disk_usage, list_volumes
from tui.ui.details_screen import DetailsScreen
from tui.ui.dialogs import ConfirmScreen, FormScreen
from tui.ui.disk_screen import DiskScreen


def cursor_to(screen: DetailsScreen, section: str, name: str) -> None:
    index = next(i for i, f in enumerate(screen.fields) if f.section == section and f.name == name)
    screen.table.move_cursor(row=screen.table.get_row_index(str(index)))


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_details_screen_copies_the_field_under_the_cursor(engine, spec_factory, config):
    c = engine.create_and_start(spec_factory(environment={"API_TOKEN": "tok-s3cr3t"},
                                             labels={"org.example.team": "data science"}))
    app = create_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_container(app, pilot, c.id)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen) and app.screen.fields,
                       what="details")
        screen = app.screen
        cursor_to(screen, "Labels", "org.example.team")
        await pilot.press("y")
        assert app.clipboard == "data science"
        cursor_to(screen, "Environment", "API_TOKEN")
        await pilot.pause()
        assert "masked" in str(screen.value_view.render())
        await pilot.press("y")
        assert app.clipboard == MASK  # what the row shows, never the secret
        assert "tok-s3cr3t" not in app.clipboard
        # A section header copies the whole section.
        screen.table.move_cursor(row=screen.section_row("Restart"))
        await pilot.press("y")
        assert app.clipboard.startswith("policy: no\n")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailsScreen))

        # The images pane: i shows the layers.
        await pilot.press("2")
        await wait_for(pilot, lambda: app.images.row_count > 0)
        ids = [i.id for i in app.images.images.values() if BUSYBOX in i.tags]
        choose_image(app, ids[0])
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen) and app.screen.fields,
                       what="image details")
        layers = [f for f in app.screen.fields if f.section.startswith("Layers")]
        assert [f.value for f in layers] == ["(no command: imported)"]


async def test_volumes_pane(engine, spec_factory, config):
    used = unique("jtui-vol")
    engine.api.create_volume(used)
    holder = engine.api.create_container(BUSYBOX, name=spec_factory().name, labels={TEST_LABEL: "1"},
                                         host_config=engine.api.create_host_config(binds=[f"{used}:/v"]))
    holder_name = engine.api.inspect_container(holder["Id"])["Name"].lstrip("/")
    app = create_app(config)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.connected, what="connected")
            await pilot.press("4")
            volumes = app.main.volumes
            await wait_for(pilot, lambda: used in volumes.volumes, what="volume rows")
            assert volumes.display and not app.images.display  # in the images pane's place
            assert volumes.volumes[used].users == (holder_name,)

            # Remove is refused while a container (stopped, here) uses it, naming it.
            volumes.move_cursor(row=volumes.get_row_index(used))
            await pilot.press("d")
            await wait_for(pilot, lambda: any(holder_name in n and "in use" in n for n in notes(app)))
            assert not isinstance(app.screen, ConfirmScreen)
            assert used in {v.name for v in list_volumes(engine)}

            # n creates one.
            made = unique("jtui-vol")
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.press(*made, "enter")
            await wait_for(pilot, lambda: made in volumes.volumes, what="created volume")

            # d removes one nobody uses, after a confirmation.
            volumes.move_cursor(row=volumes.get_row_index(made))
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.click("#choice-remove")
            await wait_for(pilot, lambda: made not in volumes.volumes, what="removed volume")

            # P prunes the unused ones after two confirmations; the used one stays.
            spare = unique("jtui-vol")
            engine.api.create_volume(spare)
            await pilot.press("P")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert spare in str(app.screen.query_one("#confirm-body").render())
            await pilot.click("#choice-prune")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                           and app.screen.title_text.startswith("Really"))
            await pilot.click("#choice-really")
            await wait_for(pilot, lambda: spare not in {v.name for v in list_volumes(engine)},
                           what="pruned")
            await wait_for(pilot, lambda: spare not in volumes.volumes and used in volumes.volumes)

            # The container that held it goes: the pane says so by itself (no event for volumes).
            engine.api.remove_container(holder["Id"])
            await wait_for(pilot, lambda: volumes.volumes[used].users == (), what="user gone")

            await pilot.press("2")
            await pilot.pause()
            assert app.images.display and not volumes.display
    finally:
        for c in engine.api.containers(all=True, filters={"volume": used}):
            engine.api.remove_container(c["Id"], force=True)
        engine.api.remove_volume(used)


async def test_disk_screen_prune_says_then_frees(engine, spec_factory, config):
    stopped = engine.api.create_container(BUSYBOX, name=spec_factory().name, labels={TEST_LABEL: "1"},
                                          command=["sh", "-c", "head -c 1500000 /dev/urandom > /blob"])
    engine.start(stopped["Id"])
    deadline = time.monotonic() + 20
    while engine.api.inspect_container(stopped["Id"])["State"]["Status"] != "exited":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    said = disk_usage(engine).plans["containers"]
    app = create_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="connected")
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DiskScreen) and app.screen.reads, what="usage")
        screen = app.screen
        assert screen.table.row_count == 4
        label = str(screen.menu.get_option_at_index(0).prompt)
        assert label == f"Stopped containers: {len(said.items)} to remove, frees {said.frees_text}"
        await pilot.press("enter")  # the first entry: stopped containers
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = str(app.screen.query_one("#confirm-body").render())
        assert f"frees {said.frees_text}" in body
        await pilot.click("#choice-prune")
        await wait_for(pilot, lambda: screen.last_result is not None, what="prune result")
        plan, result = screen.last_result
        assert result.freed == plan.frees == said.frees >= 1_500_000
        assert f"freed {said.frees_text}" in str(screen.status.render())
        await wait_for(pilot, lambda: "nothing to remove" in str(screen.menu.get_option_at_index(0).prompt))
