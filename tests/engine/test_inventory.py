"""Details, layers, volumes and prunes against the real engine: the fields inspect gives (secrets
masked), a jtui launch's recipe that really makes the same container, image layers, volumes in
use, and prunes that free what they said they would."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.rig import BUSYBOX, LAYERS, REGISTRY, STACK, TEST_LABEL, unique
from tui.engine import EngineError
from tui.engine.inventory import (
    MASK,
    VolumeInUse,
    container_details,
    create_volume,
    disk_usage,
    image_details,
    list_volumes,
    prune,
    remove_volume,
)


def by(fields, section, name):
    matches = [f for f in fields if f.section == section and f.name == name]
    assert matches, f"no {section}/{name} in {[(f.section, f.name) for f in fields]}"
    return matches[0]


@pytest.fixture
def volumes(engine):
    """Names of volumes a test makes; removed (with whatever still uses them) at the end."""
    names: list[str] = []
    yield names
    for name in names:
        for c in engine.api.containers(all=True, filters={"volume": name}):
            engine.api.remove_container(c["Id"], force=True)
        try:
            engine.api.remove_volume(name)
        except Exception:  # pruned by the test already
            pass


def wait_exited(engine, cid: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while engine.api.inspect_container(cid)["State"]["Status"] != "exited":
        assert time.monotonic() < deadline, "the container did not finish"
        time.sleep(0.1)


def test_inspect_fields_with_secrets_masked(engine, spec_factory, volumes, tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    volume = unique("jtui-vol")
    volumes.append(volume)
    spec = spec_factory(environment={"API_TOKEN": "tok-s3cr3t", "PLAIN": "visible"},
                        labels={"org.example.team": "data"},
                        binds=[(volume, "/vol"), (str(folder), "/ro")], read_only=["/ro"],
                        restart_policy="unless-stopped", ports={"80/tcp": ("127.0.0.1", None)})
    details = engine.create_and_start(spec)
    fields = container_details(engine, details.id)

    assert by(fields, "Environment", "API_TOKEN").value == MASK
    assert by(fields, "Environment", "API_TOKEN").copied == MASK
    assert by(fields, "Environment", "PLAIN").value == "visible"
    assert not any("tok-s3cr3t" in f.value or "tok-s3cr3t" in f.copied for f in fields)
    assert by(fields, "Labels", "org.example.team").value == "data"
    assert by(fields, "Labels", TEST_LABEL).value == "1"
    ro = by(fields, "Mounts", "/ro")
    assert engine.endpoint.is_local
    assert ro.value.startswith(f"{folder} ⇄ /ro (bind, ro, owner uid {os.getuid()}")
    assert ro.copied == str(folder)
    assert by(fields, "Mounts", "/vol").value == f"volume {volume} ⇄ /vol (rw)"
    published = engine.inspect_container(details.id).host_port(80)
    assert published is not None
    assert by(fields, "Ports", "80/tcp").value == f"127.0.0.1:{published.host_port}"
    assert by(fields, "Restart", "policy").value == "unless-stopped"
    assert by(fields, "Image", "image").value == BUSYBOX
    assert by(fields, "Image", "image id").value == engine.api.inspect_image(BUSYBOX)["Id"]
    assert by(fields, "Health", "status").value == "no health check"
    assert by(fields, "Container", "command").value == "sleep 100000"
    assert not [f for f in fields if f.section == "Launched by jtui"]  # not a jtui launch


def test_health_shows_the_last_probe_output(engine, spec_factory):
    name = spec_factory().name  # registered for cleanup
    cid = engine.api.create_container(
        BUSYBOX, name=name, labels={TEST_LABEL: "1"},
        healthcheck={"test": ["CMD", "sh", "-c", "echo probe-says-hi; exit 1"],
                     "interval": 300_000_000, "timeout": 2_000_000_000, "retries": 1})["Id"]
    engine.start(cid)
    deadline = time.monotonic() + 20
    while not (engine.api.inspect_container(cid)["State"].get("Health") or {}).get("Log"):
        assert time.monotonic() < deadline, "no probe ran"
        time.sleep(0.1)
    fields = container_details(engine, cid)
    assert by(fields, "Health", "status").value in ("starting", "unhealthy")
    assert by(fields, "Health", "last probe").value.startswith("exit 1 at ")
    assert by(fields, "Health", "last output").value == "probe-says-hi"


def test_the_launch_recipe_makes_the_same_container(engine, spec_factory, volumes, tmp_path):
    """A jtui launch's recipe, run with the docker CLI, makes a container with the same mounts,
    labels and environment; the token is read from the caller's environment, never printed."""
    folder = tmp_path / "work"
    folder.mkdir()
    volume = unique("jtui-home")
    volumes.append(volume)
    spec = spec_factory(environment={"JUPYTER_TOKEN": "the-token", "NB_UID": "1000"},
                        labels={"org.jtui.jupyter": "lab", "org.jtui.home-volume": volume},
                        binds=[(str(folder), "/home/jovyan/work"), (volume, "/home/jovyan")],
                        read_only=["/home/jovyan/work"], ports={"8888/tcp": ("127.0.0.1", None)},
                        memory="64m")
    details = engine.create_and_start(spec)
    fields = container_details(engine, details.id)
    launched = {f.name: f.value for f in fields if f.section == "Launched by jtui"}
    assert launched["jupyter"] == "lab" and launched["home-volume"] == volume
    recipe = launched["docker run"]
    assert "the-token" not in recipe and "-e JUPYTER_TOKEN " in recipe

    again = spec_factory().name  # another name, cleaned up by the fixture
    command = recipe.replace(f"--name {details.name} ", f"--name {again} ")
    run = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "JUPYTER_TOKEN": "from-my-shell"})
    assert run.returncode == 0, run.stderr
    copy = engine.api.inspect_container(again)
    original = engine.api.inspect_container(details.id)
    assert copy["Config"]["Labels"] == original["Config"]["Labels"]
    assert "JUPYTER_TOKEN=from-my-shell" in copy["Config"]["Env"]
    assert "NB_UID=1000" in copy["Config"]["Env"]
    mounts = lambda c: sorted((m["Type"], m.get("Name") or m["Source"], m["Destination"], m["RW"])  # noqa: E731
                              for m in c["Mounts"])
    assert mounts(copy) == mounts(original)
    assert copy["HostConfig"]["Memory"] == original["HostConfig"]["Memory"] == 64 * 1024 * 1024


def test_image_layers_with_sizes_and_commands(engine):
    reference = f"{REGISTRY}/{LAYERS}"
    for _ in engine.pull(reference):
        pass
    try:
        fields = image_details(engine, reference)
        layers = [f for f in fields if f.section.startswith("Layers")]
        history = engine.api.history(reference)
        assert len(layers) == len(history) >= 4
        assert layers[0].section == f"Layers ({len(history)}, newest first)"
        random = [f for f in layers if "head -c 6000000 /dev/urandom" in f.value]
        assert len(random) == 3
        assert all(f.value.startswith("RUN head -c 6000000 /dev/urandom > /layer") for f in random)
        assert all(f.name.split()[1] == "6MB" for f in random)
        assert sum(h["Size"] for h in history) == engine.api.inspect_image(reference)["Size"]
        digests = engine.api.inspect_image(reference)["RepoDigests"]
        assert [f.value for f in fields if f.section == "Image" and f.name == "digest"] == digests
    finally:
        engine.api.remove_image(reference)

    # An imported image: one layer without a command.
    busybox = [f for f in image_details(engine, BUSYBOX) if f.section.startswith("Layers")]
    assert [f.value for f in busybox] == ["(no command: imported)"]


def test_volume_create_in_use_refused_remove_prune(engine, spec_factory, volumes):
    name = unique("jtui-vol")
    volumes.append(name)
    assert create_volume(engine, name) == name
    user = engine.api.create_container(BUSYBOX, name=spec_factory().name, labels={TEST_LABEL: "1"},
                                       command=["sh", "-c", "head -c 2000000 /dev/urandom > /v/blob"],
                                       host_config=engine.api.create_host_config(binds=[f"{name}:/v"]))["Id"]
    engine.start(user)
    wait_exited(engine, user)
    listed = {v.name: v for v in list_volumes(engine)}
    user_name = engine.api.inspect_container(user)["Name"].lstrip("/")
    assert listed[name].users == (user_name,)  # a stopped container still holds it
    assert listed[name].size == 2_000_000
    assert listed[name].created is not None

    with pytest.raises(VolumeInUse) as refused:
        remove_volume(engine, name)
    assert user_name in str(refused.value) and refused.value.users == (user_name,)
    assert name in {v.name for v in list_volumes(engine)}

    engine.remove(user)
    assert {v.name: v for v in list_volumes(engine)}[name].users == ()
    plan = disk_usage(engine).plans["volumes"]
    assert any(item.startswith(f"{name} (2MB)") for item in plan.items)
    result = prune(engine, "volumes")
    assert result.freed == plan.frees >= 2_000_000
    assert result.count == len(plan.items)
    assert name not in {v.name for v in list_volumes(engine)}

    other = create_volume(engine, unique("jtui-vol"))
    volumes.append(other)
    remove_volume(engine, other)
    assert other not in {v.name for v in list_volumes(engine)}
    with pytest.raises(EngineError):
        remove_volume(engine, other)  # gone: the engine says so


def test_prunes_free_what_they_said(engine, spec_factory, volumes):
    # A stopped container with 3 MB in its own layer, and an unused volume with 2 MB.
    stopped = engine.api.create_container(BUSYBOX, name=spec_factory().name, labels={TEST_LABEL: "1"},
                                          command=["sh", "-c", "head -c 3000000 /dev/urandom > /blob"])["Id"]
    engine.start(stopped)
    wait_exited(engine, stopped)
    volume = create_volume(engine, unique("jtui-vol"))
    volumes.append(volume)
    filler = engine.api.create_container(BUSYBOX, labels={TEST_LABEL: "1"},
                                         command=["sh", "-c", "head -c 2000000 /dev/urandom > /v/blob"],
                                         host_config=engine.api.create_host_config(binds=[f"{volume}:/v"]))
    engine.start(filler["Id"])
    wait_exited(engine, filler["Id"])
    engine.remove(filler["Id"])

    usage = disk_usage(engine)
    containers = usage.plans["containers"]
    name = engine.api.inspect_container(stopped)["Name"].lstrip("/")
    assert f"{name} (3MB)" in containers.items and containers.exact
    result = prune(engine, "containers")
    assert result.freed == containers.frees >= 3_000_000
    assert result.count == len(containers.items)

    vols = disk_usage(engine).plans["volumes"]
    assert f"{volume} (2MB)" in vols.items and vols.exact
    result = prune(engine, "volumes")
    assert result.freed == vols.frees >= 2_000_000

    cache = disk_usage(engine).plans["build-cache"]
    assert prune(engine, "build-cache").freed == cache.frees

    after = {row.kind: row for row in disk_usage(engine).rows}
    assert after["Containers"].reclaimable == 0 and after["Local volumes"].reclaimable == 0


def test_unused_images_prune_frees_what_it_said(engine, spec_factory):
    """Every image a container uses stays; the pulled one nobody uses goes, and frees what was
    said: its own layers, not the base layer it shares with busybox, which stays."""
    reference = f"{REGISTRY}/{LAYERS}"
    for _ in engine.pull(reference):
        pass
    keep = [engine.api.create_container(image, name=spec_factory().name, labels={TEST_LABEL: "1"})["Id"]
            for image in (BUSYBOX, STACK)]
    bound = disk_usage(engine, exact_images=False).plans["images"]
    plan = disk_usage(engine).plans["images"]
    assert any(item.startswith(f"{reference} (") for item in plan.items)
    assert plan.exact and plan.frees < bound.frees  # docker's figure counts the shared base
    result = prune(engine, "images")
    assert result.freed == plan.frees > 0
    assert not engine.image_exists(reference)
    assert engine.image_exists(BUSYBOX) and engine.image_exists(STACK)
    for cid in keep:
        engine.remove(cid)
