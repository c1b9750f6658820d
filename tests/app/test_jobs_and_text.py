"""Issue 8 as the user met it: text from users and the engine is shown as text, command output
is live, and every job window closes with a message when the engine dies mid-job."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Input, Static

from tests.app.conftest import select_container, wait_for
from tests.rig import BUSYBOX, LAYERS, REGISTRY, STACK, unique
from tests.socket_proxy import SocketProxy
from tui.app import create_app
from tui.engine.jobs import Failed
from tui.ui.dialogs import FormScreen, JobScreen
from tui.ui.launch_form import LaunchForm


async def _run_command(app, pilot, command: str) -> JobScreen:
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="command form")
    app.screen.query_one("#field-command", Input).value = command
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, JobScreen), what="output window")
    return app.screen


def _static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_markup_and_escapes_in_commands_are_shown_literally(engine, busybox, config):
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, busybox.id)
        # Seen: MarkupError "closing tag '[/bold]'" ended jtui; brackets vanished from titles.
        screen = await _run_command(app, pilot, """echo "[/bold] x" 'dask[complete]' 'ray[default]'""")
        await wait_for(pilot, lambda: screen.finished, what="exit")
        assert "[/bold] x dask[complete] ray[default]" in screen.lines
        title = _static_text(screen, ".dialog-title")
        assert "'[/bold] x'" in title and "'dask[complete]' 'ray[default]'" in title, title
        assert app.is_running
        await pilot.press("escape")
        # Escape sequences from a container never reach the terminal: cleaned like the logs.
        screen = await _run_command(app, pilot, r"""printf 'a\033]52;c;aGFja2Vk\033\\b\033[2Jc\n'""")
        await wait_for(pilot, lambda: screen.finished, what="exit")
        assert "abc" in screen.lines and not any("\x1b" in line for line in screen.lines)
        await pilot.press("escape")
        # The user's filter text in a pane title is not markup either.
        await pilot.press("slash")
        await pilot.press(*"[/b]")
        await wait_for(pilot, lambda: "[/b]" in str(app.containers.border_title), what="title")
        assert app.is_running


async def test_command_output_is_live(engine, busybox, config):
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, busybox.id)
        start = time.monotonic()
        # Seen: a one-line-per-second loop showed nothing for 6 s (lines batched by 20).
        screen = await _run_command(app, pilot, "sh -c 'for i in 1 2 3 4 5 6; do echo line$i; sleep 1; done'")
        await wait_for(pilot, lambda: "line1" in screen.lines, timeout=5, what="first line")
        first = time.monotonic() - start
        assert not screen.finished
        await wait_for(pilot, lambda: "line2" in screen.lines, timeout=5, what="second line")
        assert not screen.finished, "line2 must show while the command still runs"
        assert first < 3.0, first
        await pilot.press("escape")


async def _wait_failed(pilot, runner_owner, timeout=30.0) -> Failed:
    await wait_for(pilot, lambda: runner_owner.runner is not None and runner_owner.runner.finished,
                   timeout=timeout, what="job to end")
    outcome = runner_owner.runner.outcome
    assert isinstance(outcome, Failed), outcome
    return outcome


async def _launch(app, pilot, name: str) -> LaunchForm:
    """Open the launch form on the rig's stack, name it, let Docker pick the port, Ctrl+L."""
    await wait_for(pilot, lambda: app.connected, what="connected")
    app.main.open_launch_form(app.main.launch_request_for(STACK, "test"))
    await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm) and app.screen.is_mounted
                   and bool(app.screen.query("#name")), what="form")
    form = app.screen
    form.query_one("#name", Input).value = name
    form.query_one("#port", Input).value = ""
    await pilot.pause()
    await pilot.press("ctrl+l")
    return form


@pytest.fixture
def proxied(tmp_path, config):
    proxy = SocketProxy(str(tmp_path / "engine.sock")).start()
    config.host = proxy.url
    yield proxy
    proxy.stop()


async def test_engine_dies_mid_command_and_mid_build(engine, spec_factory, config, proxied):
    ticker = engine.create_and_start(spec_factory())
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, ticker.id)
        screen = await _run_command(app, pilot, "sh -c 'while true; do echo y; sleep 0.2; done'")
        await wait_for(pilot, lambda: "y" in screen.lines, what="output")
        proxied.cut()
        failed = await _wait_failed(pilot, screen)
        assert "Lost the Docker engine" in failed.summary or "engine" in failed.text.lower(), failed
        status = _static_text(screen, "#output-status")
        assert failed.summary.splitlines()[0][:40] in status
        await pilot.press("escape")
        assert not isinstance(app.screen, JobScreen)
        assert app.is_running

        proxied.start()
        await wait_for(pilot, lambda: app.connected, timeout=20, what="reconnect")
        app.images.focus()
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "BuildScreen", what="build form")
        build = app.screen
        build.query_one("#build-base", Input).value = BUSYBOX
        build.query_one("#build-tag", Input).value = f"{unique('jtui-test/dying')}:1"
        build.query_one("#build-extra").text = "RUN echo building && sleep 60"
        await pilot.pause()
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen), what="build window")
        out = app.screen
        await wait_for(pilot, lambda: any("building" in line for line in out.lines), timeout=60,
                       what="build running")
        proxied.cut()
        failed = await _wait_failed(pilot, out)
        assert "engine" in failed.text.lower(), failed
        await pilot.press("escape")
        assert not isinstance(app.screen, JobScreen)
        assert app.is_running


async def test_engine_dies_mid_pull(engine, config, proxied):
    ref = f"{REGISTRY}/{LAYERS}"
    try:
        engine.remove_image(ref, force=True)
    except Exception:
        pass
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="connected")
        app.images.focus()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="pull form")
        app.screen.query_one("#field-reference", Input).value = ref
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen), what="pull window")
        out = app.screen
        # Cut as soon as the pull talks to the engine (it may finish fast on a local registry).
        await wait_for(pilot, lambda: out.runner is not None and (out.lines or out.runner.finished),
                       timeout=20, what="pull started")
        proxied.cut()
        await wait_for(pilot, lambda: out.runner.finished, timeout=30, what="pull to end")
        # Either it was already done, or it failed with a message; the window closes on Esc.
        assert out.result, "the window says how the pull ended"
        await pilot.press("escape")
        assert not isinstance(app.screen, JobScreen)
        assert app.is_running


async def test_engine_dies_mid_launch_and_esc_always_closes_the_form(engine, config, proxied,
                                                                     tmp_path, cleanup_containers):
    config.registry = f"{REGISTRY}/jupyter"
    app = create_app(config)
    name = unique("jtui-test-dying")
    async with app.run_test(size=(170, 50)) as pilot:
        form = await _launch(app, pilot, name)
        await wait_for(pilot, lambda: "waiting for Jupyter" in _static_text(form, "#status"),
                       timeout=30, what="started")
        proxied.cut()
        failed = await _wait_failed(pilot, form, timeout=60)
        assert failed.text
        assert failed.summary[:30] in _static_text(form, "#status")
        await pilot.press("escape")
        assert not isinstance(app.screen, LaunchForm)
        assert app.is_running
    for c in engine.api.containers(all=True, filters={"name": name}):
        cleanup_containers.append(c["Id"])


async def test_esc_closes_a_running_launch_and_says_how_it_ended(engine, config, cleanup_containers):
    config.registry = f"{REGISTRY}/jupyter"
    app = create_app(config)
    name = unique("jtui-test-esc")
    async with app.run_test(size=(170, 50)) as pilot:
        form = await _launch(app, pilot, name)
        await wait_for(pilot, lambda: form.running, what="launch running")
        await pilot.press("escape")
        assert not isinstance(app.screen, LaunchForm)  # closed at once, not "cancelling..." for ever
        await wait_for(pilot, lambda: form.runner.finished, timeout=60, what="launch to end")
        await wait_for(pilot, lambda: any(n.title.startswith(name) or name in n.message
                                          for n in app._notifications), what="outcome notification")
    leftovers = engine.api.containers(all=True, filters={"name": name})
    cleanup_containers.extend(c["Id"] for c in leftovers)
    assert not leftovers, "a cancelled launch leaves no container"
