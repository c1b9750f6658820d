"""Listing and inspecting with one engine call each, tolerant of null fields."""

from tests.rig import BUSYBOX, STACK, TEST_LABEL


def test_list_containers_one_call(engine, busybox, monkeypatch):
    calls = []
    real = engine.api.containers
    monkeypatch.setattr(engine.api, "containers", lambda **kw: calls.append(kw) or real(**kw))
    monkeypatch.setattr(engine.api, "inspect_container",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("inspect per row")))
    rows = engine.list_containers()
    assert len(calls) == 1
    row = next(r for r in rows if r.id == busybox.id)
    assert row.name == busybox.name
    assert row.state == "running" and row.running
    assert row.status.startswith("Up")
    assert row.labels[TEST_LABEL] == "1"
    assert row.image == BUSYBOX
    assert row.created is not None


def test_imported_image_container_has_null_env(engine, busybox):
    raw = engine.api.inspect_container(busybox.id)
    assert raw["Config"]["Env"] is None  # what an imported image gives
    details = engine.inspect_container(busybox.id)
    assert details.env == {}
    assert details.state == "running"
    assert details.exit_code is None


def test_list_images_marks_tags_and_sizes(engine):
    images = engine.list_images()
    by_tag = {t: img for img in images for t in img.tags}
    assert BUSYBOX in by_tag and STACK in by_tag
    assert by_tag[STACK].size > 100_000_000
    assert by_tag[BUSYBOX].labels == {}
    assert engine.image_exists(STACK)
    assert not engine.image_exists("jtui-test/no-such-image:nope")
    assert engine.inspect_image(STACK).labels.get("org.jtui.test-rig") == "stack"


def test_ports_are_read_back(engine, spec_factory):
    spec = spec_factory(ports={"8888/tcp": ("127.0.0.1", None)})
    details = engine.create_and_start(spec)
    binding = details.host_port(8888)
    assert binding is not None and binding.host_ip == "127.0.0.1" and binding.host_port > 0
    row = next(r for r in engine.list_containers() if r.id == details.id)
    assert [str(p) for p in row.ports] == [f"127.0.0.1:{binding.host_port}->8888"]
