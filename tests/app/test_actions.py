"""Single-key actions against the real engine: lifecycle, run a command, commit, build, images."""

import base64
import hashlib
import zipfile

from textual.widgets import Input, TextArea

from tests.app.conftest import choose_image, row_ids, select_container, wait_for
from tests.rig import BUSYBOX, REGISTRY, STACK, TEST_LABEL, unique
from tui.app import create_app
from tui.ui.build_screen import BuildScreen
from tui.ui.dialogs import ConfirmScreen, FormScreen, JobScreen
from tui.ui.launch_form import LaunchForm


async def test_stop_start_restart_remove_with_confirmation(engine, spec_factory, config):
    config.stop_grace_seconds = 1
    a = engine.create_and_start(spec_factory())
    b = engine.create_and_start(spec_factory())
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        state = lambda cid: app.containers.containers[cid].state  # noqa: E731
        await select_container(app, pilot, a.id)
        await pilot.press("s")
        await wait_for(pilot, lambda: state(a.id) == "exited", what="stopped")
        await wait_for(pilot, lambda: app.containers.last_action_result is not None, what="action result")
        verb, done, _ = app.containers.last_action_result
        assert verb == "stop" and done == [a.name]
        notes = [n.message for n in app._notifications]
        assert any(n.startswith(f"Stopping {a.name}") for n in notes), notes  # not "Stoping"
        await pilot.press("S")
        await wait_for(pilot, lambda: state(a.id) == "running", what="started")
        before = engine.inspect_container(a.id).started_at
        await pilot.press("r")
        await wait_for(pilot, lambda: engine.inspect_container(a.id).started_at != before, what="restart")
        await wait_for(pilot, lambda: state(a.id) == "running")

        # Several at once: mark both with space, stop them together.
        await select_container(app, pilot, a.id)
        await pilot.press("space")
        await select_container(app, pilot, b.id)
        await pilot.press("space")
        assert app.containers.marked == {a.id, b.id}
        await pilot.press("s")
        await wait_for(pilot, lambda: state(a.id) == "exited" and state(b.id) == "exited", what="both stopped")
        assert app.containers.marked == set()

        # Remove: a stopped one gets a plain Remove; a running one only a Force remove.
        await select_container(app, pilot, b.id)  # space moved the cursor on
        await pilot.press("S")
        await wait_for(pilot, lambda: state(b.id) == "running")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert b.name in str(app.screen.query_one("#confirm-body").render())
        assert [c[0] for c in app.screen.choices] == ["force"]
        await pilot.click("#choice-force")
        await wait_for(pilot, lambda: b.id not in row_ids(app), what="forced removal")
        await select_container(app, pilot, a.id)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert [c[0] for c in app.screen.choices] == ["remove"]
        await pilot.press("escape")  # cancel keeps it
        await pilot.pause(0.3)
        assert a.id in row_ids(app)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#choice-remove")
        await wait_for(pilot, lambda: a.id not in row_ids(app), what="removal")


async def test_failure_shows_the_engine_reason(engine, spec_factory, config):
    config.stop_grace_seconds = 1
    # Created, never started, with a command the image does not have: start must fail.
    name = unique()
    cid = engine.api.create_container(BUSYBOX, command=["/no/such/program"], name=name,
                                      labels={TEST_LABEL: "1"})["Id"]
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, cid)
        await pilot.press("S")
        await wait_for(pilot, lambda: app.containers.last_action_result is not None, what="result")
        verb, done, failed = app.containers.last_action_result
        assert verb == "start" and done == []
        assert failed[0].startswith(f"{name}: ") and "/no/such/program" in failed[0]


async def test_run_command_streams_output_and_exit_code(engine, busybox, config):
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, busybox.id)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        app.screen.query_one("#field-command", Input).value = \
            "sh -c 'echo one; echo two >&2; i=0; while [ $i -lt 3 ]; do echo tick; i=$((i+1)); sleep 0.2; done; exit 3'"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "one" in screen.lines, what="live output")
        await wait_for(pilot, lambda: screen.finished, what="exit")
        assert screen.lines.count("tick") == 3 and "two" in screen.lines
        assert screen.result == "exit code 3 (failed)"
        await pilot.press("escape")
        assert not isinstance(app.screen, JobScreen)
        # Cancelling a long command.
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        app.screen.query_one("#field-command", Input).value = "sh -c 'while true; do echo y; sleep 0.1; done'"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and "y" in app.screen.lines)
        running = app.screen
        # Esc closes the window at once, whatever the job does; the outcome becomes a notification.
        await pilot.press("escape")
        assert not isinstance(app.screen, JobScreen)
        await wait_for(pilot, lambda: running.runner.finished, what="cancel")
        assert running.runner.outcome.summary == "Cancelled."
        await wait_for(pilot, lambda: any("Cancelled." in n.message for n in app._notifications),
                       what="cancel notification")


async def test_commit_then_launch_keeps_installed_files(engine, spec_factory, config, tmp_path):
    config.registry = f"{REGISTRY}/jupyter"
    source = engine.create_and_start(spec_factory(image=STACK))
    assert engine.exec_capture(source.id, ["sh", "-c", "echo installed > /home/jovyan/.installed"])[0] == 0
    repo = unique("jtui-test/committed")
    launched_name = unique("jtui-test-from-commit")
    app = create_app(config)
    try:
        async with app.run_test(size=(170, 50)) as pilot:
            await select_container(app, pilot, source.id)
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.query_one("#field-repository", Input).value = repo
            app.screen.query_one("#field-tag", Input).value = "v1"
            await pilot.click("#form-ok")
            ref = f"{repo}:v1"
            await wait_for(pilot, lambda: any(ref in i.tags for i in app.images.images.values()),
                           what="committed image in the images pane")
            image_id = next(i.id for i in app.images.images.values() if ref in i.tags)
            # Launch it like any stack: images pane, l, the form, Ctrl+L.
            await pilot.press("2")
            choose_image(app, image_id)
            await pilot.press("l")
            await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm))
            form = app.screen
            assert form.query_one("#image", Input).value == ref
            form.query_one("#name", Input).value = launched_name
            form.query_one("#folder", Input).value = str(tmp_path)
            await pilot.pause()
            assert form.problems == {}
            await pilot.press("ctrl+l")
            await wait_for(pilot, lambda: app.main.last_launch is not None, timeout=90, what="launch")
            cid = app.main.last_launch.container_id
            assert engine.exec_capture(cid, ["cat", "/home/jovyan/.installed"]) == (0, "installed\n")
    finally:
        for c in engine.list_containers():
            if c.name == launched_name:
                engine.remove(c.id, force=True)
        engine.remove_image(f"{repo}:v1", force=True)


def _make_wheel(folder, name="jtuidemo", version="0.1"):
    """A pure-Python wheel written by hand: nothing to download, nothing to build."""
    files = {f"{name}/__init__.py": b'VALUE = "from-a-wheel"\n',
             f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{name}-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: jtui-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel.name


async def _open_build(app, pilot):
    stack_id = next(i.id for i in app.images.images.values() if STACK in i.tags)
    await pilot.press("2")
    choose_image(app, stack_id)
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, BuildScreen))
    return app.screen


async def test_build_custom_image_with_a_wheel_and_a_failing_step(engine, spec_factory, config, tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    wheel = _make_wheel(files)
    tag = f"{unique('jtui-test/custom')}:latest"
    app = create_app(config)
    c = None
    try:
        async with app.run_test(size=(170, 50)) as pilot:
            await wait_for(pilot, lambda: app.images.images, what="images")
            screen = await _open_build(app, pilot)
            assert screen.query_one("#build-base", Input).value == STACK
            screen.query_one("#build-tag", Input).value = tag
            screen.query_one("#build-pip", Input).value = wheel
            await pilot.pause()
            assert "inside the files folder" in screen.problem
            screen.query_one("#build-context", Input).value = str(files)
            screen.query_one("#build-save_to", Input).value = str(tmp_path / "saved")
            await pilot.pause()
            assert screen.problem is None
            shown = str(screen.query_one("#build-dockerfile").render())
            assert f"FROM {STACK}" in shown and f"/tmp/jtui-wheels/{wheel}" in shown
            await pilot.click("#build-save")
            assert (tmp_path / "saved" / "Dockerfile").read_text().startswith("# Generated by jtui")
            await pilot.press("ctrl+b")
            await wait_for(pilot, lambda: isinstance(app.screen, JobScreen))
            out = app.screen
            await wait_for(pilot, lambda: out.finished, timeout=180, what="build")
            assert out.result.startswith(f"Built {tag}"), out.result
            assert any(l.startswith("Step 1/") for l in out.lines)
            await wait_for(pilot, lambda: any(tag in i.tags for i in app.images.images.values()),
                           what="built image in the images pane")
            await pilot.press("escape")

            # A failing RUN names the failing step.
            screen = await _open_build(app, pilot)
            screen.query_one("#build-tag", Input).value = f"{unique('jtui-test/broken')}:latest"
            screen.query_one("#build-extra", TextArea).text = "RUN echo fine\nRUN sh -c 'echo broken; exit 7'"
            await pilot.pause()
            await pilot.press("ctrl+b")
            await wait_for(pilot, lambda: isinstance(app.screen, JobScreen))
            out = app.screen
            await wait_for(pilot, lambda: out.finished, timeout=120, what="failing build")
            assert "failed at: Step 4/4 : RUN sh -c 'echo broken; exit 7'" in out.result, out.result
        # The package from the wheel is installed in the new image.
        c = engine.create_and_start(spec_factory(image=tag, command=["sleep", "1000"]))
        code, output = engine.exec_capture(c.id, ["python", "-c", "import jtuidemo; print(jtuidemo.VALUE)"])
        assert (code, output.strip()) == (0, "from-a-wheel")
    finally:
        if c is not None:
            engine.remove(c.id, force=True)
        for img in engine.list_images():
            if any(t.startswith(("jtui-test/custom-", "jtui-test/broken-")) for t in img.tags):
                engine.remove_image(img.id, force=True)


async def test_pull_remove_in_use_and_prune(engine, spec_factory, config):
    ref = f"{REGISTRY}/jtui-test/layers:latest"
    try:
        engine.remove_image(ref)
    except Exception:
        pass
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected and app.images.images)
        await pilot.press("2", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        app.screen.query_one("#field-reference", Input).value = ref
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobScreen))
        out = app.screen
        await wait_for(pilot, lambda: out.finished, timeout=60, what="pull")
        assert out.result == f"Pulled {ref}."
        await wait_for(pilot, lambda: any(ref in i.tags for i in app.images.images.values()))
        await pilot.press("escape")

        # An image used by a container: the confirmation says by whom.
        user = engine.create_and_start(spec_factory(image=BUSYBOX))
        image_id = engine.inspect_image(BUSYBOX).id
        await wait_for(pilot, lambda: user.id in row_ids(app))
        app.images.focus()
        choose_image(app, image_id)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert user.name in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("escape")

        # Prune dangling: make one first.
        dangling = engine.build(f"FROM {BUSYBOX}\nRUN echo {unique()} > /x\nLABEL {TEST_LABEL}=1\n", "jtui-test/dangling:1")
        list(dangling)
        engine.api.tag(BUSYBOX, "jtui-test/dangling", "1")  # steal the tag: the build is now untagged
        await wait_for(pilot, lambda: any(i.dangling for i in app.images.images.values()))
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#choice-prune")
        await wait_for(pilot, lambda: not any(i.dangling for i in app.images.images.values()), timeout=20,
                       what="dangling images gone")
        engine.remove_image("jtui-test/dangling:1")


async def test_shell_where_the_terminal_cannot_be_handed_over(engine, busybox, config):
    # Under run_test (as when served in a browser) the app cannot suspend: it says so.
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, busybox.id)
        await pilot.press("e")
        await wait_for(pilot, lambda: any("cannot hand over" in n.message for n in app._notifications))
        note = next(n.message for n in app._notifications if "cannot hand over" in n.message)
        assert f"exec -it {busybox.id}" in note  # the command to run instead


async def test_help_lists_every_action(config):
    app = create_app(config, live=False)
    async with app.run_test(size=(170, 50)):
        descriptions = {row.description for row in app.help_rows()}
        for action in ("Start", "Stop", "Restart", "Remove", "Shell", "Run command", "Commit", "Mark (and move down)",
                       "Pull", "Prune", "Build", "Launch", "Copy URL", "Open URL", "Recent launches"):
            assert action in descriptions, action
