"""Pure logic of the engine layer: parsing the engine's JSON, pull arithmetic, references."""

import docker.errors
import requests.exceptions

from tui.engine import (ContainerDetails, ContainerSummary, EngineUnreachable, GpuUnavailable,
                        NameInUse, PortInUse, PullProgress, TagNotFound, split_reference)
from tui.engine.errors import translate
from tui.engine.models import EngineEvent, _parse_time
from tui.engine.streams import LineSplitter


def test_summary_tolerates_nulls():
    row = ContainerSummary.from_list({"Id": "abc", "Names": None, "Labels": None, "Ports": None,
                                      "State": None, "Created": None})
    assert row.name == "abc" and row.labels == {} and row.ports == () and row.state == ""


def test_ports_dedupe_ipv6_and_format():
    row = ContainerSummary.from_list({"Id": "x", "Names": ["/n"], "Ports": [
        {"IP": "0.0.0.0", "PrivatePort": 8888, "PublicPort": 9000, "Type": "tcp"},
        {"IP": "::", "PrivatePort": 8888, "PublicPort": 9000, "Type": "tcp"},
        {"PrivatePort": 4040, "Type": "tcp"}]})
    assert [str(p) for p in row.ports] == ["4040/tcp", "*:9000->8888"]


def test_details_from_inspect_with_nulls():
    d = ContainerDetails.from_inspect({
        "Id": "x", "Name": "/jl", "Config": {"Env": None, "Labels": None, "Image": "img"},
        "State": {"Status": "exited", "ExitCode": 2, "StartedAt": "2026-01-02T03:04:05.123456789Z"},
        "NetworkSettings": {"Ports": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9001"},
                                                   {"HostIp": "::1", "HostPort": "9001"}]}}})
    assert d.env == {} and d.exit_code == 2 and d.name == "jl"
    assert d.host_port(8888).host_port == 9001
    assert d.started_at.microsecond == 123456


def test_parse_time_variants():
    assert _parse_time(0) is None
    assert _parse_time("0001-01-01T00:00:00Z") is None
    assert _parse_time(1700000000).year == 2023
    assert _parse_time("garbage") is None


def test_event_prefix_actions():
    e = EngineEvent.from_raw({"Type": "container", "Action": "health_status: healthy",
                              "Actor": {"ID": "c1", "Attributes": {"name": "jl"}}, "time": 5})
    assert e.base_action == "health_status" and e.name == "jl" and e.time_nano == 5_000_000_000


def test_pull_progress_arithmetic():
    p = PullProgress("r:t")
    p.apply({"status": "Pulling from r", "id": "t"})
    p.apply({"status": "Pulling fs layer", "id": "aaaaaaaaaaaa"})
    p.apply({"status": "Already exists", "id": "bbbbbbbbbbbb"})
    p.apply({"status": "Downloading", "id": "aaaaaaaaaaaa",
             "progressDetail": {"current": 50, "total": 200}})
    assert p.layers_total == 2 and p.layers_done == 1
    assert p.current_bytes == 50 and p.total_bytes == 200 and p.fraction == 0.25
    p.apply({"status": "Extracting", "id": "aaaaaaaaaaaa", "progressDetail": {"current": 10, "total": 200}})
    p.apply({"status": "Pull complete", "id": "aaaaaaaaaaaa"})
    assert p.layers_done == 2 and p.fraction == 1.0
    unknown = PullProgress("r")
    unknown.apply({"status": "Downloading", "id": "cccccccccccc", "progressDetail": {"current": 5, "total": -1}})
    assert unknown.fraction == 0.0


def test_split_reference():
    assert split_reference("quay.io/jupyter/scipy-notebook") == ("quay.io/jupyter/scipy-notebook", "latest")
    assert split_reference("127.0.0.1:5000/a/b:2025-01-06") == ("127.0.0.1:5000/a/b", "2025-01-06")
    assert split_reference("127.0.0.1:5000/a/b") == ("127.0.0.1:5000/a/b", "latest")
    assert split_reference("a@sha256:ff") == ("a", "sha256:ff")


def test_line_splitter_bounds_memory():
    s = LineSplitter(max_line=10)
    assert list(s.feed("stdout", b"ab")) == []
    assert list(s.feed("stdout", b"c\r\nd")) == [("stdout", b"abc")]
    assert list(s.feed("stdout", b"x" * 25)) == [("stdout", b"d" + b"x" * 9), ("stdout", b"x" * 10)]
    assert list(s.flush()) == [("stdout", b"x" * 6)]


def test_translate_engine_messages():
    def api(msg, code=500):
        return docker.errors.APIError(msg, explanation=msg, response=type("R", (), {"status_code": code, "reason": ""})())
    err = translate(api('driver failed programming external connectivity: Bind for 127.0.0.1:8900 failed: port is already allocated'))
    assert isinstance(err, PortInUse) and err.port == 8900 and err.address == "127.0.0.1"
    err = translate(api("Error starting userland proxy: listen tcp4 127.0.0.1:8901: bind: address already in use"))
    assert isinstance(err, PortInUse) and err.port == 8901
    err = translate(api('Conflict. The container name "/jl" is already in use by container "ab".', 409))
    assert isinstance(err, NameInUse) and err.name == "jl"
    assert isinstance(translate(api('could not select device driver "" with capabilities: [[gpu]]')), GpuUnavailable)
    assert isinstance(translate(api("manifest for x:y not found: manifest unknown", 404)), TagNotFound)
    err = translate(requests.exceptions.ConnectionError("('Connection aborted.', ConnectionRefusedError(111))"))
    assert isinstance(err, EngineUnreachable) and err.reason == "refused"


def test_api_since_from_rfc3339():
    from tui.engine.client import api_since
    assert api_since("2026-11-26T08:52:20.123489966Z") == "1795683140.123489967"
    assert api_since("2026-11-26T08:52:20Z") == "1795683140.000000001"
    assert api_since(12) == "12"
