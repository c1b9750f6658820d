"""Podman's Docker-compatible service as a second engine for tests (issue 10): Debian's podman
(tests/rig/setup.sh installs it), rootful, with its own storage, run folder, configuration and
socket in a scratch folder, so it shares nothing with the Docker engine or another run
(../shared/notes/remote-rig.md, recipe B, verified on the CI machines).

What the machines need, and why the configuration says so:
- no systemd: cgroupfs and file events (health checks never run: status stays "starting");
- no CAP_SYS_RESOURCE: explicit ulimits no higher than ours, else every start fails with
  "error setting rlimit type 7";
- images come from the Docker engine (`docker save | load`): they are then named localhost/...
Rootless (`rootless=True`): the service runs as uid 4321 (tests/rootless.py makes the user), on
overlay storage (the default for rootless here is vfs: a copy per layer, loading took 45 s instead
of 29 s), with /dev/net/tun opened for slirp4netns during the run.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.rig import copy_images
from tests.rootless import TUN, UID, ensure_user, user_env


def _processes_naming(text: str) -> list[int]:
    """Processes whose command line or environment names `text` (our folder)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                if any(text.encode() in (proc / part).read_bytes() for part in ("cmdline", "environ")):
                    pids.append(int(proc.name))
            except OSError:  # gone meanwhile
                pass
    return pids


class PodmanService:
    """`start()` runs `podman system service` on its own socket; `url` is for Engine.connect;
    `stop()` removes everything it made."""

    def __init__(self, images: list[str], rootless: bool = False) -> None:
        self.images = images
        self.rootless = rootless
        self.user = ensure_user() if rootless else "root"
        self.root = Path(tempfile.mkdtemp(prefix="jtui-podman-"))
        self.socket = self.root / "podman.sock"
        self.service: subprocess.Popen | None = None
        self._tun_mode: int | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _conf(self) -> dict[str, str]:
        return {"CONTAINERS_CONF": str(self.root / "containers.conf"),
                "CONTAINERS_REGISTRIES_CONF": str(self.root / "registries.conf")}

    def _env(self) -> dict[str, str]:
        return {**os.environ, **self._conf()}

    def _argv(self, *args: str) -> list[str]:
        r = self.root
        argv = ["podman", "--storage-driver", "overlay", "--root", str(r / "storage"),
                "--runroot", str(r / "run"), "--network-config-dir", str(r / "networks"), *args]
        if not self.rootless:
            return argv
        return ["runuser", "-u", self.user, "--", *user_env(self.user, r),
                *(f"{k}={v}" for k, v in self._conf().items()), *argv]

    def folder(self, name: str) -> Path:
        """A folder owned by the engine's user where the engine can reach it (a rootless engine
        cannot traverse root's 700 pytest folders)."""
        path = self.root / "home" / name
        path.mkdir(parents=True)
        if self.rootless:
            os.chown(path.parent, UID, UID)
            os.chown(path, UID, UID)
        return path

    def podman(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """The podman CLI on this service's storage (not through the socket)."""
        return subprocess.run(self._argv(*args), check=check, capture_output=True, text=True,
                              env=self._env())

    def start(self) -> PodmanService:
        r = self.root
        (r / "tmp").mkdir()
        if self.rootless:
            r.chmod(0o755)
            for path in (r, r / "tmp"):
                os.chown(path, UID, UID)
            self._tun_mode = TUN.stat().st_mode & 0o777
            TUN.chmod(0o666)
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        (r / "containers.conf").write_text(
            "[containers]\nlog_driver = \"k8s-file\"\n"
            f"default_ulimits = [\"nofile={hard}:{hard}\", \"nproc=32768:32768\"]\n"
            "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\nruntime = \"runc\"\n"
            f"tmp_dir = \"{r / 'tmp'}\"\n")
        # No registry lookups for short names: the images are loaded, never pulled.
        (r / "registries.conf").write_text("unqualified-search-registries = []\n")
        self.service = subprocess.Popen(
            self._argv("system", "service", "--time=0", self.url),
            stdin=subprocess.DEVNULL, stdout=(r / "service.log").open("w"), stderr=subprocess.STDOUT,
            env=self._env(), start_new_session=True)
        self._wait()
        copy_images(self.images, self.url)
        return self

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run(["docker", "-H", self.url, "version"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        log = (self.root / "service.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"podman's service did not answer:\n{log}")

    def stop(self) -> None:
        self.podman("rm", "-af", "-t", "0", check=False)
        if self.service is not None:
            # The whole session started for it (runuser and podman when rootless).
            try:
                os.killpg(self.service.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.service.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.service.pid, signal.SIGKILL)
                self.service.wait()
        # What outlives the service: a conmon per `exec` (it waits 300 s for a cleanup that never
        # comes once the service is gone) and, rootless, the "pause" process holding the user
        # namespace. Each conmon names our folder on its command line; the pause process is in
        # our runtime folder's pid file.
        pids = _processes_naming(str(self.root))
        for pid_file in (self.root / "tmp" / "pause.pid", self.root / "libpod" / "tmp" / "pause.pid"):
            try:
                pids.append(int(pid_file.read_text().strip()))
            except (OSError, ValueError):
                pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._tun_mode is not None:
            TUN.chmod(self._tun_mode)
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
                  if line.split()[1].startswith(str(self.root))]
        for mount in sorted(mounts, reverse=True):
            subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
