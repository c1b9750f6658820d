"""Helpers for driving the real app (headless, Textual's run_test) against the real engine."""

from __future__ import annotations

import time

import pytest

from tui.config import AppConfig


async def wait_for(pilot, predicate, timeout: float = 15.0, what: str = "condition") -> float:
    """Let the app run until `predicate()` holds; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        await pilot.pause(0.02)
    if predicate():
        return time.monotonic() - start
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


async def select_container(app, pilot, cid: str) -> None:
    """Wait for a container's row, focus the containers pane and put the cursor on it."""
    await wait_for(pilot, lambda: cid in row_ids(app), what="row")
    app.containers.focus()
    app.containers.move_cursor(row=app.containers.get_row_index(cid))
    await pilot.pause()
    assert app.containers.selected.id == cid


def choose_image(app, key: str) -> None:
    """Put the images pane's cursor on a row as the user would with the arrow keys."""
    app.images.chosen = True
    app.images.move_cursor(row=app.images.get_row_index(key))


def row_ids(app) -> list[str]:
    return [row.key.value for row in app.containers.ordered_rows]


@pytest.fixture
def config(tmp_path, monkeypatch) -> AppConfig:
    # Never read the developer's own settings or write into their folders.
    monkeypatch.setenv("JTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return AppConfig(resync_seconds=3600)


@pytest.fixture
def cleanup_containers(engine):
    ids: list[str] = []
    yield ids
    for cid in ids:
        try:
            engine.remove(cid, force=True)
        except Exception:
            pass
