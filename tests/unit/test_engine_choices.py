"""The engines the picker offers, and the choice remembered for the next start (issue 10)."""

from __future__ import annotations

import hashlib
import json

from tui.engine.choices import (
    EngineChoice,
    EngineMemory,
    available_engines,
    remembered_for_start,
)
from tui.engine.connection import DEFAULT_SOCKET, Endpoint


def _context(config_dir, name: str, host: str, description: str = "") -> None:
    """A context as `docker context create` stores it."""
    meta = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({
        "Name": name, "Metadata": {"Description": description},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}))


def test_contexts_docker_host_and_history_are_listed(tmp_path, monkeypatch):
    config_dir = tmp_path / "docker"
    config_dir.mkdir()
    (config_dir / "config.json").write_text(json.dumps({"currentContext": "gpu"}))
    _context(config_dir, "gpu", "ssh://me@gpu-box", "the lab's GPU machine")
    _context(config_dir, "ci", "tcp://10.0.0.5:2376")
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    memory = EngineMemory(tmp_path / "state")
    memory.add_host("ssh://me@old-box")
    memory.add_host("ssh://me@gpu-box")  # the same URL as a context: listed once, as the context
    environ = {"DOCKER_CONFIG": str(config_dir), "DOCKER_HOST": "tcp://127.0.0.1:2375"}
    choices = available_engines(memory, environ)
    labels = [c.label for c in choices]
    assert labels == ["local socket", "tcp://127.0.0.1:2375", "context ci", "context gpu",
                      "ssh://me@old-box"]
    gpu = choices[3]
    assert gpu.url == "ssh://me@gpu-box" and "GPU machine" in gpu.description
    assert "current" in gpu.description
    assert gpu.as_config() == (None, "gpu")
    assert choices[0].as_config() == (DEFAULT_SOCKET, None)
    assert gpu.matches(Endpoint("ssh://me@gpu-box", "context gpu"))
    assert choices[0].matches(Endpoint(DEFAULT_SOCKET, "default"))
    assert not choices[4].matches(Endpoint(DEFAULT_SOCKET, "default"))


def test_the_pick_is_remembered_and_the_environment_wins(tmp_path):
    memory = EngineMemory(tmp_path / "state")
    assert remembered_for_start(memory, {}) is None
    memory.remember(EngineChoice("host", "ssh://me@gpu-box", "ssh://me@gpu-box"))
    again = EngineMemory(tmp_path / "state")
    last = remembered_for_start(again, {})
    assert last is not None and last.as_config() == ("ssh://me@gpu-box", None)
    assert again.hosts() == ["ssh://me@gpu-box"]
    # Set for this shell: explicit, beats what was picked last time.
    assert remembered_for_start(again, {"DOCKER_HOST": "unix:///other.sock"}) is None
    assert remembered_for_start(again, {"DOCKER_CONTEXT": "ci"}) is None
    # --host URLs join the history without becoming the next start's engine.
    again.add_host("tcp://10.0.0.5:2376")
    assert again.hosts() == ["tcp://10.0.0.5:2376", "ssh://me@gpu-box"]
    assert again.last() == last


def test_an_unreadable_memory_file_is_ignored_and_rewritten(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "engine.json").write_text("{not json")
    memory = EngineMemory(state)
    assert memory.last() is None and memory.hosts() == []
    (state / "engine.json").write_text(json.dumps({"last": {"kind": "weird", "value": 3}, "hosts": [1, "x"]}))
    assert memory.last() is None and memory.hosts() == ["x"]
    memory.remember(EngineChoice("context", "gpu", "ssh://me@gpu-box"))
    assert json.loads((state / "engine.json").read_text())["last"] == {"kind": "context", "value": "gpu"}


def test_a_broken_context_store_lists_the_rest(tmp_path, monkeypatch):
    config_dir = tmp_path / "docker"
    config_dir.mkdir()
    (config_dir / "config.json").write_text("{}")
    bad = config_dir / "contexts" / "meta" / "x"
    bad.mkdir(parents=True)
    (bad / "meta.json").write_text("{broken")
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    choices = available_engines(EngineMemory(tmp_path / "state"), {"DOCKER_CONFIG": str(config_dir)})
    assert [c.label for c in choices] == ["local socket"]
