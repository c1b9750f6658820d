"""The project folder in the app, on the real engine: the launch form offers the build from the
folder's requirements.txt (Dockerfile shown), builds, launches and saves the recipe; a changed file
marks the row "image out of date" and U rebuilds and relaunches; started again in the folder, the
app offers the recipe and L fills the form from it."""

from __future__ import annotations

import os
import tomllib

from textual.widgets import Checkbox, Input

from tests.app.conftest import select_container, wait_for
from tests.local_index import LocalIndex, local_index  # noqa: F401 - the fixture
from tests.project_stack import project_stack  # noqa: F401 - the fixture
from tui.app import create_app
from tui.jupyter import project as project_module
from tui.ui.dialogs import ConfirmScreen, JobScreen
from tui.ui.launch_form import LaunchForm


def _version(engine, cid: str) -> str:
    code, out = engine.exec_capture(cid, ["python3", "-c", "import jtui_app_demo as m; print(m.__version__)"])
    assert code == 0, out
    return out.strip()


async def test_build_from_the_folder_rebuild_and_recipe(
        engine, config, tmp_path, monkeypatch, cleanup_containers,
        project_stack, local_index: LocalIndex):  # noqa: F811 - fixtures imported above
    monkeypatch.setattr(project_module, "HASH_MAX_AGE", 0.0)
    for key, value in local_index.pip_env.items():
        monkeypatch.setenv(key, value)
    local_index.add("jtui-app-demo", "1.0")
    local_index.add("jtui-app-demo", "2.0")
    folder = tmp_path  # the config fixture starts the app in tmp_path
    (folder / "requirements.txt").write_text("jtui-app-demo==1.0\n")
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="engine")
        app.main.open_launch_form(app.main.launch_request_for(project_stack, "proj"))
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm) and app.screen.query("#command"),
                       what="form")
        form = app.screen
        assert form.query_one("#folder", Input).value == os.getcwd() == str(folder)
        box = form.query_one("#build_project", Checkbox)
        assert box.display and box.value, "offered, and on by default"
        assert "requirements.txt" in str(box.label)
        shown = str(form.query_one("#dockerfile").render())
        assert "COPY --chown=${NB_UID}:${NB_GID} requirements.txt" in shown
        form.query_one("#save_recipe", Checkbox).value = True
        name = form.query_one("#name", Input).value
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.main.last_launch is not None, timeout=240, what="build + launch")
        first = app.main.last_launch
        cleanup_containers.append(first.container_id)
        assert first.request.image.startswith("jtui-project/")  # launched on the built image
        assert _version(engine, first.container_id) == "1.0"
        saved = tomllib.loads((folder / ".jtui" / "launch.toml").read_text())
        assert saved["build_project"] is True and saved["image"] == project_stack
        assert saved["name"] == name
        assert first.server.token not in (folder / ".jtui" / "launch.toml").read_text()

        # The files change: the row says so, and U rebuilds and relaunches with the same options.
        await select_container(app, pilot, first.container_id)
        assert "out of date" not in str(app.containers.get_cell(first.container_id, "image"))
        (folder / "requirements.txt").write_text("jtui-app-demo==2.0\n")
        # No engine event tells: the app notices the edit itself, within a few seconds.
        await wait_for(pilot, lambda: "image out of date" in str(
            app.containers.get_cell(first.container_id, "image")), what="out-of-date mark")
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        await pilot.click("#choice-rebuild")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen), what="job screen")
        job_screen = app.screen
        await wait_for(pilot, lambda: app.main.last_launch is not first, timeout=240, what="relaunch")
        second = app.main.last_launch
        cleanup_containers.append(second.container_id)
        assert "Step" in "\n".join(job_screen.lines)  # the build's output, live
        assert second.request.name == name and second.request.mounts == first.request.mounts
        assert _version(engine, second.container_id) == "2.0"
        assert not any(c.id == first.container_id for c in engine.list_containers())
        await pilot.press("escape")

    # Started again in the folder: the app offers the recipe, and L fills the form from it.
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="engine")
        assert any("press L" in n.message for n in app._notifications)
        await wait_for(pilot, lambda: second.container_id in app.containers.containers, what="rows")
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm) and app.screen.query("#command"),
                       what="form from the recipe")
        form = app.screen
        assert form.query_one("#image", Input).value == project_stack
        assert form.query_one("#folder", Input).value == str(folder)
        assert form.query_one("#build_project", Checkbox).value is True
        # The saved name is taken (the container runs): the form proposes a free one.
        assert form.query_one("#name", Input).value != name
        # Export for colleagues without jtui: the files land beside the recipe.
        await pilot.click("#export")
        await wait_for(pilot, lambda: (folder / ".jtui" / "run.sh").is_file(), what="exports")
        assert (folder / ".jtui" / "compose.yaml").is_file() and (folder / ".jtui" / "Dockerfile").is_file()
        await pilot.press("escape")
