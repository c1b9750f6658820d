"""The engine's JSON as plain dataclasses: "every field tolerates missing or null data" (models.py),
checked on examples and on generated JSON, plus pull-progress arithmetic and event fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tui.engine import (
    ContainerDetails,
    ContainerSummary,
    EngineEvent,
    EngineInfo,
    ImageSummary,
    PortBinding,
    PullProgress,
)
from tui.engine.models import LayerProgress, _parse_time

# --- examples ----------------------------------------------------------------------------------


def test_summary_tolerates_nulls():
    row = ContainerSummary.from_list({"Id": "abc", "Names": None, "Labels": None, "Ports": None,
                                      "State": None, "Created": None})
    assert row.name == "abc" and row.labels == {} and row.ports == () and row.state == ""


def test_summary_from_an_empty_dict():
    row = ContainerSummary.from_list({})
    assert (row.id, row.name, row.image, row.state, row.created, row.ports) == ("", "", "", "", None, ())
    assert not row.running and row.short_id == ""


def test_summary_fields():
    row = ContainerSummary.from_list({
        "Id": "0123456789abcdef", "Names": ["/jl", "/alias"], "Image": "img:1", "ImageID": "sha256:x",
        "State": "Running", "Status": "Up 2 minutes", "Created": 1_700_000_000,
        "Labels": {"a": "b"}, "Command": "tini -g -- start-notebook.sh"})
    assert row.name == "jl" and row.short_id == "0123456789ab" and row.running
    assert row.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert row.labels == {"a": "b"} and row.command.startswith("tini")


def test_ports_dedupe_ipv6_and_format():
    row = ContainerSummary.from_list({"Id": "x", "Names": ["/n"], "Ports": [
        {"IP": "0.0.0.0", "PrivatePort": 8888, "PublicPort": 9000, "Type": "tcp"},
        {"IP": "::", "PrivatePort": 8888, "PublicPort": 9000, "Type": "tcp"},
        {"PrivatePort": 4040, "Type": "tcp"}, {"PrivatePort": 53, "PublicPort": 53, "IP": "127.0.0.1",
                                               "Type": "udp"}, "junk", {"PublicPort": 1}]})
    assert [str(p) for p in row.ports] == ["127.0.0.1:53->53/udp", "4040/tcp", "*:9000->8888"]


def test_port_binding_text():
    assert str(PortBinding(8888)) == "8888/tcp"
    assert str(PortBinding(8888, "tcp", "127.0.0.1", 9000)) == "127.0.0.1:9000->8888"
    assert str(PortBinding(8888, "tcp", "::", 9000)) == "*:9000->8888"


def test_details_from_inspect_with_nulls():
    d = ContainerDetails.from_inspect({
        "Id": "x", "Name": "/jl", "Config": {"Env": None, "Labels": None, "Image": "img"},
        "State": {"Status": "exited", "ExitCode": 2, "StartedAt": "2026-01-02T03:04:05.123456789Z"},
        "NetworkSettings": {"Ports": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9001"},
                                                   {"HostIp": "::1", "HostPort": "9001"}]}}})
    assert d.env == {} and d.exit_code == 2 and d.name == "jl"
    assert d.host_port(8888).host_port == 9001
    assert d.started_at.microsecond == 123456
    assert d.summary.status == "Exited (2)"


def test_details_from_an_empty_dict():
    d = ContainerDetails.from_inspect({})
    assert (d.id, d.state, d.env, d.mounts, d.exit_code, d.user, d.tty) == ("", "", {}, (), None, "", False)
    assert d.host_port(8888) is None


def test_details_fields():
    d = ContainerDetails.from_inspect({
        "Id": "c", "Name": "/jl", "Image": "sha256:i", "Created": "2026-01-02T03:04:05Z",
        "Config": {"Env": ["A=1", "B=x=y", "EMPTY=", "NOVALUE"], "Image": "img", "Labels": {"l": "v"},
                   "Entrypoint": ["tini", "--"], "Cmd": ["start-notebook.sh"], "Tty": True, "User": "1000"},
        "State": {"Status": "running", "ExitCode": 0, "Health": {"Status": "Healthy"},
                  "FinishedAt": "0001-01-01T00:00:00Z", "Error": ""},
        "NetworkSettings": {"Ports": {"8888/tcp": None, "4040/tcp": [{"HostIp": "", "HostPort": ""}],
                                      "bad/tcp": [{"HostPort": "1"}]}},
        "Mounts": [{"Source": "/h", "Destination": "/home/jovyan/work"}, {"Name": "vol", "Destination": "/v"}]})
    assert d.env == {"A": "1", "B": "x=y", "EMPTY": "", "NOVALUE": ""}
    assert d.summary.command == "tini -- start-notebook.sh" and d.summary.image == "img"
    assert d.health == "healthy" and d.summary.status == "Up (healthy)" and d.exit_code is None
    assert d.finished_at is None and d.tty and d.user == "1000"
    assert d.mounts == (("/h", "/home/jovyan/work"), ("vol", "/v"))
    assert [(p.container_port, p.host_port) for p in d.ports] == [(4040, None), (8888, None)]
    assert d.host_port(8888) is None


@pytest.mark.parametrize("value, expected", [
    (None, None), ("", None), (0, None), ("0001-01-01T00:00:00Z", None), ("garbage", None),
    (1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ("2026-01-02T03:04:05.123456789Z", datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2026-01-02T04:04:05+01:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))])
def test_parse_time(value, expected):
    assert _parse_time(value) == expected


def test_parse_time_fraction_with_a_zone_offset():
    assert _parse_time("2026-01-02T04:04:05.5+01:00") == datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)


def test_image_summary():
    img = ImageSummary.from_list({"Id": "sha256:" + "f" * 64, "RepoTags": ["<none>:<none>"], "Size": None,
                                  "RepoDigests": ["<none>@<none>", "r@sha256:1"], "Labels": None})
    assert img.dangling and img.tags == () and img.size == 0 and img.digests == ("r@sha256:1",)
    assert img.display_name == "<none>@ffffffffffff" and img.short_id == "ffffffffffff"
    named = ImageSummary.from_list({"Id": "i", "RepoTags": [
        "127.0.0.1:5000/jupyter/base-notebook:latest", "jupyter/base-notebook:latest", "b:1"]})
    assert named.display_name == "b:1"
    assert ImageSummary.from_list({"Id": "i", "RepoTags": ["quay.io/x/y:1", "localhost:5000/y:1"]}
                                  ).display_name == "quay.io/x/y:1"
    inspected = ImageSummary.from_inspect({"Id": "i", "RepoTags": None, "Size": 5, "Config": None})
    assert inspected.tags == () and inspected.size == 5 and inspected.labels == {}
    assert ImageSummary.from_inspect({"Config": {"Labels": {"a": "b"}}}).labels == {"a": "b"}


def test_event_fields():
    e = EngineEvent.from_raw({"Type": "container", "Action": "health_status: healthy",
                              "Actor": {"ID": "c1", "Attributes": {"name": "jl"}}, "time": 5})
    assert e.base_action == "health_status" and e.name == "jl" and e.time_nano == 5_000_000_000
    nano = EngineEvent.from_raw({"Action": "start", "timeNano": 123, "time": 9})
    assert nano.time_nano == 123 and nano.name == "" and nano.actor_id == ""
    empty = EngineEvent.from_raw({"Actor": None, "Action": None})
    assert (empty.type, empty.action, empty.base_action, empty.time_nano) == ("", "", "", 0)


def test_pull_progress_arithmetic():
    p = PullProgress("r:t")
    p.apply({"status": "Pulling from r", "id": "t"})
    p.apply({"status": "Pulling fs layer", "id": "aaaaaaaaaaaa"})
    p.apply({"status": "Already exists", "id": "bbbbbbbbbbbb"})
    p.apply({"status": "Downloading", "id": "aaaaaaaaaaaa",
             "progressDetail": {"current": 50, "total": 200}})
    assert p.status == "Pulling from r"
    assert p.layers_total == 2 and p.layers_done == 1
    assert p.current_bytes == 50 and p.total_bytes == 200 and p.fraction == 0.25
    p.apply({"status": "Verifying Checksum", "id": "aaaaaaaaaaaa"})
    assert p.current_bytes == 200
    p.apply({"status": "Extracting", "id": "aaaaaaaaaaaa", "progressDetail": {"current": 10, "total": 999}})
    assert p.total_bytes == 200  # extraction's total does not replace the download's
    p.apply({"status": "Pull complete", "id": "aaaaaaaaaaaa"})
    assert p.layers_done == 2 and p.fraction == 1.0
    unknown = PullProgress("r")
    unknown.apply({"status": "Downloading", "id": "cccccccccccc", "progressDetail": {"current": 5, "total": -1}})
    assert unknown.fraction == 0.0
    assert PullProgress("r").fraction == 0.0 and PullProgress("r", finished=True).fraction == 1.0


def test_pull_progress_tolerates_nulls():
    p = PullProgress("r")
    for msg in ({}, {"status": None, "id": None, "progressDetail": None},
                {"status": "Downloading", "id": "aaaaaaaaaaaa", "progressDetail": {"current": None, "total": None}},
                {"status": "Downloading", "id": "aaaaaaaaaaaa", "progressDetail": {"current": "5", "total": "x"}}):
        p.apply(msg)
    assert p.layers_total == 1 and p.current_bytes == 0 and p.fraction == 0.0
    assert LayerProgress("Already exists").done and not LayerProgress("Downloading").done


# --- properties: generated JSON ----------------------------------------------------------------
N = st.none()
text = st.text(max_size=10)
times = st.none() | st.integers(0, 2**31) | st.sampled_from(
    ["2026-01-02T03:04:05.123456789Z", "0001-01-01T00:00:00Z", "", "not a time"])


def obj(**fields):
    """A JSON object with any of these fields missing or null: the engine's shapes, holes included."""
    return st.fixed_dictionaries({}, optional={k: v | N for k, v in fields.items()})


list_port = obj(IP=text, PrivatePort=st.integers(0, 65535), PublicPort=st.integers(0, 65535), Type=text)
list_row = obj(Id=text, Names=st.lists(text | N, max_size=3), Image=text, ImageID=text, State=text,
               Status=text, Created=times, Ports=st.lists(list_port | N, max_size=3),
               Labels=st.dictionaries(text, text | N, max_size=3), Command=text)
binding = obj(HostIp=text, HostPort=text | st.sampled_from(["9000", ""]))
inspect_doc = obj(
    Id=text, Name=text, Image=text, Created=times, Mounts=st.lists(obj(Source=text, Name=text,
                                                                         Destination=text) | N, max_size=3),
    Config=obj(Env=st.lists(text | N, max_size=3), Image=text, Labels=st.dictionaries(text, text | N, max_size=3),
               Cmd=st.lists(text | N, max_size=2), Entrypoint=st.lists(text | N, max_size=2),
               Tty=st.booleans(), User=text),
    State=obj(Status=text, ExitCode=st.integers(), StartedAt=times, FinishedAt=times, Error=text,
              Health=obj(Status=text)),
    NetworkSettings=obj(Ports=st.dictionaries(st.sampled_from(["8888/tcp", "53/udp", "x", "8888"]),
                                              N | st.lists(binding | N, max_size=3), max_size=3)))
image_row = obj(Id=text, RepoTags=st.lists(text | N, max_size=3), Size=st.integers(0, 2**40), Created=times,
                Labels=st.dictionaries(text, text | N, max_size=3), RepoDigests=st.lists(text | N, max_size=3))
image_doc = obj(Id=text, RepoTags=st.lists(text | N, max_size=3), Size=st.integers(0, 2**40), Created=times,
                Config=obj(Labels=st.dictionaries(text, text | N, max_size=3)),
                RepoDigests=st.lists(text | N, max_size=3))
event = obj(Type=text, Action=text, Actor=obj(ID=text, Attributes=st.dictionaries(text, text | N, max_size=3)),
            time=st.integers(0, 2**31), timeNano=st.integers(0, 2**62))
pull_message = obj(status=text, id=text | st.just("aaaaaaaaaaaa"),
                   progressDetail=obj(current=st.integers(), total=st.integers()))

# Found by the properties below (each raised before models.py was made total).


@pytest.mark.parametrize("call, raw", [
    (ContainerSummary.from_list, {"Id": None}),  # Names missing and Id null: None[:12]
    (ContainerSummary.from_list, {"Id": "x", "Names": [None]}),  # None.lstrip
    (ContainerSummary.from_list, {"Id": "x", "Ports": [{"PrivatePort": None}]}),  # int(None)
    (ContainerDetails.from_inspect, {"Id": "x", "Mounts": [None]}),  # None.get
    (ContainerDetails.from_inspect, {"Id": "x", "NetworkSettings": {"Ports": {"8888/tcp": [None]}}}),
    (lambda raw: ImageSummary.from_inspect(raw).display_name, {"Id": "x", "RepoTags": [None]}),  # None in t
])
def test_known_null_examples(call, raw):
    call(raw)


@given(list_row)
def test_container_summary_tolerates_any_holes(raw):
    row = ContainerSummary.from_list(raw)
    assert isinstance(row.id, str) and isinstance(row.name, str) and isinstance(row.state, str)
    assert all(isinstance(p.container_port, int) for p in row.ports)


@given(inspect_doc)
def test_container_details_tolerate_any_holes(raw):
    d = ContainerDetails.from_inspect(raw)
    assert isinstance(d.env, dict) and all(isinstance(m, tuple) for m in d.mounts)


@given(image_row)
def test_listed_images_tolerate_any_holes(row):
    img = ImageSummary.from_list(row)
    assert isinstance(img.id, str) and isinstance(img.size, int) and isinstance(img.display_name, str)
    assert all(isinstance(t, str) and t for t in img.tags)


@given(image_doc)
def test_inspected_images_tolerate_any_holes(doc):
    img = ImageSummary.from_inspect(doc)
    assert isinstance(img.id, str) and isinstance(img.size, int) and isinstance(img.display_name, str)


@given(event)
def test_events_tolerate_any_holes(raw):
    e = EngineEvent.from_raw(raw)
    assert isinstance(e.base_action, str) and isinstance(e.name, (str, type(None))) and e.time_nano >= 0


@given(st.lists(pull_message, max_size=20))
def test_pull_progress_tolerates_any_holes(messages):
    p = PullProgress("r")
    for msg in messages:
        p.apply(msg)
        assert 0.0 <= p.fraction <= 1.0
        assert 0 <= p.current_bytes <= p.total_bytes or p.total_bytes == 0
        assert 0 <= p.layers_done <= p.layers_total


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
                           max_leaves=10)


@given(st.dictionaries(st.text(), json_values))
def test_unknown_fields_are_ignored(raw):
    """Fields a newer engine may add (any name but the known ones) change nothing."""
    known = {"Id", "Names", "Image", "ImageID", "State", "Status", "Created", "Ports", "Labels", "Command",
             "Name", "Config", "NetworkSettings", "Mounts", "RepoTags", "Size", "RepoDigests", "Type", "Action",
             "Actor", "time", "timeNano"}
    raw = {k: v for k, v in raw.items() if k not in known}
    assert ContainerSummary.from_list(raw) == ContainerSummary.from_list({})
    assert ContainerDetails.from_inspect(raw) == ContainerDetails.from_inspect({})
    assert ImageSummary.from_list(raw) == ImageSummary.from_list({})
    assert EngineEvent.from_raw(raw) == EngineEvent.from_raw({})


KNOWN_FIELDS = st.sampled_from(["Id", "Names", "Image", "ImageID", "State", "Status", "Created", "Ports",
                                "Labels", "Command"])


@given(st.dictionaries(KNOWN_FIELDS | st.text(), json_values))
# Found by CI: "²".isdigit() is true but int("²") raises.
@example({"Ports": {"²": None}})
@example({"Ports": [{"PrivatePort": "²", "PublicPort": "٣"}]})
def test_any_json_in_known_fields(raw):
    """Issue 9: a proxy's `"Ports":[{"PrivatePort":"abc"}]`, `"Labels":["a=b"]` or all-null entries
    hid every container. Any JSON in any field now gives a readable row."""
    row = ContainerSummary.from_list(raw)
    assert isinstance(row.id, str) and isinstance(row.name, str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in row.labels.items())
    details = ContainerDetails.from_inspect({"Config": raw, "State": raw, "NetworkSettings": raw, **raw})
    assert isinstance(details.env, dict)
    ImageSummary.from_list(raw).display_name  # noqa: B018 - must not raise
    ImageSummary.from_inspect(raw).display_name  # noqa: B018
    EngineEvent.from_raw({"Actor": raw, **raw})


@given(json_values)
def test_any_json_value_at_all(value):
    for make in (ContainerSummary.from_list, ContainerDetails.from_inspect, ImageSummary.from_list,
                 ImageSummary.from_inspect, EngineEvent.from_raw):
        make(value)
    PullProgress("r").apply(value)


def test_proxy_shapes_seen_in_the_sweep():
    row = ContainerSummary.from_list({"Id": "abc", "Names": ["/n"], "Ports": [{"PrivatePort": "abc"}],
                                      "Labels": ["a=b"]})
    assert row.name == "n" and row.ports == () and row.labels == {"a": "b"}


def test_one_bad_entry_costs_one_row():
    from tui.engine.client import readable_containers
    rows = readable_containers([{"Id": "a" * 64, "Names": ["/good"]}, None, {"Id": {}}, "junk",
                                {"Id": "a" * 64, "Names": ["/twin"]}])
    assert [r.name for r in rows] == ["good", "(unreadable entry 1)", "(unreadable entry 2)",
                                      "(unreadable entry 3)", "(unreadable entry 4)"]
    assert len({r.id for r in rows}) == 5
    assert readable_containers({"message": "not a list"}) == []


# --- which engine (issue 10): from the replies of version() and info() ----------------------------
DOCKER_VERSION = {"Version": "27.3.1", "ApiVersion": "1.47", "Os": "linux", "Arch": "amd64",
                  "Components": [{"Name": "Engine"}, {"Name": "containerd"}, {"Name": "runc"},
                                 {"Name": "docker-init"}]}
PODMAN_VERSION = {"Version": "4.3.1", "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64",
                  "Components": [{"Name": "Podman Engine"}, {"Name": "Conmon"},
                                 {"Name": "OCI Runtime (runc)"}]}


@pytest.mark.parametrize("version, info, kind, rootless, gpu", [
    (DOCKER_VERSION, {"SecurityOptions": ["name=seccomp,profile=builtin"], "Runtimes": {"runc": {}}},
     "Docker 27.3.1", False, False),
    (DOCKER_VERSION, {"SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless"]},
     "Docker 27.3.1 (rootless)", True, False),
    (DOCKER_VERSION, {"OperatingSystem": "Docker Desktop", "Runtimes": {"runc": {}, "nvidia": {}}},
     "Docker Desktop 27.3.1", False, True),
    (PODMAN_VERSION, {"BuildahVersion": "1.28.0", "Rootless": False}, "Podman 4.3.1", False, False),
    (PODMAN_VERSION, {"BuildahVersion": "1.28.0", "Rootless": True}, "Podman 4.3.1 (rootless)", True, False),
    (None, ["not", "a", "dict"], "Docker ?", False, False),
])
def test_which_engine_it_is(version, info, kind, rootless, gpu):
    engine = EngineInfo.from_engine("unix:///x.sock", version, info)
    assert (engine.kind, engine.rootless, engine.gpu_runtime) == (kind, rootless, gpu)


@given(json_values, json_values)
def test_which_engine_from_any_json(version, info):
    engine = EngineInfo.from_engine("e", version, info)
    assert engine.product in ("Docker", "Docker Desktop", "Podman") and isinstance(engine.kind, str)
