"""Recent launches: remembered without secrets, capped, and never fatal when the file is damaged."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.jupyter.launch import LaunchRequest
from tui.jupyter.recent import MAX_RECENT, RecentLaunches


def test_remember_and_load(tmp_path):
    recent = RecentLaunches(tmp_path / "state")
    assert recent.load() == []  # no file yet
    first = LaunchRequest("img", "jl-1", host_port=9000, mounts=[("/a b", "/home/jovyan/work")],
                          environment={"A": "1"}, extra_ports=[(4041, 4040)], run_as_user=True, uid=5, gid=6)
    recent.remember(first)
    recent.remember(LaunchRequest("img", "jl-2"))
    assert [r.name for r in recent.load()] == ["jl-2", "jl-1"]
    assert recent.load()[1] == first
    recent.remember(LaunchRequest("other", "jl-1"))  # same name: replaces, moves to the front
    assert [(r.name, r.image) for r in recent.load()] == [("jl-1", "other"), ("jl-2", "img")]
    assert [p.name for p in (tmp_path / "state").iterdir()] == ["recent-launches.json"]  # no temp files


def test_secrets_are_never_written(tmp_path):
    recent = RecentLaunches(tmp_path)
    recent.remember(LaunchRequest("img", "jl", environment={
        "MY_TOKEN": "s1", "github_token": "s2", "DB_PASSWORD": "s3", "KEEP": "visible"}))
    text = recent.path.read_text()
    assert "s1" not in text and "s2" not in text and "s3" not in text
    assert recent.load()[0].environment == {"KEEP": "visible"}


def test_capped(tmp_path):
    recent = RecentLaunches(tmp_path)
    for i in range(MAX_RECENT + 5):
        recent.remember(LaunchRequest("img", f"jl-{i}"))
    names = [r.name for r in recent.load()]
    assert len(names) == MAX_RECENT and names[0] == f"jl-{MAX_RECENT + 4}"


def test_damaged_entries_are_skipped_not_the_history(tmp_path):
    recent = RecentLaunches(tmp_path)
    recent.path.write_text(json.dumps([
        {"image": "img", "name": "good"}, {"image": "img"}, {"image": "img", "name": "x", "mounts": [[1]]},
        "junk", None, {"image": "img", "name": "also-good", "host_port": 9000}]))
    assert [r.name for r in recent.load()] == ["good", "also-good"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=4),
                           max_leaves=12)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(json_values.map(json.dumps), st.binary().map(lambda b: b.decode("latin-1")),
                 st.just("[" * 100_000)))
def test_any_file_content_loads_or_gives_nothing(tmp_path, content):
    recent = RecentLaunches(tmp_path)
    recent.path.write_text(content, encoding="utf-8")
    loaded = recent.load()
    assert all(isinstance(r, LaunchRequest) and isinstance(r.name, str) for r in loaded)
    recent.remember(LaunchRequest("img", "new"))  # and a new launch can still be remembered
    assert recent.load()[0].name == "new"


def test_unreadable_bytes(tmp_path):
    recent = RecentLaunches(tmp_path)
    recent.path.write_bytes(b"\xff\xfe\x00garbage")
    assert recent.load() == []
