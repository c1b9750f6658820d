"""The mounted folder is writable for the notebook server, whoever launches (issue 10, local
rootful engine): a notebook saved through Jupyter's API lands in the host folder, owned by the
user who launched; where it would not be writable, jtui says so before launch and checks after.

Against the real engine and the rig's JupyterLab image, whose start script honours the stacks'
variables jtui relies on (NB_USER/NB_UID/NB_GID as root, NOTEBOOK_ARGS; Jupyter itself refuses
root without --allow-root)."""

from __future__ import annotations

import os
import threading

import pytest

from tests.conftest import free_port
from tests.rig import STACK, save_notebook
from tui.engine.jobs import Line, exec_job
from tui.jupyter.detect import exec_user
from tui.jupyter.launch import WORK_DIR, LaunchRequest, container_spec, home_volume, launch_warnings
from tui.jupyter.launcher import Ready, launch
from tui.ui.containers import command_argv

ROOT = os.geteuid() == 0
OTHER_UID = 4321  # a host user who is neither root nor the stacks' 1000


def _launch(engine, spec_factory, request: LaunchRequest) -> Ready:
    request.name = spec_factory().name  # removed with the test's other containers
    ready = None
    for step in launch(engine, request, ready_timeout=90):
        if isinstance(step, Ready):
            ready = step
    assert ready is not None
    return ready


# (who launches, uid:gid jtui runs Jupyter as). Without root, "another user" is the runner itself:
# only root can hand a folder to uid 4321.
USERS = [pytest.param(0, id="root"),
         pytest.param(OTHER_UID if ROOT else os.getuid(), id="another user" if ROOT else "me")]


@pytest.mark.parametrize("uid", USERS)
def test_a_saved_notebook_lands_in_the_folder_owned_by_who_launched(engine, spec_factory, tmp_path, uid):
    folder = tmp_path / "project"
    folder.mkdir(mode=0o755)
    if ROOT:
        os.chown(folder, uid, uid)
    request = LaunchRequest(STACK, "x", host_port=free_port(), mounts=[(str(folder), WORK_DIR)],
                            run_as_user=True, uid=uid, gid=uid)
    assert launch_warnings(request) == []
    ready = _launch(engine, spec_factory, request)
    assert ready.warning == ""
    assert save_notebook(ready.server, "Saved.ipynb") == 201
    saved = folder / "Saved.ipynb"
    assert (saved.stat().st_uid, saved.stat().st_gid) == (uid, uid)
    # `x` (and `e`) run as the same user: a file made by a command is the user's too (seen:
    # they ran as root, the container's user, and left root-owned files in the folder).
    user = exec_user(ready.container.summary)
    assert user == (None if uid == 0 else f"{uid}:{uid}")
    out = [event.text for event in exec_job(engine, ready.container.id,
                                            command_argv(f"id -u && touch {WORK_DIR}/from-x"),
                                            user=user)(threading.Event()) if isinstance(event, Line)]
    assert out == [str(uid)]
    made = folder / "from-x"
    assert (made.stat().st_uid, made.stat().st_gid) == (uid, uid)


def test_a_folder_jupyter_cannot_write_is_said_before_and_after(engine, spec_factory, tmp_path):
    # Seen: as root, "run as my user" off, Jupyter (uid 1000) could not save into the root-owned
    # folder (403 in Lab) and nothing said so.
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o755)
    if ROOT:
        os.chown(folder, OTHER_UID, OTHER_UID)
    else:
        folder.chmod(0o555)  # not even ours to write: surely not uid 1000's
    request = LaunchRequest(STACK, "x", host_port=free_port(), mounts=[(str(folder), WORK_DIR)])
    (before,) = launch_warnings(request)
    assert "uid 1000" in before and "tick 'run as my user'" in before.lower()
    ready = _launch(engine, spec_factory, request)
    assert "cannot save into" in ready.warning and str(folder) in ready.warning
    # The check tells the truth: Jupyter's own save fails.
    assert save_notebook(ready.server, "Refused.ipynb") >= 400
    assert not (folder / "Refused.ipynb").exists()


@pytest.mark.skipif(not ROOT, reason="only root can hand a new folder to another uid")
def test_folders_jtui_creates_as_root_belong_to_the_server_user(engine, spec_factory, tmp_path):
    # Seen: "create missing folders" as root made a root-owned folder the stacks' uid 1000 could
    # not write. CI runs as root, so this runs there.
    folder = tmp_path / "new" / "project"
    request = LaunchRequest(STACK, "x", host_port=free_port(), mounts=[(str(folder), WORK_DIR)],
                            create_folders=True)
    ready = _launch(engine, spec_factory, request)
    assert (folder.stat().st_uid, folder.stat().st_gid) == (1000, 100)
    assert ready.warning == ""
    assert save_notebook(ready.server, "New.ipynb") == 201


def test_named_volume_read_only_folder_and_limits(engine, spec_factory, tmp_path):
    """Issue 10: a named volume (created if missing), a read-only folder (writes refused), memory,
    CPU and /dev/shm limits, and /home/jovyan kept in a volume per launch name: as the engine
    sees them, and as the container lives them."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "in.csv").write_text("a,b\n")
    name = spec_factory().name
    volume = f"{name}-env"
    request = LaunchRequest(STACK, name, host_port=free_port(),
                            mounts=[(str(tmp_path), WORK_DIR), (volume, "/opt/envs"), (str(data), "/data")],
                            read_only=["/data"], memory="512m", cpus="1.5", shm_size="256m",
                            keep_home=True, run_as_user=True, uid=0, gid=0)
    try:
        details = engine.create_and_start(container_spec(request, "t" * 48))
        raw = engine.api.inspect_container(details.id)
        host = raw["HostConfig"]
        assert (host["Memory"], host["NanoCpus"], host["ShmSize"]) == (512 * 2**20, 1_500_000_000, 256 * 2**20)
        mounts = {m["Destination"]: m for m in raw["Mounts"]}
        assert mounts["/opt/envs"]["Type"] == "volume" and mounts["/opt/envs"]["Name"] == volume
        assert mounts["/home/jovyan"]["Name"] == home_volume(name)
        assert mounts["/data"]["RW"] is False and mounts[WORK_DIR]["RW"] is True

        def sh(script: str) -> int:
            return engine.exec_capture(details.id, ["sh", "-c", script], user="0")[0]

        assert sh("cat /data/in.csv") == 0
        assert sh("touch /data/new") != 0  # read-only, even for root
        assert sh("touch /opt/envs/kept && df -m /dev/shm | tail -1 | grep -q ' 256 '") == 0
        # The home volume starts with the image's home (Docker copies it into a new volume).
        assert sh("test -d /home/jovyan/work") == 0
    finally:
        engine.api.remove_container(name, force=True)
        for v in (volume, home_volume(name)):
            try:
                engine.api.remove_volume(v)
            except Exception:
                pass
