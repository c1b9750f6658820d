"""A unix-socket proxy in front of the real engine that a test can cut and restore, or freeze
(bytes stop flowing, nothing closes: what a SIGSTOPped daemon or a stalled network looks like), so
engine loss and engine hangs are tested without touching the shared daemon."""

from __future__ import annotations

import os
import socket
import threading


def engine_socket() -> str:
    """The socket of the engine the tests use: DOCKER_HOST's when it names one (a private engine,
    scripts/private_engine.sh), else the default. The proxy must front the same engine as the
    `engine` fixture, or a test's containers are on one engine and the app looks at another."""
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host.startswith("unix://") else "/var/run/docker.sock"


class SocketProxy:
    def __init__(self, path: str, upstream: str | None = None) -> None:
        self.path = path
        self.upstream = upstream or engine_socket()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.accepted = 0
        self._flowing = threading.Event()  # cleared while frozen
        self._flowing.set()

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def start(self) -> SocketProxy:
        if os.path.exists(self.path):
            os.unlink(self.path)
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(self.path)
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.socket(socket.AF_UNIX)
                upstream.connect(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
                self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                self._flowing.wait()
                data = src.recv(65536)
                if not data:
                    break
                # Bytes read just before a freeze are held too: nothing gets through a frozen link.
                self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """The engine 'dies': no new connections (refused), every open one drops."""
        if self._listener is not None:
            # close() alone does not wake the thread blocked in accept(): one more connection
            # would still reach the engine after the "death".
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        self.drop()

    def freeze(self) -> None:
        """The engine hangs: connections stay open and new ones are accepted, but no byte goes
        either way until thaw()."""
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def drop(self) -> None:
        """Break every open connection but keep accepting new ones: the link blipped, the
        engine lives on."""
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def stop(self) -> None:
        self.thaw()
        self.cut()
        if os.path.exists(self.path):
            os.unlink(self.path)
