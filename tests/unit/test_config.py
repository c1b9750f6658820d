"""Settings: every bad value is one problem and the default; a broken file never stops jtui."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.config import AppConfig, engine_url_problem, load_config

DEFAULTS = AppConfig()


def load(tmp_path: Path, text: str) -> AppConfig:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_a_good_file(tmp_path):
    cfg = load(tmp_path, 'registry = "mirror.example/jupyter"\nlog_tail = 10\nlog_max_lines = 100\n'
                         'log_timestamps = true\nlog_wrap = true\nshow_all_containers = false\n'
                         'stop_grace_seconds = 0\nresync_seconds = 86400\ndebug = true\n'
                         'host = "ssh://me@box"\n[keymap]\nquit = "ctrl+q"\n')
    assert cfg.problems == []
    assert (cfg.registry, cfg.log_tail, cfg.log_max_lines, cfg.stop_grace_seconds) == \
        ("mirror.example/jupyter", 10, 100, 0)
    assert cfg.log_timestamps and cfg.log_wrap and not cfg.show_all_containers and cfg.debug
    assert cfg.resync_seconds == 86400.0 and cfg.host == "ssh://me@box"
    assert cfg.keymap == {"quit": "ctrl+q"}


def test_no_file_is_no_problem(tmp_path):
    cfg = load_config(tmp_path / "missing.toml")
    assert cfg.problems == [] and cfg.registry == DEFAULTS.registry


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "29", "29.9", "86401", "1e9", "true", '"60"', "[60]"])
def test_resync_seconds_must_be_finite_and_in_range(tmp_path, value):
    cfg = load(tmp_path, f"resync_seconds = {value}\n")
    assert cfg.resync_seconds == DEFAULTS.resync_seconds and math.isfinite(cfg.resync_seconds)
    assert len(cfg.problems) == 1 and "resync_seconds" in cfg.problems[0] and "30 to 86400" in cfg.problems[0]


@pytest.mark.parametrize("value", ["30", "30.5", "3600"])
def test_resync_seconds_in_range(tmp_path, value):
    cfg = load(tmp_path, f"resync_seconds = {value}\n")
    assert cfg.problems == [] and cfg.resync_seconds == float(value)


@pytest.mark.parametrize("key, value", [
    ("log_tail", "-1"), ("log_tail", "100001"), ("log_tail", "3.0"), ("log_tail", '"lots"'),
    ("log_tail", "true"), ("log_max_lines", "99"), ("stop_grace_seconds", "3601"),
    ("log_wrap", '"yes"'), ("log_timestamps", "1"), ("debug", '"true"'),
    ("registry", '""'), ("registry", "3"), ("context", '"  "'),
])
def test_a_bad_value_is_one_problem_and_the_default(tmp_path, key, value):
    cfg = load(tmp_path, f"{key} = {value}\n")
    assert getattr(cfg, key) == getattr(DEFAULTS, key)
    assert len(cfg.problems) == 1 and key in cfg.problems[0]


def test_unknown_setting(tmp_path):
    cfg = load(tmp_path, "nonsense = 1\n")
    assert len(cfg.problems) == 1 and "nonsense" in cfg.problems[0]


def test_keymap_values_must_be_text(tmp_path):
    cfg = load(tmp_path, '[keymap]\nquit = "ctrl+q"\nhelp = 3\nlogs-wrap = ["w"]\n[keymap.sub]\nx = "y"\n')
    assert cfg.keymap == {"quit": "ctrl+q"}  # the good entry stays
    assert len(cfg.problems) == 1
    assert all(name in cfg.problems[0] for name in ("help", "logs-wrap", "sub"))


def test_keymap_must_be_a_table(tmp_path):
    cfg = load(tmp_path, 'keymap = "q"\n')
    assert cfg.keymap == {} and len(cfg.problems) == 1 and "[keymap]" in cfg.problems[0]


@pytest.mark.parametrize("host", ["garbage", "tcp://box", "fd://", "ftp://box:21", "ssh://"])
def test_a_bad_host_in_the_file_is_one_problem(tmp_path, host):
    cfg = load(tmp_path, f'host = "{host}"\n')
    assert cfg.host is None and len(cfg.problems) == 1 and "host" in cfg.problems[0]


def test_host_and_context_in_the_file(tmp_path):
    cfg = load(tmp_path, 'host = "tcp://box:2375"\ncontext = "other"\n')
    assert cfg.host == "tcp://box:2375" and cfg.context is None
    assert len(cfg.problems) == 1 and "context" in cfg.problems[0]


def test_malformed_toml(tmp_path):
    cfg = load(tmp_path, "registry = [unclosed\n")
    assert cfg.registry == DEFAULTS.registry
    assert len(cfg.problems) == 1 and "not valid TOML" in cfg.problems[0]


def test_binary_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(bytes(range(256)) * 4)
    cfg = load_config(path)
    assert cfg.registry == DEFAULTS.registry
    assert len(cfg.problems) == 1 and "not a text file" in cfg.problems[0] and str(path) in cfg.problems[0]


def test_text_with_nul_bytes(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'registry = "a\x00b"\n')
    cfg = load_config(path)
    assert cfg.registry == DEFAULTS.registry and len(cfg.problems) == 1


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text('registry = "x"\n')

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # root reads any file: make the refusal explicit
    cfg = load_config(path)
    assert cfg.registry == DEFAULTS.registry
    assert len(cfg.problems) == 1 and "Permission denied" in cfg.problems[0]


def test_a_folder_instead_of_a_file(tmp_path):
    cfg = load_config(tmp_path)
    assert len(cfg.problems) == 1 and "Could not read" in cfg.problems[0]


def test_a_huge_file_is_not_read_whole(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"# " + b"x" * 2_000_000 + b"\n")
    cfg = load_config(path)
    assert len(cfg.problems) == 1 and "larger than" in cfg.problems[0]


def test_jtui_config_variable(tmp_path, monkeypatch):
    path = tmp_path / "elsewhere.toml"
    path.write_text("log_tail = 7\n")
    monkeypatch.setenv("JTUI_CONFIG", str(path))
    cfg = load_config()
    assert cfg.log_tail == 7 and cfg.source == path


@pytest.mark.parametrize("url", [
    "unix:///var/run/docker.sock", "unix://", "unix://relative.sock", "tcp://box:2375", "tcp://10.0.0.1:2376",
    "tcp://[::1]:2375", "http://box:2375", "https://box:2376", "ssh://box", "ssh://me@box", "ssh://me@box:2222",
    "npipe:////./pipe/docker_engine", "TCP://box:2375",
])
def test_engine_urls_docker_py_accepts(url):
    assert engine_url_problem(url) is None


@pytest.mark.parametrize("url, words", [
    ("", "empty"), ("  ", "empty"), ("garbage", "not an engine URL"), ("box:2375", "not an engine URL"),
    ("tcp://box", "needs a port"), ("tcp://", "names no host"), ("tcp://:2375", "names no host"),
    ("tcp://box:99999", "invalid port"), ("tcp://box:abc", "invalid port"), ("ssh://", "names no host"),
    ("ssh://me@box/path", "no path"), ("ftp://box:21", "unknown scheme"), ("fd://", "cannot connect"),
    ("npipe://", "names no pipe"), ("tcp://u:secret@box:2375", "no password"), ("tcp://box:2375?x=1", "query"),
    ("tcp://bo x:2375", "spaces"),
])
def test_engine_urls_refused_with_a_reason(url, words):
    problem = engine_url_problem(url)
    assert problem is not None and words in problem and "\n" not in problem
    assert "secret" not in problem


@given(st.text(max_size=80))
def test_engine_url_check_never_raises(url):
    problem = engine_url_problem(url)
    assert problem is None or isinstance(problem, str)


@given(st.binary(max_size=400))
def test_any_bytes_in_the_file_never_raise(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_bytes(data)
    cfg = load_config(path)
    assert isinstance(cfg.problems, list) and math.isfinite(cfg.resync_seconds) and cfg.resync_seconds >= 30


def test_engine_url_problems_never_echo_a_password():
    problem = engine_url_problem("tcp://me:secret@box:abc")
    assert problem is not None and "secret" not in problem and "tcp://me:***@box:abc" in problem
