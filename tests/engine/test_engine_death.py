"""The engine dies mid-job: every long call raises EngineUnreachable, quickly, never a raw
urllib3 / requests / socket error. "Death" is a cut of the socket proxy between us and the engine,
so the shared daemon is never touched."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest

from tests.rig import BUSYBOX, LAYERS, REGISTRY, TEST_LABEL, unique
from tests.socket_proxy import SocketProxy
from tui.engine import Engine, EngineError, EngineUnreachable
from tui.engine.jobs import Done, build_job, exec_job, pull_job
from tui.engine.watcher import EngineWatcher

pytestmark = pytest.mark.engine

PULL_REF = f"{REGISTRY}/jtui-test/layers:latest"
LOOP = ["sh", "-c", "while true; do echo x; sleep 0.2; done"]
WITHIN = 5.0  # seconds from the cut to the typed error


@pytest.fixture
def proxy() -> Iterator[SocketProxy]:
    folder = tempfile.mkdtemp(prefix="jtui-cut-")  # short: a unix socket path has 108 bytes at most
    p = SocketProxy(f"{folder}/docker.sock").start()
    yield p
    p.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def proxied(proxy) -> Iterator[Engine]:
    eng = Engine.connect(host=proxy.url, timeout=10)
    yield eng
    eng.close()


def _forget_layers(engine: Engine) -> None:
    # Progress shows only for layers the engine lacks: drop every image sharing them.
    for ref in (PULL_REF, LAYERS):
        try:
            engine.remove_image(ref, force=True)
        except EngineError:
            pass


def _restore_layers(engine: Engine) -> None:
    list(engine.pull(PULL_REF))
    engine.api.tag(PULL_REF, "jtui-test/layers", "latest")


def _assert_lost(err: BaseException, proxy: SocketProxy, cut_at: float | None) -> None:
    assert cut_at is not None, "the job ended before the cut"
    assert type(err) is EngineUnreachable, f"{type(err).__module__}.{type(err).__name__}: {err}"
    assert time.monotonic() - cut_at < WITHIN
    assert err.message.startswith(f"Lost the Docker engine at {proxy.url}")
    # The connection broke under a read ("lost"), or the next one found nobody ("refused").
    assert err.reason in ("lost", "refused"), err.reason
    assert err.hint


def _cut_later(proxy: SocketProxy, delay: float) -> list[float]:
    """Cut the proxy from a timer thread; the list receives the time of the cut."""
    cut_at: list[float] = []

    def cut() -> None:
        cut_at.append(time.monotonic())
        proxy.cut()

    threading.Timer(delay, cut).start()
    return cut_at


def _build_dockerfile() -> str:
    # LABEL first: the intermediate image left by the aborted build is then cleaned up as a test's.
    return f"FROM {BUSYBOX}\nLABEL {TEST_LABEL}=1\nRUN echo {unique('run')} && sleep 30\n"


# --- the facade -------------------------------------------------------------------------------
def test_pull_cut_midway(engine, proxy, proxied):
    _forget_layers(engine)
    cut_at = None
    try:
        with pytest.raises(Exception) as info:
            for progress in proxied.pull(PULL_REF):
                if cut_at is None and progress.current_bytes > 0:  # layers are downloading
                    proxy.cut()
                    cut_at = time.monotonic()
        _assert_lost(info.value, proxy, cut_at)
    finally:
        _restore_layers(engine)


def test_build_cut_midway(proxy, proxied):
    cut_at = None
    with pytest.raises(Exception) as info:
        for item in proxied.build(_build_dockerfile(), f"jtui-test/cut-{unique('b')}:latest"):
            if cut_at is None and isinstance(item, str) and item.startswith("Step 3/3 : RUN"):
                proxy.cut()
                cut_at = time.monotonic()
    _assert_lost(info.value, proxy, cut_at)


@pytest.mark.parametrize("how", ["cut", "drop"])
def test_exec_cut_midway(busybox, proxy, proxied, how):
    # "drop": the output ends, but the engine still answers and says the command runs: that is
    # a cut connection, not an exit (an exit code of -1 here would be a lie).
    cut_at = None
    seen = 0
    with pytest.raises(Exception) as info:
        for out in proxied.exec_stream(busybox.id, LOOP):
            assert out.stream != "exit", "a cut command must not look finished"
            seen += 1
            if seen == 3:
                getattr(proxy, how)()
                cut_at = time.monotonic()
    _assert_lost(info.value, proxy, cut_at)
    if how == "drop":
        assert info.value.reason == "lost"


def test_exec_of_a_silent_command_cut(busybox, proxy, proxied):
    # No output to read when the cut comes: the error must still come, not a hang.
    cut_at = _cut_later(proxy, 0.5)
    with pytest.raises(Exception) as info:
        list(proxied.exec_stream(busybox.id, ["sleep", "60"]))
    _assert_lost(info.value, proxy, cut_at[0] if cut_at else None)



def test_logs_cut_midway(spec_factory, engine, proxy, proxied):
    details = engine.create_and_start(spec_factory(command=LOOP))
    stream = proxied.logs(details.id, tail=0, follow=True)
    cut_at = None
    seen = 0
    with pytest.raises(Exception) as info:
        for _line in stream:
            seen += 1
            if seen == 3:
                proxy.cut()
                cut_at = time.monotonic()
    _assert_lost(info.value, proxy, cut_at)


def test_events_cut(proxy, proxied):
    stream = proxied.events()
    cut_at = _cut_later(proxy, 0.5)
    with pytest.raises(Exception) as info:
        for _event in stream:
            pass
    _assert_lost(info.value, proxy, cut_at[0] if cut_at else None)


def test_a_stream_closed_on_purpose_then_cut_just_ends(spec_factory, engine, proxy, proxied):
    details = engine.create_and_start(spec_factory(command=LOOP))
    stream = proxied.logs(details.id, tail=0, follow=True)
    lines = []
    for line in stream:
        lines.append(line)
        if len(lines) == 2:
            stream.close()
            proxy.cut()
    assert len(lines) == 2


def test_calls_after_the_cut_are_typed(busybox, proxy, proxied):
    proxy.cut()
    for call in (proxied.ping, proxied.list_containers, lambda: proxied.inspect_container(busybox.id),
                 lambda: proxied.exec_capture(busybox.id, ["true"]), proxied.events,
                 lambda: proxied.logs(busybox.id)):
        with pytest.raises(EngineUnreachable) as err:
            call()
        assert err.value.reason == "refused"


# --- the jobs the UI runs -----------------------------------------------------------------------
def _run_until_cut(job, proxy: SocketProxy, cut_when) -> tuple[BaseException, float | None]:
    cancel = threading.Event()
    cut_at = None
    with pytest.raises(Exception) as info:
        for event in job(cancel):
            assert not isinstance(event, Done), f"the job finished despite the cut: {event}"
            if cut_at is None and cut_when(event):
                proxy.cut()
                cut_at = time.monotonic()
    return info.value, cut_at


def test_pull_job_cut(engine, proxy, proxied):
    _forget_layers(engine)
    try:
        err, cut_at = _run_until_cut(pull_job(proxied, PULL_REF), proxy,
                                     lambda e: getattr(e, "fraction", None) not in (None, 0.0))
        assert isinstance(err, EngineError)
        _assert_lost(err, proxy, cut_at)
    finally:
        _restore_layers(engine)


def test_build_job_cut(proxy, proxied):
    job = build_job(proxied, _build_dockerfile(), f"jtui-test/cut-{unique('b')}:latest")
    err, cut_at = _run_until_cut(job, proxy, lambda e: getattr(e, "text", "").startswith("Step 3/3 : RUN")
                                 and getattr(e, "stream", "") == "stdout")
    assert isinstance(err, EngineError)
    _assert_lost(err, proxy, cut_at)


def test_exec_job_cut(busybox, proxy, proxied):
    seen: list[object] = []

    def third_line(event: object) -> bool:
        seen.append(event)
        return len(seen) == 3

    err, cut_at = _run_until_cut(exec_job(proxied, busybox.id, LOOP), proxy, third_line)
    assert isinstance(err, EngineError)
    _assert_lost(err, proxy, cut_at)


# --- the watcher ----------------------------------------------------------------------------------
class _Recorder:
    def __init__(self) -> None:
        self.log: list[tuple[str, object]] = []
        self.changed = threading.Condition()

    def _add(self, kind: str, value: object) -> None:
        with self.changed:
            self.log.append((kind, value))
            self.changed.notify_all()

    def wait_for(self, kind: str, count: int = 1, timeout: float = 10) -> list[object]:
        with self.changed:
            self.changed.wait_for(lambda: sum(k == kind for k, _ in self.log) >= count, timeout)
            return [v for k, v in self.log if k == kind]

    def connected(self, engine): self._add("connected", engine)
    def unreachable(self, error, retry_in, attempt): self._add("unreachable", error)
    def lost(self, error): self._add("lost", error)
    def changes(self, changes):
        if changes.snapshot:
            self._add("snapshot", len(changes.containers))
        for cid in changes.containers if not changes.snapshot else ():
            self._add("changed", cid)
        for cid in changes.removed:
            self._add("removed", cid)
    def stalled(self, since): self._add("stalled", since)
    def answering(self): self._add("answering", None)


def test_watcher_reports_the_loss_and_reconnects(proxy):
    recorder = _Recorder()
    watcher = EngineWatcher(lambda: Engine.connect(host=proxy.url, timeout=5), recorder,
                            backoff=(0.1, 0.2))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        assert recorder.wait_for("snapshot"), "the watcher never listed"
        cut_at = time.monotonic()
        proxy.cut()
        lost = recorder.wait_for("lost")
        assert lost and time.monotonic() - cut_at < WITHIN
        assert isinstance(lost[0], EngineUnreachable)
        assert str(lost[0].message).startswith(f"Lost the Docker engine at {proxy.url}")
        unreachable = recorder.wait_for("unreachable")
        assert unreachable and all(isinstance(e, EngineUnreachable) for e in unreachable)
        proxy.start()  # the engine is back
        assert len(recorder.wait_for("snapshot", count=2)) == 2, "no re-list after the reconnect"
        assert len(recorder.wait_for("connected", count=2)) == 2
    finally:
        watcher.stop()
        thread.join(5)
    assert not thread.is_alive()
