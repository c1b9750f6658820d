"""Pull with structured progress from the rig's local registry, and its typed errors."""

import threading

import pytest

from tests.rig import LAYERS, REGISTRY
from tui.engine import Cancelled, PullDenied, PullFailed, TagNotFound


def _forget(engine, *refs):
    for ref in refs:
        try:
            engine.remove_image(ref, force=True)
        except Exception:
            pass


def test_pull_progress_layers_and_bytes(engine):
    ref = f"{REGISTRY}/jtui-test/layers:latest"
    # Progress shows only for layers the engine lacks: drop every image sharing them.
    _forget(engine, ref, LAYERS)
    snapshots = []
    for progress in engine.pull(ref):
        snapshots.append((progress.fraction, progress.layers_done, progress.layers_total,
                          progress.current_bytes, progress.total_bytes))
    fractions = [s[0] for s in snapshots]
    assert fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert any(0.0 < f < 1.0 for f in fractions), "no intermediate progress was reported"
    assert max(s[2] for s in snapshots) >= 4  # busybox layer + 3 random layers
    assert max(s[4] for s in snapshots) >= 3 * 6_000_000 * 0.9
    assert snapshots[-2][1] == snapshots[-2][2], "every layer done at the end"
    assert engine.image_exists(ref)
    # Put the rig's local tag back for other tests.
    engine.api.tag(ref, "jtui-test/layers", "latest")


def test_pull_again_reports_up_to_date(engine):
    ref = f"{REGISTRY}/jtui-test/layers:latest"
    last = list(engine.pull(ref))[-1]
    assert last.finished and last.fraction == 1.0
    assert "up to date" in last.status.lower() or "downloaded" in last.status.lower()


def test_pull_missing_tag(engine):
    with pytest.raises(TagNotFound) as err:
        list(engine.pull(f"{REGISTRY}/jtui-test/layers:no-such-tag"))
    assert "tag" in err.value.hint.lower()


def test_pull_missing_repository(engine):
    with pytest.raises(PullFailed) as err:
        list(engine.pull(f"{REGISTRY}/jtui-test/no-such-repo:latest"))
    assert isinstance(err.value, (PullDenied, TagNotFound))


def test_pull_unreachable_registry(engine):
    with pytest.raises(PullFailed) as err:
        list(engine.pull("127.0.0.1:1/jtui-test/nothing:latest"))
    assert "127.0.0.1:1" in err.value.message


def test_pull_cancel(engine):
    ref = f"{REGISTRY}/jtui-test/layers:latest"
    _forget(engine, ref, LAYERS)
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        for _progress in engine.pull(ref, cancel=cancel):
            cancel.set()
    # Leave the rig as it was.
    list(engine.pull(ref))
    engine.api.tag(ref, "jtui-test/layers", "latest")
