"""The containers pane's extra keys against the real engine: p pause, X kill, n rename,
c copy files, P the Compose project menu."""

import os
import subprocess

from textual.widgets import Input, Static

from tests.app.conftest import select_container, wait_for
from tests.engine.test_container_actions import COMPOSE_FILE, TRAPS_TERM
from tests.rig import unique
from tui.app import create_app
from tui.engine.actions import (
    CONFIG_FILES_LABEL,
    PROJECT_LABEL,
    SERVICE_LABEL,
    WORKING_DIR_LABEL,
    compose_command,
)
from tui.ui import container_actions
from tui.ui.dialogs import ConfirmScreen, FormScreen, JobScreen


def form_error(app) -> str:
    return str(app.screen.query_one("#form-error", Static).render())


async def test_pause_kill_rename_keys(engine, spec_factory, config):
    a = engine.create_and_start(spec_factory(command=TRAPS_TERM))
    b = engine.create_and_start(spec_factory())
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        state = lambda cid: app.containers.containers[cid].state  # noqa: E731
        # p on two marked rows pauses both; p again unpauses.
        await select_container(app, pilot, a.id)
        await pilot.press("space")
        await select_container(app, pilot, b.id)
        await pilot.press("space")
        await pilot.press("p")
        await wait_for(pilot, lambda: state(a.id) == "paused" and state(b.id) == "paused", what="paused")
        assert engine.api.inspect_container(b.id)["State"]["Paused"] is True
        assert app.containers.marked == set()
        await select_container(app, pilot, a.id)
        await pilot.press("p")
        await wait_for(pilot, lambda: state(a.id) == "running", what="unpaused")
        assert state(b.id) == "paused"

        # X: a form with SIGKILL ready; a wrong signal is explained; SIGTERM reaches the trap.
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        field = app.screen.query_one("#field-signal", Input)
        assert field.value == "SIGKILL"
        field.value = "SIGFOO"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen) and "'SIGFOO' is not a signal" in form_error(app)
        field.value = ""  # a cleared field is no answer: nothing is killed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen) and "type a signal" in form_error(app)
        field.value = "term"
        await pilot.press("enter")
        await wait_for(pilot, lambda: state(a.id) == "exited", what="killed")
        assert engine.inspect_container(a.id).exit_code == 42
        assert app.containers.last_action_result == ("kill", [a.name], [])

        # n: a taken name and a bad name are refused in the form; a good one renames the row.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        field = app.screen.query_one("#field-name", Input)
        field.value = b.name
        await pilot.press("enter")
        await pilot.pause()
        assert f"a container named '{b.name}' already exists" in form_error(app)
        field.value = "no spaces"
        await pilot.press("enter")
        await pilot.pause()
        assert "letters, digits" in form_error(app)
        new = unique()
        spec_factory(name=new)  # removed under its new name when the test ends
        field.value = new
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.containers.containers[a.id].name == new, what="renamed row")
        assert engine.inspect_container(a.id).name == new


async def test_copy_files_key_both_ways(engine, busybox, config, tmp_path):
    blob = os.urandom(200_000)
    (tmp_path / "upload.bin").write_bytes(blob)
    app = create_app(config)  # the config fixture runs jtui in tmp_path: the default folder
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, busybox.id)
        # Into the container: the local path is typed, the container's folder exists.
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#choice-in")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert app.screen.query_one("#field-source", Input).value == str(tmp_path)
        assert app.screen.query_one("#field-dest", Input).value == "/home/jovyan/work"
        app.screen.query_one("#field-source", Input).value = str(tmp_path / "upload.bin")
        app.screen.query_one("#field-dest", Input).value = "/tmp"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.finished, what="copy in")
        assert app.screen.result.startswith(f"Copied {tmp_path / 'upload.bin'} to /tmp/upload.bin: 1 file(s)")
        await pilot.press("escape")
        # Out again, under another name: byte-identical.
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#choice-out")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        app.screen.query_one("#field-source", Input).value = "/tmp/upload.bin"
        app.screen.query_one("#field-dest", Input).value = str(tmp_path / "back.bin")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.finished, what="copy out")
        assert (tmp_path / "back.bin").read_bytes() == blob
        await pilot.press("escape")
        # The default source /home/jovyan/work does not exist in busybox: said in plain words.
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#choice-out")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.finished, what="failure")
        assert f"There is no file or folder '/home/jovyan/work' in {busybox.name}" in app.screen.result


def _compose_labels(project, service, folder):
    return {PROJECT_LABEL: project, SERVICE_LABEL: service, WORKING_DIR_LABEL: str(folder),
            CONFIG_FILES_LABEL: str(folder / "compose.yml")}


async def test_compose_menu_stops_the_project_as_one(engine, spec_factory, config, tmp_path, monkeypatch):
    project = unique("jtuiproj")
    web = engine.create_and_start(spec_factory(labels=_compose_labels(project, "web", tmp_path)))
    db = engine.create_and_start(spec_factory(labels=_compose_labels(project, "db", tmp_path)))
    other = engine.create_and_start(spec_factory())
    config.stop_grace_seconds = 1  # busybox's sleep ignores SIGTERM: the grace period applies
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        state = lambda cid: app.containers.containers[cid].state  # noqa: E731
        await select_container(app, pilot, other.id)
        await pilot.press("P")
        await wait_for(pilot, lambda: any("not part of a Compose project" in n.message
                                          for n in app._notifications), what="not a project")
        await select_container(app, pilot, web.id)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="project menu")
        body = str(app.screen.query_one("#confirm-body").render())
        assert project in body and web.name in body and db.name in body and other.name not in body
        # Its compose file is not on this machine: no up/down, and the menu says why.
        assert [c[0] for c in app.screen.choices] == ["start", "stop", "restart"]
        assert "not on this machine" in body
        await pilot.click("#choice-stop")
        await wait_for(pilot, lambda: state(web.id) == "exited" and state(db.id) == "exited", what="stopped")
        assert state(other.id) == "running"
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#choice-start")
        await wait_for(pilot, lambda: state(web.id) == "running" and state(db.id) == "running", what="started")
        # Without Compose installed the menu says so (the lookup is replaced: it is installed here).
        monkeypatch.setattr(container_actions, "compose_command", lambda: None)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Docker Compose, which is not installed here" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("escape")


async def test_compose_menu_up_and_down(engine, config, tmp_path):
    command = compose_command()
    assert command is not None, "tests/rig/setup.sh installs docker-compose"
    (tmp_path / "compose.yml").write_text(COMPOSE_FILE)
    project = unique("jtuiproj")
    subprocess.run([*command, "-p", project, "-f", str(tmp_path / "compose.yml"), "up", "-d"],
                   check=True, capture_output=True, cwd=tmp_path, timeout=120)
    members = lambda: [c for c in app.containers.containers.values()  # noqa: E731
                       if c.labels.get(PROJECT_LABEL) == project]
    app = create_app(config)
    try:
        async with app.run_test(size=(170, 50)) as pilot:
            await wait_for(pilot, lambda: len(members()) == 2, timeout=60, what="project rows")
            await select_container(app, pilot, members()[0].id)
            await pilot.press("P")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=30, what="menu")
            assert [c[0] for c in app.screen.choices] == ["start", "stop", "restart", "up", "down"]
            # up on a stopped project starts it again through Compose.
            engine.stop(members()[0].id, grace=0)
            await wait_for(pilot, lambda: "exited" in {c.state for c in members()}, timeout=30, what="one stopped")
            await pilot.click("#choice-up")
            await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.finished,
                           timeout=60, what="up")
            assert app.screen.result == "up: exit code 0", app.screen.lines
            await wait_for(pilot, lambda: {c.state for c in members()} == {"running"}, timeout=60, what="up again")
            await pilot.press("escape")
            await pilot.press("P")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=30, what="menu")
            await pilot.click("#choice-down")
            await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.finished,
                           timeout=60, what="down")
            assert app.screen.result == "down: exit code 0", app.screen.lines
            await wait_for(pilot, lambda: not members(), timeout=60, what="rows gone")
            assert not [c for c in engine.list_containers() if c.labels.get(PROJECT_LABEL) == project]
    finally:
        subprocess.run([*command, "-p", project, "-f", str(tmp_path / "compose.yml"), "down", "-t", "0"],
                       capture_output=True, cwd=tmp_path, timeout=120)
