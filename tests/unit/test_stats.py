"""The stats formulas (tui/engine/stats.py) on replies recorded from Docker 20.10 (cgroup v1) on
this machine, and on a cgroup v2 reply shaped as the Engine API documents it."""

from __future__ import annotations

from collections import deque

import pytest

from tui.engine.stats import StatsSample, cpu_percent, memory_used, usage_between, usage_from_stream
from tui.ui.resources_screen import figures
from tui.ui.rows import binary_size, cpu_cell, memory_cell

# `docker stats` said 28-68 % for this busy loop (`while :; do :; done`, --memory 256m) around
# these readings; the precise figure depends on the load of the machine at that second.
BUSY_LOOP_FULL = {  # stream=False: the reading and the one a second before (precpu_stats)
    "read": "2026-11-28T01:22:13.594327826Z", "preread": "2026-11-28T01:22:12.591392074Z",
    "pids_stats": {"current": 1},
    "blkio_stats": {"io_service_bytes_recursive": []},
    "cpu_stats": {"cpu_usage": {"total_usage": 1498644497, "percpu_usage": [885041082, 613603415]},
                  "system_cpu_usage": 45279040000000, "online_cpus": 2},
    "precpu_stats": {"cpu_usage": {"total_usage": 1189802546, "percpu_usage": [584854657, 604947889]},
                     "system_cpu_usage": 45277030000000, "online_cpus": 2},
    "memory_stats": {"usage": 368640, "max_usage": 4337664, "limit": 268435456,
                     "stats": {"cache": 36864, "inactive_file": 0, "total_inactive_file": 0,
                               "rss": 57344, "total_cache": 36864}},
    "networks": {"eth0": {"rx_bytes": 586, "tx_bytes": 0}},
}
# Two one-shot readings (stream=False, one_shot=True) of the same container, 4 s apart: no
# precpu_stats to compare with (the engine sends zeros), so jtui compares its own readings.
BUSY_LOOP_ONE_SHOT = [
    {"read": "2026-11-28T01:22:14.597551292Z", "preread": "0001-01-01T00:00:00Z",
     "cpu_stats": {"cpu_usage": {"total_usage": 1786176557}, "system_cpu_usage": 45281050000000,
                   "online_cpus": 2},
     "precpu_stats": {"cpu_usage": {"total_usage": 0}},
     "memory_stats": {"usage": 368640, "limit": 268435456, "stats": {"total_inactive_file": 0}}},
    {"read": "2026-11-28T01:22:18.609214802Z", "preread": "0001-01-01T00:00:00Z",
     "cpu_stats": {"cpu_usage": {"total_usage": 2669707955}, "system_cpu_usage": 45289070000000,
                   "online_cpus": 2},
     "precpu_stats": {"cpu_usage": {"total_usage": 0}},
     "memory_stats": {"usage": 368640, "limit": 268435456, "stats": {"total_inactive_file": 0}}},
]
# 50 MiB written to /dev/shm (tmpfs: counted as cache, but not droppable: docker counts it used).
SHM_HOLDER_MEMORY = {"usage": 52875264, "limit": 25276510208,
                     "stats": {"cache": 52428800, "inactive_file": 0, "total_inactive_file": 0,
                               "total_inactive_anon": 52436992}}
CGROUP_V2 = {
    "cpu_stats": {"cpu_usage": {"total_usage": 5_000_000_000}, "system_cpu_usage": 90_000_000_000,
                  "online_cpus": 4},
    "precpu_stats": {"cpu_usage": {"total_usage": 4_000_000_000}, "system_cpu_usage": 86_000_000_000,
                     "online_cpus": 4},
    "memory_stats": {"usage": 300 * 2**20, "limit": 2**30,
                     "stats": {"inactive_file": 100 * 2**20, "anon": 150 * 2**20, "file": 140 * 2**20}},
    "blkio_stats": {"io_service_bytes_recursive": [
        {"major": 8, "minor": 0, "op": "read", "value": 4096},
        {"major": 8, "minor": 0, "op": "write", "value": 8192},
        {"major": 8, "minor": 16, "op": "read", "value": 1000}]},
    "networks": {"eth0": {"rx_bytes": 1000, "tx_bytes": 200}, "eth1": {"rx_bytes": 24, "tx_bytes": 6}},
}


def test_cpu_percent_from_a_full_reply_is_dockers_formula():
    usage = usage_from_stream(BUSY_LOOP_FULL)
    # (1498644497 - 1189802546) / (45279040000000 - 45277030000000) * 2 cores * 100
    assert usage.cpu_percent == pytest.approx(30.73, abs=0.01)
    assert usage.memory_used == 368640 and usage.memory_limit == 256 * 2**20
    assert usage.sample is not None and usage.sample.net_rx == 586


def test_cpu_percent_between_two_one_shot_readings():
    before = StatsSample.from_raw(BUSY_LOOP_ONE_SHOT[0], at=100.0)
    after = StatsSample.from_raw(BUSY_LOOP_ONE_SHOT[1], at=104.0)
    assert cpu_percent(before, after) == pytest.approx(
        (2669707955 - 1786176557) / (45289070000000 - 45281050000000) * 2 * 100)
    assert 20 < cpu_percent(before, after) < 25
    # The first reading alone gives no CPU % (a one-shot reply's precpu_stats is zeros).
    assert usage_between(None, after).cpu_percent is None
    assert usage_from_stream(BUSY_LOOP_ONE_SHOT[0]).cpu_percent is None


def test_cpu_percent_refuses_nonsense():
    a = StatsSample.from_raw(BUSY_LOOP_ONE_SHOT[1])
    b = StatsSample.from_raw(BUSY_LOOP_ONE_SHOT[0])
    assert cpu_percent(a, a) is None  # same tick: no time passed
    assert cpu_percent(a, b) is None  # counters went back: the container restarted
    assert StatsSample.from_raw({}).cpu_total is None
    assert StatsSample.from_raw("garbage").memory_used is None


def test_memory_used_leaves_out_droppable_cache_as_the_docker_cli_does():
    assert memory_used(SHM_HOLDER_MEMORY) == 52875264  # tmpfs pages are not inactive files
    assert memory_used(CGROUP_V2["memory_stats"]) == 200 * 2**20  # v2: usage - inactive_file
    v1 = {"usage": 100, "stats": {"total_inactive_file": 30, "inactive_file": 10}}
    assert memory_used(v1) == 70  # v1: the hierarchical figure wins
    assert memory_used({"usage": 100, "stats": {"inactive_file": 500}}) == 100  # never negative
    assert memory_used({}) is None


def test_cgroup_v2_reply_and_rates():
    usage = usage_from_stream(CGROUP_V2)
    assert usage.cpu_percent == pytest.approx(1e9 / 4e9 * 4 * 100)
    assert usage.memory_fraction == pytest.approx(200 / 1024)
    sample = StatsSample.from_raw(CGROUP_V2, at=10.0)
    assert (sample.net_rx, sample.net_tx, sample.block_read, sample.block_write) == (1024, 206, 5096, 8192)
    later = StatsSample.from_raw({**CGROUP_V2, "networks": {"eth0": {"rx_bytes": 3048, "tx_bytes": 206}}},
                                 at=12.0)
    rates = usage_between(sample, later)
    assert rates.net_rx_rate == pytest.approx(1012.0) and rates.net_tx_rate == 0.0
    assert rates.block_write_rate == 0.0


def test_cells_and_screen_figures():
    usage = usage_from_stream(BUSY_LOOP_FULL)
    assert cpu_cell(usage).plain == "30.7"
    assert memory_cell(usage).plain == "360KiB / 256MiB"
    assert memory_cell(None, oom_limit=32 * 2**20).plain == "limit 32MiB"
    assert memory_cell(None).plain == "" and cpu_cell(None).plain == ""
    assert [binary_size(n) for n in (0, 1023, 1024, 60 * 2**20 + 2**19, 3 * 2**30)] == \
        ["0B", "1023B", "1KiB", "60.5MiB", "3GiB"]
    shown = figures(list(deque([usage_between(None, StatsSample.from_raw(BUSY_LOOP_FULL)), usage])))
    points, text = shown["cpu"]
    assert points == [pytest.approx(30.73, abs=0.01)] and text.startswith("CPU: 30.7 %")
    assert shown["mem"][1] == "Memory: 360KiB / 256MiB (0%)"
    assert figures([])["net"] == ([], "Network: –")


def test_sort_orders():
    from datetime import UTC, datetime

    from tui.engine import ContainerSummary
    from tui.engine.stats import Usage
    from tui.ui.rows import CONTAINER_SORTS, sort_key_by

    def c(cid, name, state="running", day=1, project=""):
        labels = {"com.docker.compose.project": project} if project else {}
        return ContainerSummary(id=cid, name=name, image="i", state=state,
                                created=datetime(2026, 1, day, tzinfo=UTC), labels=labels)

    rows = [c("1", "beta", day=3, project="web"), c("2", "Alpha", "exited", day=1),
            c("3", "gamma", day=2, project="api"), c("4", "delta", day=4, project="web")]
    usage = {"1": Usage(5.0, 100, None), "3": Usage(80.0, 10, None), "2": Usage(99.0, 999, None)}

    def order(sort):
        return [r.id for r in sorted(rows, key=lambda r: sort_key_by(sort, r, usage.get(r.id)))]

    assert [key for key, _ in CONTAINER_SORTS] == ["state", "name", "cpu", "mem", "age", "project"]
    assert order("state") == ["1", "4", "3", "2"]  # running first, then by name
    assert order("name") == ["2", "1", "4", "3"]  # case does not matter
    # Busiest first; an exited container's old reading does not count; no reading: last.
    assert order("cpu") == ["3", "1", "4", "2"]
    assert order("mem") == ["1", "3", "4", "2"]
    assert order("age") == ["4", "1", "3", "2"]  # newest first
    assert order("project") == ["3", "1", "4", "2"]  # api, then web's two, then the loose one
