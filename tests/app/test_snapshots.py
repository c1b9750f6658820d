"""The look of the main screen, from fixed data (no engine, fixed clock): pictures only; the
behaviour itself is proven against the real engine in the other app tests."""

from datetime import UTC, datetime

from tui.app import create_app
from tui.config import AppConfig
from tui.engine import ContainerSummary, EngineInfo, EngineUnreachable, ImageSummary, LogLine, PortBinding
from tui.ui.messages import EngineUnreachableNow, Snapshot

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return datetime.fromtimestamp(NOW.timestamp() - minutes * 60, tz=UTC)


CONTAINERS = [
    ContainerSummary("c1" * 32, "scipy-notebook-1", "quay.io/jupyter/scipy-notebook:2025-10-20",
                     state="running", status="Up 2 hours (healthy)", created=_at(130),
                     ports=(PortBinding(8888, "tcp", "127.0.0.1", 8888),),
                     labels={"org.jtui.jupyter": "lab"}),
    ContainerSummary("c2" * 32, "spark-lab", "quay.io/jupyter/pyspark-notebook:latest",
                     state="exited", status="Exited (0) 3 days ago", created=_at(4400)),
    ContainerSummary("c3" * 32, "postgres", "postgres:16", state="running", status="Up 5 minutes",
                     created=_at(6), ports=(PortBinding(5432, "tcp", "127.0.0.1", 5432),)),
    ContainerSummary("c4" * 32, "tmp-build", "busybox", state="created", status="Created",
                     created=_at(1)),
]
IMAGES = [
    ImageSummary("sha256:" + "a" * 64, ("quay.io/jupyter/scipy-notebook:2025-10-20",), 5_020_000_000,
                 _at(60 * 24 * 30), {"maintainer": "Jupyter Project <jupyter@googlegroups.com>"}),
    ImageSummary("sha256:" + "b" * 64, ("quay.io/jupyter/pyspark-notebook:latest",), 6_810_000_000,
                 _at(60 * 24 * 9)),
    ImageSummary("sha256:" + "c" * 64, ("postgres:16",), 432_000_000, _at(60 * 24 * 60)),
]
LOG = [LogLine("stdout", t, f"2026-11-26T11:58:0{i}Z") for i, t in enumerate([
    "[I 2026-11-26 11:58:00.100 ServerApp] jupyterlab | extension was successfully loaded.",
    "[I 2026-11-26 11:58:00.200 ServerApp] Serving notebooks from local directory: /home/jovyan/work",
    "[I 2026-11-26 11:58:00.300 ServerApp] Jupyter Server 2.17.0 is running at:",
    "[I 2026-11-26 11:58:00.300 ServerApp] http://127.0.0.1:8888/lab?token=...",
])]


def _app():
    return create_app(AppConfig(resync_seconds=3600), live=False, clock=lambda: NOW)


async def _fill(pilot):
    app = pilot.app
    await pilot.pause()  # the screen is mounted: what follows is not overwritten by its start-up
    app.connected = True
    app.main.show_connected(EngineInfo("unix:///var/run/docker.sock", "27.3.1", "1.47", "linux", "amd64"),
                            was_lost=False)
    app.main.post_message(Snapshot(CONTAINERS, IMAGES))
    # Let the selection reach the logs pane first, or it would reset what is filled in below.
    for _ in range(200):
        await pilot.pause()
        if app.log_pane.container is not None:
            break
    app.containers.set_url("c1" * 32, "http://127.0.0.1:8888/lab?token=…")
    app.log_pane.follow_state = "following"
    app.log_pane.lines.extend(LOG)
    app.log_pane.rerender()
    await pilot.pause()


def test_main_screen(snap_compare):
    assert snap_compare(_app(), terminal_size=(170, 40), run_before=_fill)


def test_main_screen_running_only_with_filter(snap_compare):
    async def before(pilot):
        await _fill(pilot)
        await pilot.press("a", "slash", *"note", "enter")
        # The "running only" toast fades on a timer: keep it out of the picture.
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(170, 40), run_before=before)


def test_engine_unreachable_panel(snap_compare):
    async def before(pilot):
        error = EngineUnreachable(
            "Cannot reach the Docker engine at unix:///var/run/docker.sock: Error while fetching "
            "server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or "
            "directory'))", endpoint="unix:///var/run/docker.sock", reason="no-socket")
        pilot.app.post_message(EngineUnreachableNow(error, 4.0, 3))
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(170, 40), run_before=before)


def test_help_screen(snap_compare):
    assert snap_compare(_app(), terminal_size=(170, 50), press=["question_mark"])
