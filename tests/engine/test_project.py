"""Environments from the project folder and launch recipes, on the real engine: a folder's
requirements.txt (naming a wheel of the test's own index) is built on the stack, launched, and
imports; a changed file makes the image out of date; an unchanged rebuild is all cache; the saved
recipe launches from the command line, and its exports start an equivalent container."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.local_index import LocalIndex, local_index  # noqa: F401 - the fixture
from tests.project_stack import project_stack  # noqa: F401 - the fixture
from tests.rig import unique
from tui.engine.jobs import Done, Line
from tui.jupyter import project as project_module
from tui.jupyter.launch import LaunchRequest
from tui.jupyter.launcher import LaunchResult
from tui.jupyter.project import (
    HASH_LABEL,
    build_and_launch_job,
    image_out_of_date,
    plan_build,
    project_tag,
)
from tui.jupyter.recipe import Recipe, save_recipe, write_exports

pytestmark = pytest.mark.engine

def _run(job) -> tuple[LaunchResult, list[str]]:
    lines: list[str] = []
    result = None
    try:
        for event in job(threading.Event()):
            if isinstance(event, Line):
                lines.append(event.text)
            elif isinstance(event, Done):
                result = event.value
    except Exception:
        print("\n".join(lines[-40:]))  # the build's output says why
        raise
    assert isinstance(result, LaunchResult), lines[-20:]
    return result, lines


def _python(engine, container_id: str, code: str) -> str:
    status, out = engine.exec_capture(container_id, ["python3", "-c", code])
    assert status == 0, out
    return out.strip()


def _remove(engine, *refs: str) -> None:
    for ref in refs:
        try:
            engine.remove(ref, force=True)
        except Exception:
            pass


def test_requirements_build_launch_out_of_date_and_cached_rebuild(
        engine, tmp_path, monkeypatch,
        project_stack, local_index: LocalIndex):  # noqa: F811 - fixtures imported above
    monkeypatch.setattr(project_module, "HASH_MAX_AGE", 0.0)
    local_index.add("jtui-proj-demo", "1.0")
    local_index.add("jtui-proj-demo", "2.0")
    folder = tmp_path / "analysis"
    folder.mkdir()
    (folder / "requirements.txt").write_text("jtui-proj-demo==1.0\n")
    env = {**os.environ, **local_index.pip_env}
    names: list[str] = []
    try:
        build = plan_build(folder, project_stack, env)
        assert build is not None and build.tag == project_tag(folder)
        assert "COPY --chown=${NB_UID}:${NB_GID} requirements.txt" in build.dockerfile
        request = LaunchRequest(project_stack, unique(), mounts=[(str(folder), "/home/jovyan/work")])
        names.append(request.name)
        started = time.monotonic()
        result, lines = _run(build_and_launch_job(engine, build, request))
        print(f"\nfirst build + launch: {time.monotonic() - started:.1f}s")
        assert _python(engine, result.container_id,
                       "import jtui_proj_demo; print(jtui_proj_demo.__version__)") == "1.0"
        labels = engine.inspect_container(result.container_id).summary.labels
        assert labels[HASH_LABEL] == build.project.digest
        assert image_out_of_date(labels) is False
        # The mirror settings were build ARGs: the image's environment does not keep them.
        image_env = engine.api.inspect_image(build.tag)["Config"]["Env"]
        assert not any(e.startswith("PIP_") for e in image_env), image_env

        (folder / "requirements.txt").write_text("jtui-proj-demo==2.0\n")
        assert image_out_of_date(labels) is True
        # The container list carries the same labels (its row reads them from there).
        listed = next(c for c in engine.list_containers() if c.id == result.container_id)
        assert image_out_of_date(listed.labels) is True

        _remove(engine, result.container_id)
        rebuild = plan_build(folder, project_stack, env)
        assert rebuild is not None
        result, lines = _run(build_and_launch_job(engine, rebuild, request))
        assert _python(engine, result.container_id,
                       "import jtui_proj_demo; print(jtui_proj_demo.__version__)") == "2.0"
        labels = engine.inspect_container(result.container_id).summary.labels
        assert image_out_of_date(labels) is False

        # Unchanged files: every step comes from the layer cache.
        started = time.monotonic()
        events = list(project_module.build_events(engine, rebuild, threading.Event()))
        seconds = time.monotonic() - started
        output = [e.text for e in events if isinstance(e, Line)]
        steps = [line for line in output if re.match(r"^Step \d+/\d+ : (RUN|COPY)", line)]
        assert steps
        assert sum("Using cache" in line for line in output) >= len(steps), output
        print(f"unchanged rebuild: {seconds:.2f}s")
    finally:
        _remove(engine, *names)


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def _container(engine, name: str) -> dict:
    return engine.api.inspect_container(name)


def _shape(info: dict) -> tuple:
    """What "equivalent" means here: the same mounts, the same published ports (as asked for),
    the same image and Jupyter settings."""
    mounts = sorted((m.get("Source") or m.get("Name"), m["Destination"], m.get("RW")) for m in info["Mounts"])
    ports = {k: [(b.get("HostIp"), b.get("HostPort") or "") for b in v]
             for k, v in (info["HostConfig"]["PortBindings"] or {}).items()}
    env = sorted(e for e in info["Config"]["Env"] if e.startswith(("DOCKER_STACKS", "NOTEBOOK_ARGS")))
    return mounts, ports, info["Config"]["Image"], env


def test_jtui_launch_and_the_exports(
        engine, tmp_path,
        project_stack, local_index: LocalIndex):  # noqa: F811 - fixtures imported above
    local_index.add("jtui-proj-cli", "1.0")
    folder = tmp_path / "proj"
    (folder / "data").mkdir(parents=True)
    (folder / "requirements.txt").write_text("jtui-proj-cli\n")
    name = unique()
    request = LaunchRequest(project_stack, name, mounts=[(str(folder), "/home/jovyan/work"),
                                                         (str(folder / "data"), "/home/jovyan/data")],
                            read_only=["/home/jovyan/data"], extra_ports=[])
    save_recipe(Recipe(request, build_project=True), folder)
    env = {**os.environ, **local_index.pip_env}
    try:
        done = subprocess.run([sys.executable, "-m", "tui", "launch", str(folder), "--no-copy"],
                              capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        url = done.stdout.strip().splitlines()[-1]
        assert re.match(r"^http://127\.0\.0\.1:\d+/lab\?token=[0-9a-f]{48}$", url), done.stdout
        assert _get(url) == 200
        launched = _container(engine, name)
        assert launched["Config"]["Labels"].get(HASH_LABEL)
        assert _python(engine, name, "import jtui_proj_cli") == ""
        jtui_shape = _shape(launched)
        _remove(engine, name)

        # A second `jtui launch` of a broken recipe fails with the line named.
        bad = tmp_path / "bad"
        (bad / ".jtui").mkdir(parents=True)
        (bad / ".jtui" / "launch.toml").write_text('image = "x"\nname = "y"\nport = "eighty"\n')
        failed = subprocess.run([sys.executable, "-m", "tui", "launch", str(bad), "--no-copy"],
                                capture_output=True, text=True, timeout=60, env=env)
        assert failed.returncode == 1
        assert "line 3" in failed.stderr and "port" in failed.stderr, failed.stderr

        # The docker run script, run with bash from anywhere: same mounts, ports and settings.
        write_exports(Recipe(request, build_project=True), folder)
        script = subprocess.run(["bash", str(folder / ".jtui" / "run.sh")], capture_output=True,
                                text=True, timeout=300, env=env, cwd="/")
        assert script.returncode == 0, script.stderr
        script_url = script.stdout.strip().splitlines()[-1]
        assert re.match(r"^http://127\.0\.0\.1:\d+/lab\?token=", script_url), script.stdout
        _wait_answers(script_url)
        assert _shape(_container(engine, name)) == jtui_shape
        _remove(engine, name)

        # compose.yaml with the compose CLI this machine has (docker-compose v1 on the rig).
        compose = _compose_cli()
        project_name = unique("jtuitest")
        compose_env = {**env, "JUPYTER_TOKEN": "a" * 48}
        up = subprocess.run([*compose, "-p", project_name, "-f", str(folder / ".jtui" / "compose.yaml"),
                             "up", "-d"], capture_output=True, text=True, timeout=300, env=compose_env)
        try:
            assert up.returncode == 0, up.stderr
            info = _container(engine, name)
            mounts, ports, image, jupyter_env = _shape(info)
            assert (mounts, ports, jupyter_env) == (jtui_shape[0], jtui_shape[1], jtui_shape[3])
            port = info["NetworkSettings"]["Ports"]["8888/tcp"][0]["HostPort"]
            _wait_answers(f"http://127.0.0.1:{port}/lab?token={'a' * 48}")
        finally:
            subprocess.run([*compose, "-p", project_name, "-f", str(folder / ".jtui" / "compose.yaml"),
                            "down"], capture_output=True, timeout=120, env=compose_env)
    finally:
        _remove(engine, name)


def _compose_cli() -> list[str]:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"]


def _wait_answers(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            assert _get(url) == 200
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)

