"""Endpoint.is_local: is the engine on this machine (its paths and ports are ours)?"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.engine import Endpoint


@pytest.mark.parametrize("url", [
    "unix:///var/run/docker.sock",
    "unix:///home/me/.docker/run/docker.sock",
    "npipe:////./pipe/docker_engine",
    "tcp://localhost:2375",
    "tcp://LOCALHOST:2375",
    "tcp://127.0.0.1:2375",
    "tcp://127.1.2.3",
    "tcp://[::1]:2376",
    "tcp://[::ffff:127.0.0.1]:2375",
    "https://127.0.0.1:2376",
    "localhost:2375",  # DOCKER_HOST without a scheme means tcp
])
def test_local(url):
    assert Endpoint(url=url, source="--host").is_local


@pytest.mark.parametrize("url", [
    "ssh://me@example.invalid",
    "ssh://me@localhost",  # ssh is remote even to this machine: another user, maybe a forward
    "ssh://127.0.0.1:2222",
    "tcp://10.0.0.1:2375",
    "tcp://192.168.1.20:2376",
    "tcp://docker.example.com:2376",
    "tcp://0.0.0.0:2375",
    "tcp://[::2]:2375",
    "tcp://[::ffff:10.0.0.1]:2375",
    "tcp://[::1",  # malformed
    "fd://",
])
def test_not_local(url):
    assert not Endpoint(url=url, source="--host").is_local


@given(st.integers(0, 2**24 - 1), st.integers(1, 65535))
def test_all_of_127_slash_8_is_local(n, port):
    host = f"127.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    assert Endpoint(url=f"tcp://{host}:{port}", source="DOCKER_HOST").is_local
    assert not Endpoint(url=f"ssh://{host}:{port}", source="DOCKER_HOST").is_local


@given(st.text())
def test_never_raises(url):
    assert Endpoint(url=url, source="--host").is_local in (True, False)


def test_the_rigs_engine_is_local(engine):
    assert engine.endpoint.is_local
