"""Engine unreachable at start and lost mid-session, through a proxy the test can cut."""

import time

from tests.app.conftest import row_ids, wait_for
from tests.socket_proxy import SocketProxy
from tui.app import create_app
from tui.ui.offline_panel import OfflinePanel


def _panel_text(app) -> str:
    panel = app.query_one(OfflinePanel)
    return str(panel.render()) if panel.display else ""


async def test_starts_without_engine_then_recovers(tmp_path, config, engine, busybox):
    proxy = SocketProxy(str(tmp_path / "engine.sock"))
    config.host = proxy.url  # nothing listens there yet: no socket at all
    app = create_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: "No Docker engine answers" in _panel_text(app), what="panel")
        text = _panel_text(app)
        assert proxy.url in text  # which endpoint was tried
        assert "start Docker" in text  # what to do, for a missing socket
        assert app.main.engine_bar.state == "disconnected"
        assert not app.connected
        # The engine appears: jtui recovers by itself (backoff retries), no key needed.
        proxy.start()
        took = await wait_for(pilot, lambda: app.connected and busybox.id in row_ids(app),
                              timeout=20, what="recovery")
        assert not app.query_one(OfflinePanel).display
        assert app.main.engine_bar.state == "connected"
        assert took < 20
    proxy.stop()


async def test_engine_lost_mid_session_then_resync_and_logs_resume(tmp_path, config, engine, spec_factory):
    proxy = SocketProxy(str(tmp_path / "engine.sock")).start()
    config.host = proxy.url
    ticker = engine.create_and_start(spec_factory(
        command=["sh", "-c", "i=0; while true; do i=$((i+1)); echo beat $i; sleep 0.2; done"]))
    app = create_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: ticker.id in row_ids(app), what="ticker row")
        app.containers.move_cursor(row=app.containers.get_row_index(ticker.id))
        await wait_for(pilot, lambda: any(l.startswith("beat") for l in app.log_pane.log_view.lines))

        proxy.cut()
        await wait_for(pilot, lambda: app.main.engine_bar.state == "disconnected", what="disconnected state")
        assert "Lost the Docker engine" in _panel_text(app) or "No Docker engine" in _panel_text(app)
        # While away, a container appears and another disappears: the resync must show both.
        newcomer = engine.create_and_start(spec_factory())
        before = len(app.log_pane.lines)

        proxy.start()
        await wait_for(pilot, lambda: app.connected and newcomer.id in row_ids(app), timeout=20,
                       what="resync after reconnect")
        assert app.main.engine_bar.state == "connected"
        # Log following resumed where it stopped, without repeating the old lines.
        await wait_for(pilot, lambda: len(app.log_pane.lines) > before + 3, timeout=10,
                       what="log lines after reconnect")
        beats = [int(l.text.split()[1]) for l in app.log_pane.lines if l.text.startswith("beat")]
        assert len(beats) == len(set(beats)), "lines were repeated after resuming"
    proxy.stop()


async def test_retry_key_skips_the_backoff_wait(tmp_path, config):
    config.host = f"unix://{tmp_path}/none.sock"
    app = create_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        # Backoff 0.5, 1, 2, 4 s: after the 4th failure the next try is 8 s away.
        await wait_for(pilot, lambda: app.connect_attempts >= 4, timeout=15, what="4 attempts")
        seen = app.connect_attempts
        started = time.monotonic()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.connect_attempts > seen, timeout=3, what="retry now")
        assert time.monotonic() - started < 2.0
        assert f"retry {seen + 1}" in app.main.engine_bar.detail


async def test_offline_panel_words_fit_the_cause(config):
    # Seen: "No Docker engine answers" for a permission error, and "the panes show the last
    # known state" when nothing was ever loaded.
    from tui.engine import EngineUnreachable
    from tui.ui.messages import EngineUnreachableNow

    app = create_app(config, live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        denied = EngineUnreachable("Permission denied: /var/run/docker.sock", endpoint="unix:///x",
                                   reason="permission")
        app.post_message(EngineUnreachableNow(denied, 2.0, 1))
        await wait_for(pilot, lambda: _panel_text(app) != "", what="panel")
        text = _panel_text(app)
        assert "refuses you" in text and "No Docker engine answers" not in text
        assert "docker' group" in text or "docker group" in text  # what to do
        assert "last known state" not in text  # nothing was ever loaded
        assert "Retrying in 2s" in text
