"""The look of the app, from fixed data (no engine, fixed clock): pictures only; the behaviour
itself is proven against the real engine in the other app tests. The main screen, the launch form
and the first run are drawn at the sizes people's terminals have (issue 13): 80x24, 100x30, 200x50.
"""

from datetime import UTC, datetime

import pytest

from tui.app import create_app
from tui.config import AppConfig
from tui.engine import ContainerSummary, EngineInfo, EngineUnreachable, ImageSummary, LogLine, PortBinding
from tui.jupyter.launch import WORK_DIR, LaunchRequest
from tui.jupyter.server import JupyterServer
from tui.ui.launch_form import LaunchForm
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
SERVER = JupyterServer("127.0.0.1", 8888, "4f1c0c5b2b7e4d7f9a3e8d2c1b0a99887766554433221100")
SIZES = [(80, 24), (100, 30), (200, 50)]


def _app():
    return create_app(AppConfig(resync_seconds=3600), live=False, clock=lambda: NOW)


async def _connect(pilot, containers, images):
    app = pilot.app
    await pilot.pause()  # the screen is mounted: what follows is not overwritten by its start-up
    app.connected = True
    app.main.show_connected(EngineInfo("unix:///var/run/docker.sock", "27.3.1", "1.47", "linux", "amd64"),
                            was_lost=False)
    app.main.post_message(Snapshot(containers, images))
    await pilot.pause()


async def _fill(pilot, select: str | None = None):
    app = pilot.app
    await _connect(pilot, CONTAINERS, IMAGES)
    app.servers.set("c1" * 32, SERVER)
    app.containers.set_url("c1" * 32, SERVER.url)
    if select is not None:
        app.containers.select(select)
    # Let the selection reach the logs pane first, or it would reset what is filled in below.
    for _ in range(200):
        await pilot.pause()
        if app.log_pane.container is not None and app.log_pane.container.id == (select or app.containers.selected_key):
            break
    app.log_pane._set_state("following")
    app.log_pane.log_view.extend([(line.stream, line.text, line.timestamp) for line in LOG])
    app.log_pane.rerender()
    await pilot.pause()


async def _select_jupyter(pilot):
    await _fill(pilot, select="c1" * 32)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen_with_a_ready_jupyter(snap_compare, size):
    """The selected Jupyter's URL, token and all, on screen at every size; l, u and ? in the footer."""
    assert snap_compare(_app(), terminal_size=size, run_before=_select_jupyter)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_run(snap_compare, size):
    """No containers yet: the containers pane says how to launch one."""
    async def before(pilot):
        await _connect(pilot, [], IMAGES[:1])
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_launch_form(snap_compare, size):
    """The Launch button and the status line without scrolling, the form's keys in its footer."""
    async def before(pilot):
        await _connect(pilot, CONTAINERS, IMAGES)
        request = LaunchRequest(image="quay.io/jupyter/scipy-notebook:2025-10-20", name="scipy-notebook-2",
                                host_port=8889, mounts=[("/tmp", WORK_DIR)], uid=1001,
                                gid=1001, run_as_user=True)
        # The engine is only used once Launch is pressed: a picture needs none.
        pilot.app.push_screen(LaunchForm(request, None, existing_names={"scipy-notebook-1"},  # type: ignore[arg-type]
                                         ports_in_use={8888}, local_engine=True))
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=before)


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
