"""Create + start, stop, restart, remove, and each typed error of a failed launch."""

import os
import time

import pytest

from tests.conftest import free_port
from tests.rig import TEST_LABEL, unique
from tui.engine import BindSourceMissing, Conflict, GpuUnavailable, ImageNotFound, NameInUse, PortInUse


def _leftovers(engine, name):
    return [c for c in engine.api.containers(all=True, filters={"label": TEST_LABEL})
            if f"/{name}" in (c.get("Names") or [])]


def test_create_start_stop_restart_remove(engine, spec_factory, tmp_path):
    (tmp_path / "hello.txt").write_text("hi")
    spec = spec_factory(binds=[(str(tmp_path), "/data")], environment={"GREETING": "hello"},
                        ports={"8000/tcp": ("127.0.0.1", None)})
    details = engine.create_and_start(spec)
    assert details.state == "running"
    assert details.env["GREETING"] == "hello"
    assert (str(tmp_path), "/data") in details.mounts
    assert details.summary.labels[TEST_LABEL] == "1"
    assert engine.exec_capture(details.id, ["cat", "/data/hello.txt"]) == (0, "hi")

    started = time.monotonic()
    engine.stop(details.id, grace=1)  # busybox sleep ignores SIGTERM as PID 1: grace applies
    assert time.monotonic() - started < 15
    stopped = engine.inspect_container(details.id)
    assert stopped.state == "exited" and stopped.exit_code is not None

    engine.start(details.id)
    first = engine.inspect_container(details.id).started_at
    engine.restart(details.id, grace=1)
    again = engine.inspect_container(details.id)
    assert again.state == "running" and again.started_at > first

    with pytest.raises(Conflict):
        engine.remove(details.id)  # running: needs force
    engine.remove(details.id, force=True)
    assert _leftovers(engine, spec.name) == []


def test_port_held_by_a_plain_socket(engine, spec_factory, held_port):
    spec = spec_factory(ports={"8888/tcp": ("127.0.0.1", held_port)})
    with pytest.raises(PortInUse) as err:
        engine.create_and_start(spec)
    assert err.value.port == held_port
    assert str(held_port) in err.value.hint
    assert _leftovers(engine, spec.name) == []


def test_port_held_by_another_container(engine, spec_factory):
    port = free_port()
    engine.create_and_start(spec_factory(ports={"8888/tcp": ("127.0.0.1", port)}))
    spec = spec_factory(ports={"8888/tcp": ("127.0.0.1", port)})
    with pytest.raises(PortInUse) as err:
        engine.create_and_start(spec)
    assert err.value.port == port
    assert _leftovers(engine, spec.name) == []


def test_name_in_use(engine, spec_factory, busybox):
    with pytest.raises(NameInUse) as err:
        engine.create_and_start(spec_factory(name=busybox.name))
    assert err.value.name == busybox.name
    assert busybox.name in err.value.hint


def test_missing_bind_source(engine, spec_factory, tmp_path):
    missing = str(tmp_path / "does-not-exist")
    spec = spec_factory(binds=[(missing, "/home/jovyan/work")])
    with pytest.raises(BindSourceMissing) as err:
        engine.create_and_start(spec)
    assert err.value.path == missing
    assert not os.path.exists(missing), "the engine must not create the folder"
    assert _leftovers(engine, spec.name) == []


def test_gpu_without_nvidia_runtime(engine, spec_factory):
    spec = spec_factory(gpu=True)
    with pytest.raises(GpuUnavailable) as err:
        engine.create_and_start(spec)
    assert "NVIDIA Container Toolkit" in err.value.hint
    assert "gpu" in err.value.message.lower()
    assert _leftovers(engine, spec.name) == []


def test_image_not_found_at_create(engine, spec_factory):
    spec = spec_factory(image="jtui-test/not-pulled:nope")
    with pytest.raises(ImageNotFound) as err:
        engine.create_and_start(spec)
    assert "jtui-test/not-pulled:nope" in err.value.hint
    assert _leftovers(engine, spec.name) == []


def test_restart_policy_and_auto_remove(engine, spec_factory):
    details = engine.create_and_start(spec_factory(restart_policy="unless-stopped"))
    raw = engine.api.inspect_container(details.id)
    assert raw["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    spec = spec_factory(auto_remove=True, command=["true"])
    gone = engine.create_and_start(spec)
    deadline = time.monotonic() + 10
    while _leftovers(engine, spec.name) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _leftovers(engine, spec.name) == [], f"{gone.name} should remove itself"


def test_unknown_container_is_not_found(engine):
    from tui.engine import ContainerNotFound
    with pytest.raises(ContainerNotFound):
        engine.inspect_container(unique("missing"))
