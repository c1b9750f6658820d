"""Podman's Docker-compatible service (issue 10): jtui connects to it as to any engine, knows it is
Podman, lists, follows logs and events, and launches the stack to a working URL whose mounted
folder receives the notebooks saved through Jupyter, owned by the user who launched.

The service is Debian's podman 4.3 on its own socket and storage (tests/podman.py), rootful, and
rootless as uid 4321; the images come from the rig's Docker engine. Podman's events are its own: create, init, start, ...,
died (not die), remove (not destroy)."""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import free_port
from tests.podman import PodmanService
from tests.rig import BUSYBOX, STACK, save_notebook, unique
from tests.rootless import UID
from tui.engine import ContainerSpec, Engine
from tui.jupyter.launch import WORK_DIR, LaunchRequest, launch_defaults, launch_warnings
from tui.jupyter.launcher import Ready, launch

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="rootful Podman needs root (CI runs as root)")
OTHER_UID = 4321


@pytest.fixture(scope="module")
def podman():
    service = PodmanService([BUSYBOX, STACK]).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def pengine(podman):
    eng = Engine.connect(host=podman.url)
    yield eng
    eng.close()


def _launch(engine: Engine, request: LaunchRequest, what: str) -> Ready:
    started = time.monotonic()
    ready = None
    for step in launch(engine, request, ready_timeout=90):
        if isinstance(step, Ready):
            ready = step
    assert ready is not None
    print(f"{what}: ready in {time.monotonic() - started:.1f} s")
    return ready


def test_jtui_knows_podman_and_lists_logs_and_events(pengine, podman):
    assert pengine.info.product == "Podman" and not pengine.info.rootless
    assert pengine.info.kind.startswith("Podman 4.")
    seen: list[tuple[str, str]] = []
    events = pengine.events()

    def follow() -> None:
        for event in events:
            seen.append((event.base_action, event.name))

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    name = unique()
    details = pengine.create_and_start(ContainerSpec(
        image=BUSYBOX, name=name, command=["sh", "-c", "echo hello from podman; sleep 100"]))
    # Listed with its name and state; the image comes back as Podman names it (localhost/...).
    listed = {c.name: c for c in pengine.list_containers()}
    assert listed[name].state == "running" and listed[name].image.endswith(BUSYBOX)
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline and "hello from podman" not in lines:
        lines = [line.text for line in pengine.logs(details.id, follow=False)]
        time.sleep(0.2)
    assert "hello from podman" in lines
    pengine.remove(details.id, force=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and ("remove", name) not in seen:
        time.sleep(0.1)
    events.close()
    reader.join(10)
    mine = [action for action, who in seen if who == name]
    assert {"create", "start", "remove"} <= set(mine), seen
    assert mine.index("create") < mine.index("start") < mine.index("remove")
    assert name not in {c.name for c in pengine.list_containers()}


# (uid jtui runs Jupyter as, as root on the host): root's own recipe, and "run as my user" for a
# host user who is neither root nor the stacks' 1000.
@pytest.mark.parametrize("uid", [pytest.param(0, id="root"), pytest.param(OTHER_UID, id="uid 4321")])
def test_launch_on_podman_saves_into_the_folder_as_who_launched(pengine, podman, tmp_path, uid):
    folder = tmp_path / "project"
    folder.mkdir(mode=0o755)
    os.chown(folder, uid, uid)
    request = LaunchRequest(STACK, unique(), host_port=free_port(), mounts=[(str(folder), WORK_DIR)],
                            run_as_user=True, uid=uid, gid=uid)
    assert launch_warnings(request) == []
    ready = _launch(pengine, request, f"podman, uid {uid}")
    try:
        assert ready.warning == ""
        # The URL answers with the token, like a browser would open it.
        with urllib.request.urlopen(ready.server.url, timeout=10) as r:
            assert r.status == 200
        assert save_notebook(ready.server, "Saved.ipynb") == 201
        saved = folder / "Saved.ipynb"
        assert (saved.stat().st_uid, saved.stat().st_gid) == (uid, uid)
    finally:
        pengine.remove(ready.container.id, force=True)


def test_rootless_podman_saves_as_the_user_who_runs_it():
    """Podman run by uid 4321: jtui sees it is rootless and proposes the root recipe (the
    container's root is that user), which saves into the user's folder as the user."""
    service = PodmanService([STACK], rootless=True).start()
    engine = Engine.connect(host=service.url)
    try:
        assert engine.info.product == "Podman" and engine.info.rootless
        folder = service.folder("project")
        request = launch_defaults(STACK, "jupyter", existing_names=set(), ports_in_use=set(),
                                  local=True, cwd=str(folder), ids=(UID, UID), rootless=True)
        assert request.run_as_user and (request.uid, request.gid) == (0, 0)
        request.name, request.host_port = unique(), free_port()
        assert launch_warnings(request) == []
        ready = _launch(engine, request, "rootless podman")
        assert ready.warning == ""
        with urllib.request.urlopen(ready.server.url, timeout=10) as r:
            assert r.status == 200
        assert save_notebook(ready.server, "Saved.ipynb") == 201
        saved = folder / "Saved.ipynb"
        assert (saved.stat().st_uid, saved.stat().st_gid) == (UID, UID)
    finally:
        engine.close()
        service.stop()
