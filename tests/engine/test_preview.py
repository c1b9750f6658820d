"""The `docker run` command the launch form shows must do what jtui's own launch does: run it with
the docker CLI against the rig's engine, launch the same request through jtui, and compare both
containers as the engine describes them."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from typing import Any

import pytest

from tests.conftest import free_port
from tests.rig import STACK, TEST_LABEL, unique
from tui.jupyter.launch import LaunchRequest, docker_run_command
from tui.jupyter.launcher import Started, launch

pytestmark = pytest.mark.engine

RUN = "docker run -d"


def _cases(folder: str, other: str) -> dict[str, LaunchRequest]:
    return {
        "engine picks the port": LaunchRequest(STACK, unique(), mounts=[(folder, "/home/jovyan/work")]),
        "fixed port and extra ports": LaunchRequest(
            STACK, unique(), host_port=free_port(),
            extra_ports=[(free_port(), 4040), (free_port(), 8050)]),
        "all interfaces": LaunchRequest(STACK, unique(), bind_address="0.0.0.0"),
        "folders with spaces, commas and quotes": LaunchRequest(
            STACK, unique(), mounts=[(folder, "/home/jovyan/work"), (other, "/home/jovyan/data")]),
        "awkward environment": LaunchRequest(STACK, unique(), environment={
            "GREETING": 'say "hi" to $USER [x] `date` it\'s; echo pwned',
            "EMPTY": "", "BRACKETS": "[a-z]* {1,2} $(id)", "NOTEBOOK_ARGS": "--ServerApp.x='a b'"}),
        "run as my user": LaunchRequest(STACK, unique(), run_as_user=True, uid=4321, gid=4321,
                                        mounts=[(folder, "/home/jovyan/work")]),
        "restart policy": LaunchRequest(STACK, unique(), restart_policy="unless-stopped"),
        "notebook mode, removed on stop": LaunchRequest(STACK, unique(), mode="notebook", auto_remove=True),
    }


def _run_preview(engine, request: LaunchRequest) -> dict[str, Any]:
    command = docker_run_command(request)
    assert command.startswith(RUN)
    cli = " ".join(shlex.quote(a) for a in engine.endpoint.cli_args())
    command = f"docker {cli} run -d --label {TEST_LABEL}=1" + command[len(RUN):]
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LC_ALL": "C"})
    assert done.returncode == 0, f"{command}\n{done.stderr}"
    container_id = done.stdout.strip().splitlines()[-1]
    try:
        return engine.api.inspect_container(container_id)
    finally:
        engine.remove(container_id, force=True)


def _launch(engine, request: LaunchRequest) -> dict[str, Any]:
    steps = launch(engine, request)
    container_id = None
    try:
        for step in steps:
            if isinstance(step, Started):
                container_id = step.container.id
                break
        assert container_id is not None, "the launch never started a container"
        return engine.api.inspect_container(container_id)
    finally:
        steps.close()
        if container_id is not None:
            engine.remove(container_id, force=True)


def _env(raw: dict[str, Any]) -> dict[str, str]:
    return dict(item.partition("=")[::2] for item in raw["Config"]["Env"] or [])


def _mounts(raw: dict[str, Any]) -> list[tuple]:
    return sorted((m["Type"], m["Source"], m["Destination"], m["RW"]) for m in raw["Mounts"] or [])


def _published(raw: dict[str, Any], fixed: bool) -> dict[str, list[tuple[str, str]]]:
    """What the engine actually published (host port only when the request fixed it)."""
    out = {}
    for port, bindings in (raw["NetworkSettings"]["Ports"] or {}).items():
        out[port] = sorted((b["HostIp"], b["HostPort"] if fixed else "") for b in bindings or [])
    return out


@pytest.mark.parametrize("case", list(_cases("", "")))
def test_preview_command_does_what_the_launch_does(engine, tmp_path, case):
    folder = tmp_path / "my notebooks, 2025"
    other = tmp_path / 'data "raw" $HOME'
    folder.mkdir()
    other.mkdir()
    request = _cases(str(folder), str(other))[case]

    cli = _run_preview(engine, request)
    ours = _launch(engine, request)

    assert cli["Name"] == ours["Name"] == f"/{request.name}"
    assert cli["Config"]["Image"] == ours["Config"]["Image"] == STACK
    cli_env, our_env = _env(cli), _env(ours)
    assert re.fullmatch(r"[0-9a-f]{48}", cli_env.pop("JUPYTER_TOKEN"))
    assert re.fullmatch(r"[0-9a-f]{48}", our_env.pop("JUPYTER_TOKEN"))
    assert cli_env == our_env
    for key, value in request.environment.items():
        if key != "NOTEBOOK_ARGS":
            assert cli_env[key] == value  # the shell passed it through untouched
    assert cli["HostConfig"]["PortBindings"] == ours["HostConfig"]["PortBindings"]
    fixed = request.host_port is not None
    assert _published(cli, fixed) == _published(ours, fixed)
    assert _published(ours, True)["8888/tcp"][0][0] == request.bind_address
    if fixed:
        assert _published(ours, True)["8888/tcp"] == [(request.bind_address, str(request.host_port))]
    assert _mounts(cli) == _mounts(ours) == sorted(("bind", h, t, True) for h, t in request.mounts)
    assert cli["Config"]["User"] == ours["Config"]["User"]
    assert (cli["HostConfig"]["RestartPolicy"]["Name"] or "no") == \
        (ours["HostConfig"]["RestartPolicy"]["Name"] or "no") == request.restart_policy
    assert cli["HostConfig"]["AutoRemove"] == ours["HostConfig"]["AutoRemove"] == request.auto_remove
    cli_labels = dict(cli["Config"]["Labels"] or {})
    assert cli_labels.pop(TEST_LABEL) == "1"
    assert cli_labels == (ours["Config"]["Labels"] or {})


def test_preview_refuses_a_missing_folder_like_the_launch(engine, tmp_path):
    """`-v` would create the folder owned by root; the preview uses --mount, which refuses, as jtui
    does (jtui creates folders itself only when asked to)."""
    missing = tmp_path / "not here"
    request = LaunchRequest(STACK, unique(), mounts=[(str(missing), "/home/jovyan/work")])
    cli = " ".join(shlex.quote(a) for a in engine.endpoint.cli_args())
    command = f"docker {cli} run -d --label {TEST_LABEL}=1" + docker_run_command(request)[len(RUN):]
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "not here" in done.stderr
    assert not missing.exists()
    leftovers = engine.api.containers(all=True, filters={"name": request.name})
    for c in leftovers:
        engine.remove(c["Id"], force=True)
