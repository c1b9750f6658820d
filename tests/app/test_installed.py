"""Keep what I installed, against the real engine and a real JupyterLab: pip-install a wheel the
test made through `x`, find exactly it, pin it in the launch folder, build an image from the pins
(through the container's own pip index settings), relaunch on it with the same folder and port."""

import json
import os
import time
import urllib.request

import pytest
from textual.widgets import Button, Input

from tests.app.conftest import select_container, wait_for
from tests.local_index import local_index  # noqa: F401 - the fixture
from tests.rig import STACK, unique
from tui.app import create_app
from tui.jupyter.installed import Package
from tui.jupyter.launch import WORK_DIR
from tui.ui.dialogs import ConfirmScreen, FormScreen, JobScreen
from tui.ui.installed_screen import InstalledScreen
from tui.ui.launch_form import LaunchForm

PACKAGE = "jtui-kept-demo"


def _put_file(url: str, path: str, text: str) -> int:
    base, token = url.split("/lab?token=")
    body = json.dumps({"type": "file", "format": "text", "content": text}).encode()
    req = urllib.request.Request(f"{base}/api/contents/{path}", data=body, method="PUT", headers={
        "Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


# 0: a host user who is root (the stacks' root recipe: the container runs as root); 1000: the
# stacks' own user (no "run as my user": the container runs as jovyan).
@pytest.mark.parametrize("host_uid", [0, 1000])
async def test_keep_what_i_installed_pins_builds_and_relaunches(engine, config, tmp_path, monkeypatch,
                                                                local_index, host_uid):  # noqa: F811
    monkeypatch.setattr("tui.ui.main_screen.host_ids", lambda: (host_uid, host_uid))
    local_index.add(PACKAGE, "1.0", "ANSWER = 42\n")
    folder = tmp_path / "project"
    folder.mkdir()
    if os.geteuid() == 0:
        os.chown(folder, host_uid, host_uid)  # the user's own folder
    else:
        folder.chmod(0o777)
    tag = f"{unique('jtui-test/kept')}:1"
    names: list[str] = []
    app = create_app(config)
    try:
        async with app.run_test(size=(170, 50)) as pilot:
            await wait_for(pilot, lambda: app.connected, what="engine")
            # Launch the stack with the index settings, as a user with a private index would.
            app.main.open_launch_form(app.main.launch_request_for(STACK, "kept"))
            await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm)
                           and bool(app.screen.query("#name")), what="form")
            form = app.screen
            name = form.query_one("#name", Input).value
            names.append(name)
            form.query_one("#folder", Input).value = str(folder)
            form.query_one("#env", Input).value = " ".join(
                f"{k}={v}" for k, v in local_index.pip_env.items())
            await pilot.pause()
            assert form.problems == {}
            await pilot.press("ctrl+l")
            await wait_for(pilot, lambda: app.main.last_launch is not None, timeout=120,
                           what="launch")
            first = app.main.last_launch
            assert first.request.run_as_user is (host_uid != 1000)
            old_id, port = first.container_id, first.server.port
            # A file in the notebook folder, written through Jupyter before the relaunch.
            assert _put_file(first.server.url, "before.txt", "kept\n") == 201
            assert (folder / "before.txt").read_text() == "kept\n"

            # pip install through `x`, as a user would.
            await select_container(app, pilot, old_id)
            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="command form")
            app.screen.query_one("#field-command", Input).value = f"pip install {PACKAGE}"
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, JobScreen), what="output")
            install = app.screen
            await wait_for(pilot, lambda: install.finished, timeout=120, what="pip install")
            assert install.result == "exit code 0", install.lines
            await pilot.press("escape")

            # Keep what I installed: exactly the one wheel, nothing else.
            started = time.monotonic()
            await pilot.press("I")
            await wait_for(pilot, lambda: isinstance(app.screen, InstalledScreen), what="screen")
            screen = app.screen
            await wait_for(pilot, lambda: screen.found is not None or screen.failure, timeout=120,
                           what="comparison")
            diff_seconds = time.monotonic() - started
            assert screen.failure == ""
            assert screen.found.packages == [Package("pip", PACKAGE, "1.0")]
            assert screen.found.folder == str(folder)
            assert screen.found.build_args == local_index.pip_env
            shown = str(screen.query_one("#installed-list").render())
            assert PACKAGE in shown and "1.0 (added)" in shown
            assert "reproducible" in str(screen.query_one("#installed-why").render())

            # (a) pins in the launch folder; a second write asks before it changes the file.
            await pilot.press("w")
            await wait_for(pilot, lambda: (folder / "requirements.txt").exists(), what="pins")
            pins = (folder / "requirements.txt").read_text()
            assert [l for l in pins.splitlines() if not l.startswith("#")] == [f"{PACKAGE}==1.0"]
            assert not (folder / "environment.yml").exists()  # no conda packages were added
            (folder / "requirements.txt").write_text("numpy\n")  # the user's own file
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="merge question")
            assert f"+ {PACKAGE}==1.0" in str(app.screen.query_one("#confirm-body").render())
            assert (folder / "requirements.txt").read_text() == "numpy\n"  # not before the answer
            app.screen.query_one("#choice-merge", Button).press()
            await wait_for(pilot, lambda: app.screen is screen, what="back")
            assert (folder / "requirements.txt").read_text() == f"numpy\n{PACKAGE}==1.0\n"

            # (b) build an image from the pins, through the container's pip index.
            screen.query_one("#installed-tag", Input).value = tag
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, JobScreen), what="build output")
            build = app.screen
            await wait_for(pilot, lambda: build.finished, timeout=300, what="build")
            assert build.result.startswith(f"Built {tag}"), build.lines
            assert "ARG PIP_INDEX_URL" in build.lines
            await pilot.press("escape")
            assert screen.built_tag == tag and engine.image_exists(tag)
            build_seconds = screen.build_seconds

            # (c) relaunch on it: confirmation, the old one goes, the new one takes its place.
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="relaunch question")
            body = str(app.screen.query_one("#confirm-body").render())
            assert f"port {port}" in body and str(folder) in body
            app.screen.query_one("#choice-relaunch", Button).press()
            try:
                await wait_for(pilot, lambda: app.main.last_launch is not first, timeout=180,
                               what="relaunch")
            except AssertionError:
                shown = app.screen.query("#status")
                raise AssertionError(f"no relaunch: {app.screen!r} "
                                     f"{shown.first().render() if shown else ''} "
                                     f"{[n.message for n in app._notifications]}") from None
            second = app.main.last_launch
            assert second.request.image == tag and second.request.name == name
            assert second.server.port == port
            details = engine.inspect_container(second.container_id)
            assert (str(folder), WORK_DIR) in details.mounts
            assert all(c.id != old_id for c in engine.list_containers())
            code, out = engine.exec_capture(
                second.container_id, ["python", "-c", "import jtui_kept_demo as m; print(m.ANSWER)"])
            assert (code, out.strip()) == (0, "42")
            code, out = engine.exec_capture(second.container_id, ["cat", f"{WORK_DIR}/before.txt"])
            assert (code, out) == (0, "kept\n")
            print(f"keep what I installed: diff {diff_seconds:.1f}s "
                  f"(in the screen {screen.found.seconds:.1f}s), build {build_seconds:.1f}s")
    finally:
        for c in engine.list_containers():
            if c.name in names:
                engine.remove(c.id, force=True)
        try:
            engine.remove_image(tag, force=True)
        except Exception:
            pass
