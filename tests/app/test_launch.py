"""Launching a Jupyter stack through the app, against the real engine, the rig's registry and a
real JupyterLab: form, pull, start, readiness, URL, token, files in the mount, clipboard."""

import json
import time
import urllib.error
import urllib.request

import pytest
from textual.widgets import Checkbox, Input

from tests.app.conftest import choose_image, row_ids, wait_for
from tests.conftest import free_port
from tests.rig import REGISTRY
from tui.app import create_app
from tui.jupyter.launch import LaunchRequest
from tui.jupyter.launcher import launch
from tui.logsetup import setup_logging, teardown_logging
from tui.ui.launch_form import LaunchForm

STACK_REF = f"{REGISTRY}/jupyter/base-notebook:latest"


def _http(url, headers=None, method="GET", body=None):
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=body)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.geturl()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), url


@pytest.fixture
def launch_config(config):
    config.registry = f"{REGISTRY}/jupyter"
    return config


@pytest.fixture
def tidy(engine):
    """Remove what a launch created (jtui labels its containers; tests add theirs by name)."""
    names: list[str] = []
    yield names
    for c in engine.list_containers():
        if c.name in names:
            engine.remove(c.id, force=True)


def _forget_stack(engine):
    """Make the stack "not pulled" so it shows as a catalog entry and a launch pulls it."""
    try:
        engine.remove_image(STACK_REF)
    except Exception:
        pass


async def _open_form_on_catalog(app, pilot, engine, stack="base-notebook") -> LaunchForm:
    _forget_stack(engine)
    await wait_for(pilot, lambda: app.connected and f"catalog:{stack}" in app.images._rendered,
                   what="catalog entry")
    await pilot.press("2")
    choose_image(app, f"catalog:{stack}")
    await pilot.press("l")
    await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm), what="form")
    return app.screen


async def _set(pilot, form, wid, value):
    box = form.query_one(f"#{wid}", Input)
    box.value = value
    await pilot.pause()


async def test_launch_flow_end_to_end(engine, launch_config, tmp_path, monkeypatch, tidy, request):
    # A host user that is not uid 1000, so "run as my user" has something to prove.
    monkeypatch.setattr("tui.ui.main_screen.host_ids", lambda: (4321, 4321))
    # The log file as the CLI sets it up, at its most talkative: the token must never reach it.
    monkeypatch.setenv("JTUI_LOG_DIR", str(tmp_path / "logs"))
    log_file = setup_logging(debug=True)
    request.addfinalizer(teardown_logging)
    folder = tmp_path / "notebooks"
    app = create_app(launch_config)
    async with app.run_test(size=(170, 50)) as pilot:
        form = await _open_form_on_catalog(app, pilot, engine)
        assert form.query_one("#image", Input).value == STACK_REF
        name = form.query_one("#name", Input).value
        assert name == "base-notebook-1" or name.startswith("base-notebook-")
        tidy.append(name)
        port = int(form.query_one("#port", Input).value)
        assert port >= 8888
        assert form.query_one("#run_as_user", Checkbox).value is True
        await _set(pilot, form, "folder", str(folder))
        assert "does not exist" in form.problems["folder"]
        assert form.query_one("#launch").disabled
        form.query_one("#create_folders", Checkbox).value = True
        await pilot.pause()
        assert form.problems == {}
        command = str(form.query_one("#command").render())
        assert f"-p 127.0.0.1:{port}:8888" in command and "secrets.token_hex" in command
        started = time.monotonic()
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.main.last_launch is not None, timeout=120, what="launch to finish")
        assert not isinstance(app.screen, LaunchForm)
        assert form.progress_fraction == 1.0  # the pull's bar reached 100%
        assert engine.image_exists(STACK_REF)
        assert form.failure == ""
        took = time.monotonic() - started
        cid = app.main.last_launch.container_id
        url = app.servers.get(cid).url
        assert url.startswith(f"http://127.0.0.1:{port}/lab?token=") and len(url.split("token=")[1]) == 48
        assert str(app.containers.get_cell(cid, "url")) == f"ready :{port}"
        assert url in str(app.main.details.render())

        # The URL works with the token and is refused without it.
        status, body, _ = _http(url)
        assert status == 200 and "JupyterLab" in body
        token = url.split("token=")[1]
        assert _http(f"http://127.0.0.1:{port}/api/contents")[0] in (401, 403)
        assert _http(f"http://127.0.0.1:{port}/api/contents",
                     {"Authorization": f"token {token}"})[0] == 200
        # A notebook created through Jupyter lands in the host folder, owned by "my" uid.
        nb = json.dumps({"type": "notebook"}).encode()
        status, _, _ = _http(f"http://127.0.0.1:{port}/api/contents/Example.ipynb", {
            "Authorization": f"token {token}", "Content-Type": "application/json"}, "PUT", nb)
        assert status == 201
        assert (folder / "Example.ipynb").stat().st_uid == 4321

        # One key copies it.
        await pilot.press("1")
        await pilot.press("u")
        assert app.clipboard == url
        # The token is in no log or state file jtui wrote.
        state = tmp_path / "state"
        for path in state.rglob("*"):
            if path.is_file():
                assert token not in path.read_text(errors="replace")
        logged = log_file.read_text()
        assert "connected to" in logged and token not in logged
        recent = json.loads((state / "recent-launches.json").read_text())
        assert recent[0]["name"] == name and recent[0]["image"] == STACK_REF
        # Security by default: published on 127.0.0.1 only.
        raw = engine.api.inspect_container(cid)
        assert raw["HostConfig"]["PortBindings"]["8888/tcp"][0]["HostIp"] == "127.0.0.1"
        print(f"launch -> ready URL: {took:.1f}s")
        # Stop leaves it stopped (the stacks' start script shuts Jupyter down on SIGTERM).
        app.containers.move_cursor(row=app.containers.get_row_index(cid))
        await pilot.press("s")
        await wait_for(pilot, lambda: app.containers.containers[cid].state == "exited", timeout=40,
                       what="stopped")
        assert engine.inspect_container(cid).state == "exited"
        assert app.servers.get(cid) is None  # no stale URL for a stopped server


async def test_gpu_on_a_stack_without_a_cuda_tag_is_explained(engine, launch_config):
    app = create_app(launch_config)
    async with app.run_test(size=(170, 50)) as pilot:
        form = await _open_form_on_catalog(app, pilot, engine)
        await _set(pilot, form, "image", "quay.io/jupyter/pytorch-notebook:2025-10-20")
        form.query_one("#gpu", Checkbox).value = True
        await pilot.pause()
        assert "cuda12-2025-10-20" in str(form.query_one("#warning").render())
        await _set(pilot, form, "image", "quay.io/jupyter/pytorch-notebook:cuda12-2025-10-20")
        assert "CUDA tag" not in str(form.query_one("#warning").render())
        assert "--gpus all" in str(form.query_one("#command").render())


async def test_recent_launch_is_relaunched_with_a_new_name(engine, launch_config, busybox, tmp_path):
    from tui.config import state_dir
    from tui.jupyter.recent import RecentLaunches
    from tui.ui.recent_screen import RecentScreen
    RecentLaunches(state_dir()).remember(LaunchRequest(
        image=STACK_REF, name=busybox.name, host_port=None, mode="notebook",
        mounts=[(str(tmp_path), "/home/jovyan/work")], environment={"A": "1", "MY_TOKEN": "x"}))
    saved = (state_dir() / "recent-launches.json").read_text()
    assert "MY_TOKEN" not in saved  # secrets-looking variables are not remembered
    app = create_app(launch_config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected and busybox.id in row_ids(app))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RecentScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm))
        form = app.screen
        assert form.query_one("#image", Input).value == STACK_REF
        assert form.query_one("#folder", Input).value == str(tmp_path)
        assert form.query_one("#mode").value == "notebook"
        assert form.query_one("#env", Input).value == "A=1"
        name = form.query_one("#name", Input).value
        assert name != busybox.name and "name" not in form.problems


async def test_launch_refuses_invalid_fields_with_reasons(engine, launch_config, busybox, held_port):
    app = create_app(launch_config)
    async with app.run_test(size=(170, 50)) as pilot:
        form = await _open_form_on_catalog(app, pilot, engine)
        await _set(pilot, form, "port", str(held_port))
        assert f"port {held_port} is in use" in form.problems["port"]
        assert "is free" in form.problems["port"]
        await _set(pilot, form, "name", busybox.name)
        assert "exists" in form.problems["name"]
        await _set(pilot, form, "name", "bad name!")
        assert "letters, digits" in form.problems["name"]
        await _set(pilot, form, "folder", "relative/path")
        assert "absolute" in form.problems["folder"]
        await _set(pilot, form, "env", "NOEQUALS")
        assert "KEY=value" in form.problems["env"]
        await _set(pilot, form, "env", "JUPYTER_TOKEN=abc")
        assert "set by jtui" in form.problems["env"]
        await _set(pilot, form, "port", "99999")
        assert "1 to 65535" in form.problems["port"]
        assert form.query_one("#launch").disabled
        await pilot.press("ctrl+l")
        assert "Cannot launch yet" in str(form.query_one("#status").render())
        assert isinstance(app.screen, LaunchForm)
        await pilot.press("escape")
        assert not isinstance(app.screen, LaunchForm)


async def _launch_expecting_failure(app, pilot, engine, edits):
    form = await _open_form_on_catalog(app, pilot, engine)
    name = form.query_one("#name", Input).value
    for wid, value in edits.items():
        if isinstance(value, bool):
            form.query_one(f"#{wid}", Checkbox).value = value
            await pilot.pause()
        else:
            await _set(pilot, form, wid, value)
    assert form.problems == {}, form.problems
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: form.failure != "", timeout=90, what="the failure")
    assert isinstance(app.screen, LaunchForm), "the form stays open with the user's input"
    return form, name


async def test_launch_errors_show_in_the_form_and_leave_nothing(engine, launch_config, tmp_path, tidy):
    app = create_app(launch_config)
    async with app.run_test(size=(170, 50)) as pilot:
        before = {c.id for c in engine.list_containers()}
        form, _ = await _launch_expecting_failure(
            app, pilot, engine, {"folder": str(tmp_path), "image": f"{REGISTRY}/jupyter/base-notebook:no-such-tag"})
        assert "tag" in form.failure.lower()
        assert "tag" in str(form.query_one("#error-image").render()).lower()
        await pilot.press("escape")

        form, _ = await _launch_expecting_failure(app, pilot, engine, {"folder": str(tmp_path), "gpu": True})
        assert "NVIDIA" in form.failure
        await pilot.press("escape")

        form, _ = await _launch_expecting_failure(
            app, pilot, engine, {"folder": str(tmp_path), "env": "NOTEBOOK_ARGS=--no-such-option"})
        assert "exited with code" in form.failure
        assert "unrecognized arguments: --no-such-option" in form.failure
        await pilot.press("escape")
        assert {c.id for c in engine.list_containers()} == before, "a failed launch left a container"


def test_engine_mapped_errors_without_the_form(engine, busybox, held_port, tmp_path, spec_factory):
    """Checks before launch can be raced (port taken in between): the engine's answer is mapped too."""
    from tui.engine import BindSourceMissing, NameInUse, PortInUse
    base = dict(image="jtui-test/minimal-notebook:latest", mounts=[(str(tmp_path), "/home/jovyan/work")])
    before = {c.id for c in engine.list_containers()}
    with pytest.raises(PortInUse) as err:
        list(launch(engine, LaunchRequest(name="jtui-test-port", host_port=held_port, **base)))
    assert err.value.port == held_port
    with pytest.raises(NameInUse):
        list(launch(engine, LaunchRequest(name=busybox.name, **base)))
    with pytest.raises(BindSourceMissing):
        list(launch(engine, LaunchRequest(name="jtui-test-missing", image=base["image"],
                                          mounts=[(str(tmp_path / "nope"), "/home/jovyan/work")])))
    assert {c.id for c in engine.list_containers()} == before


def test_another_server_on_the_port_is_not_mistaken_for_ours(engine, spec_factory, tmp_path):
    """A Jupyter with another token answers on the port: readiness must say so, not report success."""
    from tui.jupyter.server import JupyterServer, NotOurServer, probe, wait_ready
    port = free_port()
    other = engine.create_and_start(spec_factory(
        image="jtui-test/minimal-notebook:latest", environment={"JUPYTER_TOKEN": "a" * 48},
        ports={"8888/tcp": ("127.0.0.1", port)}))
    theirs = JupyterServer("127.0.0.1", port, "a" * 48)
    wait_ready(theirs, still_running=lambda: True, timeout=60)
    ours = JupyterServer("127.0.0.1", port, "b" * 48)
    with pytest.raises(NotOurServer):
        probe(ours)
    assert other.id
