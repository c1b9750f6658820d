"""The watcher against a real engine that freezes: a private dockerd (its own network namespace,
data and exec roots, socket) that the test SIGSTOPs, never the shared one. The freeze is noticed
within seconds, nothing is reported lost, calls fail after their timeout, and once the daemon runs
again the watcher follows it on a fresh stream."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.rig import BUSYBOX
from tui.engine import Engine, EngineError, EngineUnreachable
from tui.engine.watcher import HEALTH_EVERY, PING_TIMEOUT, Changes, EngineWatcher


@pytest.fixture(scope="module")
def private_engine() -> Iterator[tuple[str, int]]:
    """(socket url, dockerd pid) of a throw-away engine with the busybox image imported."""
    root = Path(tempfile.mkdtemp(prefix="jtui-eng-"))  # short: unix socket paths are limited
    (root / "daemon.json").write_text("{}")  # not the host's /etc/docker/daemon.json
    sock = root / "docker.sock"
    log = open(root / "dockerd.log", "wb")
    # A second dockerd in the host's network namespace would delete the shared engine's bridge.
    proc = subprocess.Popen(
        ["unshare", "-n", "sh", "-c",
         f"ip link set lo up; exec dockerd --config-file {root}/daemon.json --data-root {root}/data "
         f"--exec-root {root}/exec --pidfile {root}/dockerd.pid -H unix://{sock}"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"unix://{sock}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                Engine.connect(url, timeout=2).close()
                break
            except EngineError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("the private dockerd did not start:\n"
                                         + (root / "dockerd.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        _import_busybox(url)
        yield url, proc.pid
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
        subprocess.run(["umount", "-R", str(root / "data")], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _import_busybox(url: str) -> None:
    """The rig's busybox image, imported from /bin/busybox as tests/rig/setup.sh does."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add("/bin/busybox", arcname="bin/busybox")
        link = tarfile.TarInfo("bin/sleep")
        link.type, link.linkname = tarfile.SYMTYPE, "busybox"
        tar.addfile(link)
    subprocess.run(["docker", "-H", url, "import", "--change", 'CMD ["sleep","100000"]', "-", BUSYBOX],
                   input=buf.getvalue(), check=True, capture_output=True)


class Recorder:
    """A WatchListener that writes down what it hears, with when."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.heard: list[tuple[float, str, object]] = []

    def _note(self, kind: str, value: object = None) -> None:
        with self.lock:
            self.heard.append((time.monotonic(), kind, value))
            self.lock.notify_all()

    def connected(self, engine) -> None:
        self._note("connected")

    def unreachable(self, error, retry_in, attempt) -> None:
        self._note("unreachable", error)

    def lost(self, error) -> None:
        self._note("lost", error)

    def changes(self, changes: Changes) -> None:
        self._note("snapshot" if changes.snapshot else "changes", changes)

    def stalled(self, since: float) -> None:
        self._note("stalled", since)

    def answering(self) -> None:
        self._note("answering")

    def kinds(self) -> list[str]:
        with self.lock:
            return [kind for _, kind, _ in self.heard]

    def when(self, kind: str) -> float:
        with self.lock:
            return next(t for t, k, _ in self.heard if k == kind)

    def wait_for(self, predicate: Callable[[], object], timeout: float, what: str) -> None:
        with self.lock:
            if not self.lock.wait_for(predicate, timeout):
                raise AssertionError(f"no {what} within {timeout}s; heard {self.kinds()}")


def test_a_sigstopped_engine_is_noticed_within_seconds_and_followed_again(private_engine):
    url, pid = private_engine
    rec = Recorder()
    watcher = EngineWatcher(lambda: Engine.connect(url, timeout=5), rec)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    client = Engine.connect(url, timeout=3)
    try:
        rec.wait_for(lambda: "snapshot" in rec.kinds(), 20, "first list")
        os.kill(pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        try:
            rec.wait_for(lambda: "stalled" in rec.kinds(), 15, "stall report")
            noticed = rec.when("stalled") - stopped_at
            assert noticed < HEALTH_EVERY + PING_TIMEOUT + 1, f"noticed after {noticed:.1f}s"
            # A call made now fails after its own timeout, as a timeout, not after minutes.
            asked = time.monotonic()
            with pytest.raises(EngineUnreachable) as failure:
                client.list_containers()
            assert time.monotonic() - asked < 3 + 2
            assert failure.value.reason == "timeout"
            time.sleep(3)  # frozen a while longer: still "not answering", never "lost"
            assert rec.kinds().count("stalled") == 1 and "lost" not in rec.kinds()
        finally:
            os.kill(pid, signal.SIGCONT)
        rec.wait_for(lambda: "answering" in rec.kinds(), 10, "recovery")
        rec.wait_for(lambda: rec.kinds().count("snapshot") >= 2, 10, "re-list after the freeze")
        # The fresh stream works: a container created now arrives as a change.
        created = client.api.create_container(BUSYBOX, name="after-the-freeze")["Id"]
        rec.wait_for(lambda: any(kind == "changes" and created in value.containers
                                 for _, kind, value in rec.heard), 10, "event after the freeze")
        assert rec.kinds().count("connected") == 1 and "lost" not in rec.kinds()
        client.remove(created, force=True)
    finally:
        watcher.stop()
        thread.join(5)
        client.close()
    assert not thread.is_alive()
