"""SSH local forwards to ports on a remote engine's machine (ssh:// engines).

Jupyter on a remote engine is published on *that* machine's 127.0.0.1, so it is not exposed to
its network; this machine reaches it through `ssh -N -L 127.0.0.1:LOCAL:127.0.0.1:REMOTE`, run
with the system `ssh` so the user's ~/.ssh/config, agent and known_hosts apply (BatchMode: ssh
never prompts over the full-screen UI). One forward per key (a container id), opened when its
Jupyter is launched or found, closed when the container stops or jtui quits.

Plain Python: no textual. Verified facts: ../shared/notes/remote-rig.md ("Tunnel").
"""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

READY_TIMEOUT = 15.0  # seconds for ssh to connect and listen
PORT_RACES = 3  # a free port may be taken between choosing it and ssh binding it: retry


class TunnelFailed(Exception):
    """A forward could not be made; `message` says why in the user's words (ssh's own reason)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Tunnel:
    local_port: int
    remote: tuple[str, int]
    process: subprocess.Popen[bytes]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Tunnels:
    """The forwards to one ssh:// engine's machine."""

    def __init__(self, destination: str, port: int | None = None, ssh: str = "ssh") -> None:
        self.destination = destination  # user@host, as ssh takes it
        self.port = port
        self.ssh = ssh
        self._tunnels: dict[str, Tunnel] = {}
        self._lock = threading.Lock()
        self._opening: dict[str, threading.Lock] = {}  # one open at a time per key

    @classmethod
    def for_endpoint(cls, url: str) -> Tunnels | None:
        """Forwards for an ssh:// endpoint; None for any other kind."""
        if not url.startswith("ssh://"):
            return None
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        destination = f"{parts.username}@{host}" if parts.username else host
        try:
            port = parts.port
        except ValueError:
            port = None
        return cls(destination, port)

    def command(self, local_port: int, remote_host: str, remote_port: int) -> list[str]:
        return [self.ssh, "-N", "-o", "ExitOnForwardFailure=yes", "-o", "BatchMode=yes",
                "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                "-L", f"127.0.0.1:{local_port}:{remote_host}:{remote_port}",
                *(["-p", str(self.port)] if self.port else []), self.destination]

    def open(self, key: str, remote_host: str, remote_port: int,
             timeout: float = READY_TIMEOUT) -> int:
        """The local port forwarded to remote_host:remote_port on the engine's machine (opened
        now, or the one already open for `key`). Raises TunnelFailed.

        Two callers for one key at once (a launch and the discovery of its new row) get the
        same forward: without the gate each made one, the second replaced the first, whose
        port the launch had shown, and its ssh was never closed."""
        with self._lock:
            gate = self._opening.setdefault(key, threading.Lock())
        with gate:
            return self._open(key, remote_host, remote_port, timeout)

    def _open(self, key: str, remote_host: str, remote_port: int, timeout: float) -> int:
        if remote_host in ("", "0.0.0.0", "::"):
            remote_host = "127.0.0.1"  # published on every interface: loopback is one of them
        with self._lock:
            current = self._tunnels.get(key)
            if current is not None and current.alive and current.remote == (remote_host, remote_port):
                return current.local_port
        self.close(key)  # gone, or forwarding another port (a restart may bring another)
        reason = ""
        for _ in range(PORT_RACES):
            local = _free_port()
            process = subprocess.Popen(self.command(local, remote_host, remote_port),
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, start_new_session=True)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                if _accepts(local):
                    with self._lock:
                        self._tunnels[key] = Tunnel(local, (remote_host, remote_port), process)
                    log.info("forwarding 127.0.0.1:%s to %s:%s on %s", local, remote_host,
                             remote_port, self.destination)
                    return local
                time.sleep(0.05)
            if process.poll() is None:
                process.kill()
                process.wait()
                raise TunnelFailed(f"ssh to {self.destination} did not set up the forward to "
                                   f"port {remote_port} within {timeout:.0f} s.")
            reason = (process.stderr.read() if process.stderr else b"").decode("utf-8", "replace").strip()
            if "Address already in use" not in reason and "cannot listen" not in reason:
                break
        last = reason.splitlines()[-1] if reason else f"ssh exited with code {process.returncode}"
        raise TunnelFailed(f"Could not forward Jupyter's port {remote_port} from {self.destination} "
                           f"over ssh: {last}")

    def broken(self) -> list[str]:
        """Keys whose forward ended without being closed (ssh died, the network dropped)."""
        with self._lock:
            return [key for key, tunnel in self._tunnels.items() if not tunnel.alive]

    def reopen(self, key: str) -> int:
        """The same forward again, on a new local port. Raises TunnelFailed (KeyError: unknown)."""
        with self._lock:
            remote = self._tunnels[key].remote
        return self.open(key, *remote)

    def local_port(self, key: str) -> int | None:
        with self._lock:
            tunnel = self._tunnels.get(key)
        return tunnel.local_port if tunnel is not None and tunnel.alive else None

    def close(self, key: str) -> None:
        # End ssh before forgetting the forward: once local_port() says None, the port is closed
        # (a caller, or a test, may check it at once). The wait is outside the lock.
        with self._lock:
            tunnel = self._tunnels.get(key)
        if tunnel is None:
            return
        _end(tunnel.process)
        with self._lock:
            if self._tunnels.get(key) is tunnel:
                del self._tunnels[key]

    def close_all(self) -> None:
        with self._lock:
            tunnels, self._tunnels = list(self._tunnels.values()), {}
        for tunnel in tunnels:
            _end(tunnel.process)

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for t in self._tunnels.values() if t.alive)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """End and reap an ssh process jtui started: SIGTERM, SIGKILL after 2 s; none is left
    running or a zombie."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _end(process: subprocess.Popen[bytes]) -> None:
    stop_process(process)
    if process.stderr is not None:
        process.stderr.close()
