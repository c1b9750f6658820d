"""Every failure of docker-py and the layers below it maps to a typed EngineError (pure logic)."""

from __future__ import annotations

import errno
import http.client
import threading

import docker.errors
import pytest
import requests.exceptions
import urllib3.exceptions
from docker.utils.socket import SocketError

from tui.engine import EngineError, EngineUnreachable, NotFound
from tui.engine.errors import DOCKER_FAILURES, engine_failures, is_engine_failure, translate
from tui.engine.streams import Stream

ENDPOINT = "unix:///run/test.sock"


def _incomplete() -> urllib3.exceptions.ProtocolError:
    inner = http.client.IncompleteRead(b"", 2)
    return urllib3.exceptions.ProtocolError(f"Connection broken: {inner!r}", inner)


# What a connection that breaks mid-way raises, as seen from docker-py's readers.
LOST = [
    _incomplete(),
    http.client.IncompleteRead(b"", 10),
    urllib3.exceptions.IncompleteRead(0, 10),
    http.client.RemoteDisconnected("Remote end closed connection without response"),
    urllib3.exceptions.ProtocolError("Connection aborted.",
                                     ConnectionResetError(104, "Connection reset by peer")),
    requests.exceptions.ChunkedEncodingError(_incomplete()),
    requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("closed"))),
    BrokenPipeError(errno.EPIPE, "Broken pipe"),
    ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    OSError(errno.EBADF, "Bad file descriptor"),
    SocketError("Unexpected EOF"),
    docker.errors.StreamParseError(ValueError("Expecting value: line 1 column 3")),
]


@pytest.mark.parametrize("exc", LOST, ids=lambda e: type(e).__name__)
def test_a_broken_connection_is_a_lost_engine(exc):
    assert is_engine_failure(exc)
    err = translate(exc, endpoint=ENDPOINT)
    assert type(err) is EngineUnreachable
    assert err.message.startswith(f"Lost the Docker engine at {ENDPOINT}")
    assert err.reason == "lost" and err.endpoint == ENDPOINT
    assert "Docker may have stopped" in err.hint


@pytest.mark.parametrize("exc, reason", [
    (urllib3.exceptions.ReadTimeoutError(None, "/events", "Read timed out."), "timeout"),
    (requests.exceptions.ReadTimeout("UnixHTTPConnectionPool(host='localhost'): Read timed out."),
     "timeout"),
    (TimeoutError("timed out"), "timeout"),  # socket.timeout is this same class
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", FileNotFoundError(2, "No such file or directory"))), "no-socket"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", ConnectionRefusedError(111, "Connection refused"))), "refused"),
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "refused"),
    (PermissionError(errno.EACCES, "Permission denied"), "permission"),
    (urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: "
                                                 "[Errno 111] Connection refused"), "refused"),
    (urllib3.exceptions.SSLError("certificate verify failed"), "other"),
])
def test_each_failure_has_its_reason(exc, reason):
    err = translate(exc, endpoint=ENDPOINT)
    assert isinstance(err, EngineUnreachable)
    assert err.reason == reason, err.message


def test_ssh_failures_are_typed():
    paramiko = pytest.importorskip("paramiko", reason="paramiko is optional")
    exc = paramiko.ssh_exception.AuthenticationException("Authentication failed.")
    assert isinstance(exc, DOCKER_FAILURES)
    err = translate(exc, endpoint="ssh://host")
    assert isinstance(err, EngineUnreachable) and err.reason == "other"


def test_the_ssh_transports_bare_exception_is_recognised_by_its_origin():
    # docker-py's SSHSocket raises a bare Exception once its `ssh` subprocess is gone.
    code = compile("raise Exception('SSH subprocess not initiated.connect() must be called first.')",
                   "sshconn.py", "exec")
    with pytest.raises(Exception) as info:
        exec(code, {"__name__": "docker.transport.sshconn"})
    assert is_engine_failure(info.value)
    assert isinstance(translate(info.value, endpoint="ssh://host"), EngineUnreachable)
    # The same text raised by anyone else is not an engine failure.
    with pytest.raises(Exception) as ours:
        raise Exception("SSH subprocess not initiated.")
    assert not is_engine_failure(ours.value)


def test_answers_of_the_engine_keep_their_mapping():
    missing = docker.errors.NotFound("404", explanation="No such container: abc")
    assert isinstance(translate(missing), NotFound)
    assert not isinstance(translate(missing), EngineUnreachable)
    bad_url = requests.exceptions.InvalidURL("Invalid URL 'http+docker://'")
    err = translate(bad_url)
    assert type(err) is EngineError and "InvalidURL" in err.message


def test_our_own_bugs_are_not_engine_failures():
    for exc in (TypeError("x"), KeyError("Id"), ValueError("bad"), AttributeError("a"), RuntimeError("r")):
        assert not is_engine_failure(exc)
        with pytest.raises(type(exc)):
            with engine_failures(ENDPOINT):
                raise exc


def test_engine_failures_translates_inside_a_generator():
    def gen():
        with engine_failures(ENDPOINT):
            yield 1
            raise _incomplete()

    it = gen()
    assert next(it) == 1
    with pytest.raises(EngineUnreachable) as err:
        next(it)
    assert isinstance(err.value.__cause__, urllib3.exceptions.ProtocolError)
    # Abandoning the generator half-way is not a failure.
    it2 = gen()
    next(it2)
    it2.close()


def _failing(exc: BaseException):
    yield "first"
    raise exc


@pytest.mark.parametrize("exc", LOST, ids=lambda e: type(e).__name__)
def test_stream_raises_typed_errors(exc):
    stream = Stream(_failing(exc), lambda: None, ENDPOINT)
    assert next(stream) == "first"
    with pytest.raises(EngineUnreachable) as err:
        next(stream)
    assert err.value.endpoint == ENDPOINT


def test_stream_closed_on_purpose_just_ends():
    closing = threading.Event()

    def body():
        yield "first"
        closing.wait(5)
        raise _incomplete()  # what a read raises once close() shut the socket down

    stream = Stream(body(), closing.set, ENDPOINT)
    assert next(stream) == "first"
    threading.Timer(0.1, stream.close).start()
    assert list(stream) == []
    assert stream.closed


def test_stream_lets_our_bugs_through():
    stream = Stream(_failing(KeyError("Id")), lambda: None, ENDPOINT)
    next(stream)
    with pytest.raises(KeyError):
        next(stream)
