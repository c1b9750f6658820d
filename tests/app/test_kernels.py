"""Kernels of a real JupyterLab (the rig's stack image, with ipykernel) through the app: a notebook
session started through the REST API runs a cell that sleeps; the row says busy, the kernels
screen (K) shows it with its memory, interrupt makes it idle, stop asks naming the notebook,
shutdown removes the kernel; an OOM kill names the kernel and offers a relaunch with more memory.

The cell is sent straight to the kernel with jupyter_client inside the container (ZMQ, through its
connection file), as a browser tab's websocket would: jupyter_server sees the kernel's status on
its iopub channel either way."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
from textual.widgets import Button, DataTable

from tests.app.conftest import select_container, wait_for
from tests.rig import STACK, unique
from tui.app import create_app
from tui.jupyter.launch import LaunchRequest
from tui.jupyter.launcher import Ready, launch
from tui.jupyter.server import JupyterServer
from tui.ui.dialogs import ConfirmScreen
from tui.ui.kernels_screen import KernelsScreen
from tui.ui.launch_form import LaunchForm

NOTEBOOK = "work/Analysis.ipynb"


def _api(server: JupyterServer, path: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.base + path, method=method, data=data, headers={
        "Authorization": f"token {server.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def _run_cell(engine, cid: str, kernel_id: str, code: str) -> None:
    """Send `code` to the kernel as an execute_request, from inside the container."""
    script = ("import os, time\nfrom jupyter_client import BlockingKernelClient\n"
              "from jupyter_core.paths import jupyter_runtime_dir\n"
              f"c = BlockingKernelClient(connection_file=os.path.join(jupyter_runtime_dir(), "
              f"'kernel-{kernel_id}.json'))\n"
              f"c.load_connection_file(); c.start_channels(); c.execute({code!r}); time.sleep(1)\n")
    code_, out = engine.exec_capture(cid, ["python", "-c", script])
    assert code_ == 0, out


@pytest.fixture
def jupyter(engine):
    """A Jupyter container launched as jtui launches it (token in its environment, 512 MB limit)."""
    made: list[str] = []

    def start(memory: str = "512m") -> tuple[str, JupyterServer, LaunchRequest]:
        request = LaunchRequest(image=STACK, name=unique("jtui-test-kernels"), memory=memory)
        ready = [e for e in launch(engine, request) if isinstance(e, Ready)][0]
        made.append(ready.container.id)
        return ready.container.id, ready.server, request

    yield start
    for cid in made:
        try:
            engine.remove(cid, force=True)
        except Exception:
            pass


async def _start_notebook(app, pilot, engine, cid: str, server: JupyterServer, path: str) -> str:
    await select_container(app, pilot, cid)
    await wait_for(pilot, lambda: app.servers.get(cid) is not None, timeout=30, what="the token")
    session = await asyncio.to_thread(_api, server, "api/sessions", "POST", {
        "path": path, "type": "notebook", "name": path.rsplit("/", 1)[-1],
        "kernel": {"name": "python3"}})
    kid = session["kernel"]["id"]
    state = lambda: _api(server, f"api/kernels/{kid}")["execution_state"]  # noqa: E731
    for _ in range(150):  # the kernel takes a few seconds to start
        if await asyncio.to_thread(state) == "idle":
            break
        await pilot.pause(0.1)
    return kid


def _table_rows(screen: KernelsScreen) -> list[list[str]]:
    table = screen.query_one("#kernels-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_busy_kernel_interrupt_stop_asks_and_shutdown(engine, jupyter, config):
    cid, server, _ = await asyncio.to_thread(jupyter)
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="engine")
        kid = await _start_notebook(app, pilot, engine, cid, server, NOTEBOOK)
        port = server.port
        assert str(app.containers.get_cell(cid, "url")) == f"ready :{port}"

        await asyncio.to_thread(_run_cell, engine, cid, kid, "import time; time.sleep(600)")
        took = await wait_for(pilot, lambda: str(app.containers.get_cell(cid, "url")) == f"busy :{port}",
                              timeout=20, what="the busy mark")
        print(f"busy mark shown {took:.1f}s after the cell started")

        # The kernels screen: notebook, kernel, busy, memory beside the container's limit.
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KernelsScreen), what="kernels screen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.look is not None and screen.look.rows, what="kernels")
        [row] = _table_rows(screen)
        assert row[0] == NOTEBOOK and row[1] == "python3" and row[2] == "busy"
        assert row[3].startswith("busy for ")
        assert row[5].endswith("MiB"), row  # the kernel process found by its connection file
        rss = screen.look.rows[0].rss
        assert rss is not None and 20e6 < rss < 512e6
        status = str(screen.query_one("#kernels-status").render())
        assert "limit 512MiB" in status, status

        # Interrupt: the sleeping cell stops, the kernel is idle again (and the mark goes).
        await pilot.press("i")
        await wait_for(pilot, lambda: _table_rows(screen) and _table_rows(screen)[0][2] == "idle",
                       timeout=10, what="idle after interrupt")
        assert _api(server, f"api/kernels/{kid}")["execution_state"] == "idle"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, KernelsScreen), what="closed")
        await wait_for(pilot, lambda: str(app.containers.get_cell(cid, "url")) == f"ready :{port}",
                       timeout=10, what="the busy mark to go")

        # Stop with a busy notebook: the question names it and for how long it has been busy.
        await asyncio.to_thread(_run_cell, engine, cid, kid, "import time; time.sleep(600)")
        await wait_for(pilot, lambda: _api(server, f"api/kernels/{kid}")["execution_state"] == "busy",
                       what="busy again")
        await pilot.press("s")  # at once: stop asks the server now, not the last look
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="stop question")
        body = str(app.screen.query_one("#confirm-body").render())
        assert NOTEBOOK in body and "busy for" in body and app.containers.selected.name in body
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert engine.inspect_container(cid).state == "running"

        # Shut the kernel down from the kernels screen, after a question.
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KernelsScreen), what="kernels screen")
        screen = app.screen
        await wait_for(pilot, lambda: _table_rows(screen), what="rows")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="shutdown question")
        assert NOTEBOOK in str(app.screen.query_one("#confirm-body").render())
        app.screen.query_one("#choice-shutdown", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, KernelsScreen) and not _table_rows(screen),
                       timeout=10, what="the kernel gone from the screen")
        assert _api(server, "api/kernels") == [] and _api(server, "api/sessions") == []
        await pilot.press("escape")

        # No busy kernel: stop asks nothing.
        await pilot.press("s")
        await wait_for(pilot, lambda: engine.inspect_container(cid).state == "exited", timeout=40,
                       what="stopped")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_remove_names_the_busy_notebook(engine, jupyter, config):
    cid, server, _ = await asyncio.to_thread(jupyter)
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="engine")
        kid = await _start_notebook(app, pilot, engine, cid, server, "work/Long run.ipynb")
        await asyncio.to_thread(_run_cell, engine, cid, kid, "import time; time.sleep(600)")
        await wait_for(pilot, lambda: _api(server, f"api/kernels/{kid}")["execution_state"] == "busy",
                       what="busy")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="remove question")
        body = str(app.screen.query_one("#confirm-body").render())
        assert "work/Long run.ipynb is running, busy for" in body and "Remove " in body
        await pilot.press("escape")


async def test_oom_names_the_kernel_and_offers_more_memory(engine, jupyter, config):
    cid, server, request = await asyncio.to_thread(jupyter, "400m")
    app = create_app(config)
    app.recent.remember(request)  # as the launch form does
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="engine")
        kid = await _start_notebook(app, pilot, engine, cid, server, "work/Big.ipynb")
        watch = app.containers.kernel_watch
        await wait_for(pilot, lambda: (look := watch.looks.get(cid)) is not None
                       and look.rows and look.rows[0].rss, timeout=20, what="a memory sample")
        await asyncio.to_thread(_run_cell, engine, cid, kid, "x = bytearray(800 * 1024 * 1024)")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20,
                       what="the out-of-memory question")
        body = str(app.screen.query_one("#confirm-body").render())
        assert "ran out of memory (limit 400MiB)" in body and "work/Big.ipynb" in body, body
        app.screen.query_one("#choice-relaunch", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm) and app.screen.query("#memory"),
                       what="the launch form")
        assert app.screen.query_one("#memory").value == "800m"
        assert app.screen.query_one("#name").value != request.name  # the old one still runs
        await pilot.press("escape")
