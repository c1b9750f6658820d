"""Rootless Docker (issue 10): jtui knows the engine is rootless, and the launch it proposes there
(the stacks' root recipe: on a rootless engine the container's root is the user who runs the
engine) gives a working URL and saves notebooks into the user's folder as that user, where the
stacks' default uid 1000 would be a subordinate id that cannot write there.

The engine is Debian's dockerd-rootless.sh run by uid 4321 (tests/rootless.py)."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import free_port
from tests.rig import STACK, save_notebook, unique
from tests.rootless import UID, RootlessDocker
from tui.engine import Engine
from tui.jupyter.launch import WORK_DIR, launch_defaults, launch_warnings
from tui.jupyter.launcher import Ready, launch

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="setting up a rootless engine needs root (CI runs as root)")


@pytest.fixture(scope="module")
def rootless():
    rig = RootlessDocker([STACK]).start()
    yield rig
    rig.stop()


def test_launch_on_rootless_docker_saves_as_the_engine_user(rootless):
    engine = Engine.connect(host=rootless.url)
    try:
        assert engine.info.product == "Docker" and engine.info.rootless
        assert engine.info.kind.endswith("(rootless)")
        folder = rootless.folder("project")  # the user's own folder, mode 755
        # What the form proposes on this engine, for this user: the root recipe.
        request = launch_defaults(STACK, "jupyter", existing_names=set(), ports_in_use=set(),
                                  local=True, cwd=str(folder), ids=(UID, UID), rootless=True)
        assert request.run_as_user and (request.uid, request.gid) == (0, 0)
        assert request.mounts == [(str(folder), WORK_DIR)]
        request.name, request.host_port = unique(), free_port()
        assert launch_warnings(request, rootless=True) == []
        started = time.monotonic()
        ready = None
        for step in launch(engine, request, ready_timeout=90):
            if isinstance(step, Ready):
                ready = step
        assert ready is not None
        print(f"rootless docker: ready in {time.monotonic() - started:.1f} s")
        assert ready.warning == ""
        with urllib.request.urlopen(ready.server.url, timeout=10) as r:
            assert r.status == 200
        assert save_notebook(ready.server, "Saved.ipynb") == 201
        saved = folder / "Saved.ipynb"
        assert (saved.stat().st_uid, saved.stat().st_gid) == (UID, UID)
        engine.remove(ready.container.id, force=True)

        # Without the recipe, Jupyter's uid 1000 is one of the user's subordinate ids: it cannot
        # write the folder, and jtui says so before the launch and after it.
        request.run_as_user, request.name, request.host_port = False, unique(), free_port()
        (before,) = launch_warnings(request, rootless=True)
        assert "uid 1000" in before and "tick 'Run as root in the container'" in before
        ready = None
        for step in launch(engine, request, ready_timeout=90):
            if isinstance(step, Ready):
                ready = step
        assert ready is not None
        assert "cannot save into" in ready.warning
        assert save_notebook(ready.server, "Refused.ipynb") == 403
        assert not (folder / "Refused.ipynb").exists()
        engine.remove(ready.container.id, force=True)
    finally:
        engine.close()
