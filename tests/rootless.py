"""Rootless Docker for tests (issue 10): Debian's dockerd-rootless.sh run by an ordinary user
(uid 4321, made here if missing), with its data, run folder and socket in a scratch folder it owns
(../shared/notes/remote-rig.md, recipe C, verified on the CI machines). Needs root to set up,
uidmap + rootlesskit + slirp4netns (tests/rig/setup.sh installs them).

What the machines need, and why:
- the setup tool wants systemd, which these machines lack: the daemon script is run directly;
- slirp4netns opens /dev/net/tun as the user, whose mode here is 600: it is opened up for the run
  and put back afterwards;
- pulls from the host's 127.0.0.1 registry are refused (rootlesskit's --disable-host-loopback):
  images come from the rig's engine (`docker save | load`).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.rig import copy_images

UID = 4321
NAME = "jtuirootless"
SCRIPT = "/usr/share/docker.io/contrib/dockerd-rootless.sh"
TUN = Path("/dev/net/tun")


def _has_range(path: str, user: str) -> bool:
    try:
        return any(line.split(":")[0] == user for line in Path(path).read_text().splitlines())
    except OSError:
        return False


def ensure_user() -> str:
    """The name of the user with uid 4321, made if missing, with subordinate id ranges (a rootless
    engine maps the container's other users onto them)."""
    try:
        user = pwd.getpwuid(UID).pw_name
    except KeyError:
        # useradd gives a new user subordinate id ranges (SUB_UID_* in login.defs).
        subprocess.run(["useradd", "-m", "-u", str(UID), "-s", "/bin/bash", NAME], check=True,
                       capture_output=True)
        user = NAME
    if not (_has_range("/etc/subuid", user) and _has_range("/etc/subgid", user)):
        subprocess.run(["usermod", "--add-subuids", "300000-365535", "--add-subgids",
                        "300000-365535", user], check=True, capture_output=True)
    return user


def user_env(user: str, run_dir: Path) -> list[str]:
    """`env -i ...` for a daemon run as `user`: a clean login-like environment, its runtime
    folder in `run_dir` (no systemd, so no /run/user/UID)."""
    return ["env", "-i", f"HOME={pwd.getpwnam(user).pw_dir}", f"USER={user}",
            f"XDG_RUNTIME_DIR={run_dir}", "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"]


class RootlessDocker:
    """`start()` runs the user's daemon; `url` is for Engine.connect; `folder()` makes a folder
    the user owns (a rootless engine can only mount what its user can reach); `stop()` undoes
    everything."""

    def __init__(self, images: list[str]) -> None:
        self.images = images
        self.root = Path(tempfile.mkdtemp(prefix="jtui-rootless-"))
        self.socket = self.root / "docker.sock"
        self.daemon: subprocess.Popen | None = None
        self._tun_mode: int | None = None
        self.user = NAME

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def folder(self, name: str) -> Path:
        path = self.root / "home" / name
        path.mkdir(parents=True)
        os.chown(path.parent, UID, UID)
        os.chown(path, UID, UID)
        return path

    def start(self) -> RootlessDocker:
        self.user = ensure_user()
        r = self.root
        os.chown(r, UID, UID)
        r.chmod(0o755)
        self._tun_mode = TUN.stat().st_mode & 0o777
        TUN.chmod(0o666)
        env = [*user_env(self.user, r),
               f"DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--state-dir={r / 'rootlesskit'}"]
        self.daemon = subprocess.Popen(
            ["runuser", "-u", self.user, "--", *env, SCRIPT, "-H", self.url,
             "--data-root", str(r / "data"), "--exec-root", str(r / "exec"),
             "--pidfile", str(r / "docker.pid")],
            stdin=subprocess.DEVNULL, stdout=(r / "dockerd.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        self._wait()
        copy_images(self.images, self.url)
        return self

    def _wait(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run(["docker", "-H", self.url, "info"], capture_output=True).returncode == 0:
                return
            if self.daemon is not None and self.daemon.poll() is not None:
                break
            time.sleep(0.2)
        log = (self.root / "dockerd.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"rootless dockerd did not answer:\n{log}")

    def stop(self) -> None:
        if self.socket.exists():
            ids = subprocess.run(["docker", "-H", self.url, "ps", "-aq"], capture_output=True,
                                 text=True).stdout.split()
            if ids:
                subprocess.run(["docker", "-H", self.url, "rm", "-f", *ids], capture_output=True)
        if self.daemon is not None:
            # rootlesskit, dockerd and slirp4netns share the session started for them.
            try:
                os.killpg(self.daemon.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.daemon.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.daemon.pid, signal.SIGKILL)
                self.daemon.wait()
        if self._tun_mode is not None:
            TUN.chmod(self._tun_mode)
        shutil.rmtree(self.root, ignore_errors=True)
