"""Connecting: endpoint resolution, engine facts, and each kind of unreachable engine."""

import json
import socket

import docker.errors
import pytest

from tui.engine import Engine, EngineUnreachable, resolve_endpoint
from tui.engine.errors import translate


def test_connect_reports_endpoint_and_versions(engine):
    assert engine.info.version and engine.info.version != "?"
    assert engine.info.api_version.count(".") == 1
    assert engine.info.endpoint.startswith(("unix://", "tcp://", "ssh://", "http"))
    assert engine.ping()
    # Which engine it is, read at connect: the rig runs Debian's rootful dockerd (as root).
    raw = engine.api.info()
    assert engine.info.product == "Docker"
    assert engine.info.rootless == any("rootless" in o for o in raw.get("SecurityOptions") or [])
    assert engine.info.gpu_runtime == ("nvidia" in (raw.get("Runtimes") or {}))
    assert engine.info.kind.startswith(f"Docker {engine.info.version}")


def test_missing_socket_is_no_socket(tmp_path):
    with pytest.raises(EngineUnreachable) as err:
        Engine.connect(host=f"unix://{tmp_path}/docker.sock", timeout=5)
    assert err.value.reason == "no-socket"
    assert "start Docker" in err.value.hint
    assert str(tmp_path) in err.value.message


def test_socket_without_daemon_is_refused(tmp_path):
    path = tmp_path / "dead.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))  # bound, never listening: connections are refused
    try:
        with pytest.raises(EngineUnreachable) as err:
            Engine.connect(host=f"unix://{path}", timeout=5)
        assert err.value.reason == "refused"
        assert "daemon" in err.value.hint
    finally:
        sock.close()


def test_tcp_nothing_listening_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EngineUnreachable) as err:
        Engine.connect(host=f"tcp://127.0.0.1:{port}", timeout=5)
    assert err.value.reason == "refused"


def test_permission_denied_maps_to_docker_group_hint():
    # As root (CI) the socket's permissions cannot refuse us, so feed docker-py's own message.
    exc = docker.errors.DockerException(
        "Error while fetching server API version: ('Connection aborted.', "
        "PermissionError(13, 'Permission denied'))")
    err = translate(exc, endpoint="unix:///var/run/docker.sock")
    assert isinstance(err, EngineUnreachable) and err.reason == "permission"
    assert "docker' group" in err.hint


def test_unknown_context_is_a_clear_error():
    with pytest.raises(EngineUnreachable) as err:
        Engine.connect(context="no-such-context-jtui")
    assert "no-such-context-jtui" in str(err.value)


def test_endpoint_resolution_order(tmp_path, monkeypatch):
    env = {"DOCKER_HOST": "tcp://10.0.0.1:2375"}
    assert resolve_endpoint("unix:///x.sock", None, env).url == "unix:///x.sock"
    assert resolve_endpoint(None, None, env).source == "DOCKER_HOST"
    assert resolve_endpoint(None, None, {}).url == "unix:///var/run/docker.sock"
    # The CLI's current context with an explicit endpoint, as `docker context create` writes it.
    import hashlib
    name = "remote-jtui"
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({
        "Name": name, "Metadata": {},
        "Endpoints": {"docker": {"Host": "ssh://me@example.invalid", "SkipTLSVerify": False}}}))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": name}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    endpoint = resolve_endpoint(None, None, {"DOCKER_CONFIG": str(tmp_path)})
    assert endpoint.url == "ssh://me@example.invalid"
    assert endpoint.source == f"context {name}"
    assert endpoint.display == "ssh://example.invalid"
    assert endpoint.is_ssh


def test_explicit_host_reaches_the_same_engine(engine):
    if not engine.endpoint.url.startswith("unix://"):
        pytest.fail("the rig's engine is expected on a unix socket")
    other = Engine.connect(host=engine.endpoint.url)
    try:
        assert other.info.version == engine.info.version
    finally:
        other.close()
