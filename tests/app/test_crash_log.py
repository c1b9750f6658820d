"""An unexpected exception (a bug) anywhere in the app ends in the log file with its traceback and
one line on screen naming that file, and jtui carries on: the widget whose handler failed keeps
answering (issue 9, "crash log")."""

from __future__ import annotations

import pytest

from tui.app import create_app
from tui.logsetup import log_path, setup_logging, teardown_logging, uninstall_excepthook
from tui.ui.containers import ContainerTable
from tui.ui.main_screen import MainScreen

from .conftest import wait_for


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("JTUI_LOG_DIR", str(tmp_path / "logs"))
    path = setup_logging()
    yield path
    uninstall_excepthook()
    teardown_logging()


def pointers(app) -> list[str]:
    return [n.message for n in app._notifications if n.title.startswith("Unexpected error")]


def survived(app, error_type: type[Exception]) -> None:
    """The app recorded the error for run_test, which would raise it at the end (so a bug the
    app survives still fails the test that met it): this test expected it."""
    assert isinstance(app._exception, error_type)
    app._exception = None


async def test_a_failing_key_action_is_logged_and_the_app_carries_on(config, log_file, monkeypatch):
    original = ContainerTable.action_toggle_all
    calls = []

    def broken(self):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("injected failure in a key action")
        original(self)

    monkeypatch.setattr(ContainerTable, "action_toggle_all", broken)
    app = create_app(config, live=False)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        app.containers.focus()
        shown_all = app.containers.show_all
        await pilot.press("a")
        await wait_for(pilot, lambda: pointers(app), what="the pointer to the log")
        [note] = pointers(app)
        assert str(log_path()) in note and "RuntimeError: injected failure in a key action" in note
        assert app.is_running
        # The same key on the same pane works the next time: nothing stopped.
        await pilot.press("a")
        await wait_for(pilot, lambda: app.containers.show_all != shown_all, what="the key answering")
        survived(app, RuntimeError)
    text = log_file.read_text()
    assert "Unexpected error in" in text and "jtui carries on" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: injected failure in a key action" in text and "in broken" in text


async def test_a_failing_message_handler_leaves_its_screen_alive(config, log_file, monkeypatch):
    def broken(self, event=None):
        raise ValueError("injected failure in a handler")

    app = create_app(config, live=False)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        monkeypatch.setattr(MainScreen, "on_resize", broken)
        await pilot.resize_terminal(150, 40)
        await wait_for(pilot, lambda: pointers(app), what="the pointer to the log")
        # Textual would have stopped the main screen's message loop for good: it still runs.
        answered = []
        app.main.call_later(lambda: answered.append(True))
        await wait_for(pilot, lambda: answered, what="the main screen handling a message")
        monkeypatch.undo()
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert app.main.size.width == 140  # and it lays itself out again
        # The same failure again is counted, not shown again.
        monkeypatch.setattr(MainScreen, "on_resize", broken)
        await pilot.resize_terminal(130, 40)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert len(pointers(app)) == 1
        survived(app, ValueError)
    text = log_file.read_text()
    assert text.count("ValueError: injected failure in a handler") == 2  # the traceback, then "again (2 times)"
    assert "again (2 times so far)" in text


async def test_a_failing_worker_is_logged_and_the_app_carries_on(config, log_file):
    async def failing() -> None:
        raise KeyError("injected failure in a worker")

    app = create_app(config, live=False)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        app.run_worker(failing(), name="injected")  # exit_on_error: Textual would exit the app
        await wait_for(pilot, lambda: pointers(app), what="the pointer to the log")
        assert app.is_running and not app._exit
        survived(app, Exception)
    assert "KeyError: 'injected failure in a worker'" in log_file.read_text()


async def test_a_bug_the_app_survives_still_fails_the_test(config, log_file, monkeypatch):
    def broken(self):
        raise RuntimeError("injected")

    monkeypatch.setattr(ContainerTable, "action_toggle_all", broken)
    app = create_app(config, live=False)
    with pytest.raises(RuntimeError, match="injected"):
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            app.containers.focus()
            await pilot.press("a")
            await wait_for(pilot, lambda: pointers(app), what="the pointer to the log")


async def test_an_error_while_starting_still_ends_the_app(config, log_file, monkeypatch):
    def broken(self):
        raise RuntimeError("injected failure while composing")

    monkeypatch.setattr(MainScreen, "compose", broken)
    app = create_app(config, live=False)
    with pytest.raises(RuntimeError, match="while composing"):
        async with app.run_test(size=(160, 40), notifications=True):
            pass
    text = log_file.read_text()
    assert "jtui exits" in text and "RuntimeError: injected failure while composing" in text
