"""Pure text handling of the engine layer: engine messages to typed errors, frames to lines, and
the `since` of a log resume."""

from __future__ import annotations

from datetime import UTC, datetime

import docker.errors
import requests.exceptions
from hypothesis import given
from hypothesis import strategies as st

from tui.engine import EngineUnreachable, GpuUnavailable, NameInUse, PortInUse, TagNotFound
from tui.engine.client import api_since
from tui.engine.errors import translate
from tui.engine.streams import LineSplitter


def test_line_splitter_bounds_memory():
    s = LineSplitter(max_line=10)
    assert list(s.feed("stdout", b"ab")) == []
    assert s.pending("stdout") and not s.pending("stderr")
    assert list(s.feed("stdout", b"c\r\nd")) == [("stdout", b"abc")]
    assert list(s.feed("stdout", b"x" * 25)) == [("stdout", b"d" + b"x" * 9), ("stdout", b"x" * 10)]
    assert list(s.flush()) == [("stdout", b"x" * 6)]
    assert not s.pending("stdout")


@given(st.lists(st.tuples(st.sampled_from(["stdout", "stderr"]), st.binary(max_size=50)), max_size=20),
       st.integers(1, 40))
def test_line_splitter_loses_nothing(chunks, max_line):
    """Whatever the chunking, each stream's bytes come back in order, split at newlines (a CRLF's
    \\r dropped). Memory stays bounded: what waits in the buffer is cut at max_line, so a piece
    is at most max_line plus the chunk that ended it."""
    s = LineSplitter(max_line=max_line)
    out: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    for stream, data in chunks:
        for name, piece in s.feed(stream, data):
            out[name].append(piece)
    for name, piece in s.flush():
        out[name].append(piece)
    for name in out:
        sent = b"".join(d for n, d in chunks if n == name).replace(b"\r\n", b"\n")
        biggest = max([len(d) for n, d in chunks if n == name], default=0)
        assert all(len(p) <= max_line + biggest for p in out[name])
        assert b"".join(out[name]).replace(b"\r", b"") == sent.replace(b"\n", b"").replace(b"\r", b"")


def _api_error(msg: str, code: int = 500) -> docker.errors.APIError:
    return docker.errors.APIError(msg, explanation=msg,
                                  response=type("R", (), {"status_code": code, "reason": ""})())


def test_translate_engine_messages():
    err = translate(_api_error("driver failed programming external connectivity: Bind for 127.0.0.1:8900 "
                               "failed: port is already allocated"))
    assert isinstance(err, PortInUse) and err.port == 8900 and err.address == "127.0.0.1"
    err = translate(_api_error("Error starting userland proxy: listen tcp4 127.0.0.1:8901: bind: address "
                               "already in use"))
    assert isinstance(err, PortInUse) and err.port == 8901
    err = translate(_api_error('Conflict. The container name "/jl" is already in use by container "ab".', 409))
    assert isinstance(err, NameInUse) and err.name == "jl"
    assert isinstance(translate(_api_error('could not select device driver "" with capabilities: [[gpu]]')),
                      GpuUnavailable)
    assert isinstance(translate(_api_error("manifest for x:y not found: manifest unknown", 404)), TagNotFound)
    err = translate(requests.exceptions.ConnectionError("('Connection aborted.', ConnectionRefusedError(111))"))
    assert isinstance(err, EngineUnreachable) and err.reason == "refused"


def test_api_since_from_rfc3339():
    assert api_since("2026-11-26T08:52:20.123489966Z") == "1795683140.123489967"
    assert api_since("2026-11-26T08:52:20Z") == "1795683140.000000001"
    assert api_since("2026-11-26T09:52:20+01:00") == "1795683140.000000001"
    assert api_since(12) == "12"
    assert api_since("not a time") == "not a time"


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
       st.integers(0, 999_999_999))
def test_api_since_is_just_after_the_line(when, nanos):
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"
    seconds, _, fraction = api_since(stamp).partition(".")
    total = int(seconds) * 1_000_000_000 + int(fraction)
    expected = int(when.replace(tzinfo=UTC, microsecond=0).timestamp()) * 1_000_000_000 + nanos + 1
    assert total == expected
