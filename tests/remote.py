"""A "remote" Docker engine reached over SSH whose 127.0.0.1 is not this machine's: a second
dockerd and an sshd in their own network namespace, joined to this one by a veth pair
(../shared/notes/remote-rig.md, recipe A, verified on the CI machines). Needs root (namespaces,
a user for the ssh login) and openssh-server (tests/rig/setup.sh installs it).

The client side is what a user has: the system `ssh` with a config file (key, known hosts,
BatchMode); a wrapper named `ssh` first on PATH passes `-F` to it, since ssh reads the config of
the passwd home, not of $HOME.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.rig import copy_images

USER = "jtuiremote"
GROUP = "jtuiremote-docker"


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def _kill_pidfile(path: Path, timeout: float = 15.0) -> None:
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class RemoteEngine:
    """Set up with `start()`, torn down with `stop()`; `url` is the ssh:// endpoint."""

    def __init__(self, images: list[str]) -> None:
        self.images = images
        n = 20 + os.getpid() % 200  # one subnet and veth pair per test session
        self.address = f"10.231.{n}.2"
        self.host_side = f"10.231.{n}.1"
        self.veth = (f"jr{n}a", f"jr{n}b")
        self.root = Path(tempfile.mkdtemp(prefix="jtui-remote-"))
        self.socket = self.root / "docker.sock"
        self.holder: subprocess.Popen | None = None
        self.dockerd: subprocess.Popen | None = None
        self._old_path = os.environ.get("PATH", "")

    @property
    def url(self) -> str:
        return f"ssh://{USER}@{self.address}"

    @property
    def tcp_url(self) -> str:
        """The same engine as a tcp:// endpoint (no TLS: a private veth in the tests only)."""
        return f"tcp://{self.address}:2375"

    def docker(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """The docker CLI on the remote engine (through its socket, not ssh)."""
        return _run("docker", "-H", f"unix://{self.socket}", *args, **kwargs)

    def ssh(self, *args: str) -> subprocess.CompletedProcess:
        return _run(str(self.root / "bin" / "ssh"), f"{USER}@{self.address}", *args)

    def start(self) -> RemoteEngine:
        r = self.root
        r.chmod(0o755)  # the ssh user reaches the engine's socket in here
        self.holder = subprocess.Popen(["unshare", "-n", "sleep", "infinity"], start_new_session=True)
        time.sleep(0.2)
        ns = str(self.holder.pid)
        a, b = self.veth
        subprocess.run(["ip", "link", "del", a], capture_output=True)  # left by a killed session
        _run("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        _run("ip", "link", "set", b, "netns", ns)
        _run("ip", "addr", "add", f"{self.host_side}/24", "dev", a)
        _run("ip", "link", "set", a, "up")
        _run("nsenter", "-t", ns, "-n", "sh", "-c",
             f"ip link set lo up; ip addr add {self.address}/24 dev {b}; ip link set {b} up; "
             f"ip route add default via {self.host_side}")
        if subprocess.run(["getent", "group", GROUP], capture_output=True).returncode != 0:
            _run("groupadd", GROUP)
        if subprocess.run(["id", USER], capture_output=True).returncode != 0:
            # '*', not '!': sshd refuses a locked account even for key logins without PAM.
            _run("useradd", "-m", "-s", "/bin/bash", "-p", "*", "-G", GROUP, USER)
        # The engine: its own data, its own bridge, the host's daemon.json left alone.
        (r / "daemon.json").write_text("{}")
        self.dockerd = subprocess.Popen(
            ["nsenter", "-t", ns, "-n", "dockerd", "--config-file", str(r / "daemon.json"),
             "--data-root", str(r / "data"), "--exec-root", str(r / "exec"),
             "--pidfile", str(r / "dockerd.pid"), "-H", f"unix://{self.socket}",
             # Also plain TCP on the netns' own address: a tcp:// engine on "another machine".
             "-H", f"tcp://{self.address}:2375",
             "--group", GROUP, "--bip", "172.31.250.1/24"],
            stdin=subprocess.DEVNULL, stdout=(r / "dockerd.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        # sshd, key logins for the one user, DOCKER_HOST pointing at the inner engine.
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(r / "host_key"))
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(r / "client_key"))
        keys = r / "authorized_keys"
        shutil.copy(r / "client_key.pub", keys)
        keys.chmod(0o644)
        (r / "sshd_config").write_text(
            f"ListenAddress {self.address}:22\nHostKey {r / 'host_key'}\nPidFile {r / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {keys}\nAuthenticationMethods publickey\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            f"StrictModes no\nAllowUsers {USER}\nAllowTcpForwarding yes\n"
            f"SetEnv DOCKER_HOST=unix://{self.socket}\n")
        Path("/run/sshd").mkdir(exist_ok=True)
        _run("nsenter", "-t", ns, "-n", "/usr/sbin/sshd", "-f", str(r / "sshd_config"),
             "-E", str(r / "sshd.log"))
        # The client: what a user's ~/.ssh/config says, and `ssh` that reads it.
        (r / "ssh_config").write_text(
            f"Host {self.address}\n  User {USER}\n  IdentityFile {r / 'client_key'}\n"
            f"  UserKnownHostsFile {r / 'known_hosts'}\n  StrictHostKeyChecking accept-new\n"
            "  BatchMode yes\n  ConnectTimeout 10\n")
        (r / "bin").mkdir()
        wrapper = r / "bin" / "ssh"
        wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {r / "ssh_config"} "$@"\n')
        wrapper.chmod(0o755)
        os.environ["PATH"] = f"{r / 'bin'}:{self._old_path}"
        self._wait_for_engine()
        copy_images(self.images, f"unix://{self.socket}")
        return self

    def _wait_for_engine(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run(["docker", "-H", f"unix://{self.socket}", "info"],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.3)
        log = (self.root / "dockerd.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the remote rig's dockerd did not answer:\n{log}")

    def stop(self) -> None:
        os.environ["PATH"] = self._old_path
        r = self.root
        if self.socket.exists():
            ids = subprocess.run(["docker", "-H", f"unix://{self.socket}", "ps", "-aq"],
                                 capture_output=True, text=True).stdout.split()
            if ids:
                subprocess.run(["docker", "-H", f"unix://{self.socket}", "rm", "-f", *ids],
                               capture_output=True)
        _kill_pidfile(r / "sshd.pid")
        if self.dockerd is not None:
            # Our child: waited for, not polled (a dead child stays a zombie until reaped).
            self.dockerd.terminate()
            try:
                self.dockerd.wait(30)
            except subprocess.TimeoutExpired:
                self.dockerd.kill()
                self.dockerd.wait()
        if self.holder is not None:
            self.holder.kill()
            self.holder.wait()
        subprocess.run(["ip", "link", "del", self.veth[0]], capture_output=True)
        # The inner engine unmounted its layers when it stopped; whatever is still mounted below
        # the folder goes before the folder does.
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
                  if line.split()[1].startswith(str(r))]
        for mount in sorted(mounts, reverse=True):
            subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(r, ignore_errors=True)
