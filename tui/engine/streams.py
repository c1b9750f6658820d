"""Cancellable streams over the engine's HTTP connection: events, logs, exec output.

This is the only module that touches docker-py's private API (names starting with `_`). Each use
sits in a small function below that says why the public API will not do. docker-py 7.x keeps
these helpers stable (pyproject pins docker>=7.1,<8); tests/engine/test_boundary.py fails if a
private docker-py name is used anywhere else in `tui/`. It also holds what makes docker-py's
ssh:// transport (the system ssh client) fit a long-running app: no prompts, ssh's errors kept,
and its connections kept between requests instead of one ssh per request.
"""

from __future__ import annotations

import atexit
import logging
import select
import struct
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import urllib3.exceptions
from docker.transport import sshconn
from docker.types import CancellableStream

from .errors import is_engine_failure, translate
from .tunnels import stop_process

log = logging.getLogger(__name__)

MAX_LINE = 1_000_000  # a "line" longer than this is cut into pieces: memory stays bounded
STREAM_NAMES = {0: "stdout", 1: "stdout", 2: "stderr"}
_FRAME_HEADER = struct.Struct(">BxxxL")  # stream id, 3 bytes of padding, payload length


# --- docker-py private API: only here ------------------------------------------------------------
def open_logs(api: Any, container_id: str, params: dict[str, Any]) -> Any:
    """The raw, streamed HTTP response of GET /containers/{id}/logs.

    Private because the public `APIClient.logs(stream=True)` reads the multiplexed frames itself
    and throws away which stream (stdout or stderr) each frame came from; `http_frames` keeps it.
    `_get` / `_url` / `_raise_for_status` are how docker-py itself builds that same request."""
    response = api._get(api._url("/containers/{0}/logs", container_id), params=params,
                        stream=True, timeout=None)
    try:
        api._raise_for_status(response)
    except BaseException:
        response.close()
        raise
    return response



def _disable_read_timeout(api: Any, response: Any) -> None:
    """A followed log may stay silent for hours: the client's read timeout must not end it.

    Private because docker-py offers no public way to reach the response's socket; its own
    streaming helpers call these same two methods for the same reason."""
    api._disable_socket_timeout(api._get_raw_response_socket(response))


def _ssh_channel(stream: Any) -> Any:
    """The ssh transport under a streamed response of an ssh:// engine, or None: docker-py's
    SSHSocket (the system ssh client; closing it ends the ssh process) or a paramiko Channel.
    docker-py hangs it on the response's file object as `channel` (transport/sshconn.py)."""
    response = getattr(stream, "_response", stream)
    fp = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    return getattr(fp, "channel", None)


_ssh_errors: Any = None  # a temporary file: what the ssh processes of docker-py wrote to stderr


def _ssh_popen(args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
    """docker-py's `ssh ... docker system dial-stdio`, as a full-screen app needs it: never
    prompting (BatchMode; its own session, so no terminal to prompt on) and never writing over
    the screen (its stderr, e.g. "Permanently added ... to known hosts" or "Host key
    verification failed.", goes to a file jtui reads when the connection fails)."""
    global _ssh_errors
    if isinstance(args, list) and args and args[0] == "ssh":
        # ServerAlive: the connections are kept between requests (_PooledSSHAdapter), and a
        # pipe has no read timeout: over a network that died silently, ssh itself must notice
        # (within ~30 s) and end, so that a request fails instead of waiting for good.
        args = ["ssh", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=10",
                "-o", "ServerAliveCountMax=3", *args[1:]]
    if _ssh_errors is None:
        _ssh_errors = tempfile.TemporaryFile()
        atexit.register(_ssh_errors.close)
    kwargs["stderr"] = _ssh_errors
    kwargs["start_new_session"] = True
    return subprocess.Popen(args, **kwargs)


def guard_ssh_transport() -> None:
    """Make docker-py's ssh client transport run through `_ssh_popen`, and its close tolerate
    an ssh that ended first (idempotent). Private: docker-py offers no way to pass options or
    stderr to the ssh it starts.

    The close: after an exec, `docker system dial-stdio` ends with the hijacked connection, and
    SSHSocket.close() writing to the dead ssh's stdin raised BrokenPipeError after the output
    was read (about one exec in three over ssh:// failed so), and again from a finaliser at exit."""
    import docker.api.client as api_module

    sshconn.subprocess = SimpleNamespace(Popen=_ssh_popen, PIPE=subprocess.PIPE)
    # Every client made from now on (the engine's, its stream clients) keeps its ssh processes.
    api_module.SSHHTTPAdapter = _PooledSSHAdapter
    socket_class: Any = sshconn.SSHSocket
    if getattr(socket_class.close, "_jtui_guard", False):
        return
    original = socket_class.close

    def close(self: Any) -> None:
        try:
            original(self)
        except (OSError, ValueError):  # the ssh process ended first: nothing left to close
            proc = getattr(self, "proc", None)
            if proc is not None and proc.poll() is None:
                proc.terminate()

    close._jtui_guard = True  # type: ignore[attr-defined]
    socket_class.close = close


class _PipeReader:
    """An ssh process's stdout as one HTTP response reads it. http.client closes its reader when
    a body ends; docker-py hands it the pipe itself, so every request ended its connection (and
    its ssh). Closing this leaves the pipe to the next response on the same connection."""

    def __init__(self, pipe: Any, channel: Any) -> None:
        self._pipe = pipe
        self.channel = channel  # where docker-py and _ssh_channel find the transport

    def close(self) -> None:
        pass

    def flush(self) -> None:  # http.client flushes what it closes: a reader has nothing to
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipe, name)


class _SSHSocket(sshconn.SSHSocket):
    def makefile(self, mode: str) -> Any:
        return _PipeReader(super().makefile(mode), self)


def _ssh_usable(sock: Any) -> bool:
    """True while the `ssh ... dial-stdio` behind `sock` can carry another request: running,
    its pipes open, and nothing to read between requests (an end of file: dial-stdio ended, as
    it does after an exec or attach took the connection over, or when the engine or the link
    went away). docker-py's SSHSocket wraps a socket that never connects: urllib3's check
    (poll that socket) would call every connection dropped, docker-py's pool checks nothing."""
    proc = getattr(sock, "proc", None)
    if proc is None or proc.poll() is not None or proc.stdin.closed or proc.stdout.closed:
        return False
    try:
        readable, _, _ = select.select([proc.stdout.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _stop_ssh(sock: Any) -> None:
    """End and reap the ssh process behind `sock` (none left running, none left a zombie). Safe
    while another thread reads its output: that thread gets the end of file."""
    proc = getattr(sock, "proc", None)
    if proc is not None:
        stop_process(proc)


def _end_ssh(sock: Any) -> None:
    """_stop_ssh, and close its pipes (for a connection nobody else uses)."""
    _stop_ssh(sock)
    proc = getattr(sock, "proc", None)
    if proc is None:
        return
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except (OSError, ValueError):  # a pipe to a process that is gone
            pass


class _SSHConnection(sshconn.SSHConnection):
    """One `ssh ... docker system dial-stdio`, kept for the next request while it is usable."""

    def connect(self) -> None:
        sock = _SSHSocket(self.ssh_host)
        sock.settimeout(self.timeout)
        sock.connect()
        self.sock = sock

    @property
    def is_connected(self) -> bool:
        return _ssh_usable(self.sock)

    def close(self) -> None:
        sock = self.sock
        try:
            super().close()
        finally:
            _end_ssh(sock)


class _SSHPool(sshconn.SSHConnectionPool):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Also those in use (a stream's, an exec's): the pool's close ends their ssh too, so
        # closing a client (Engine.close) leaves no ssh process behind.
        self._made: weakref.WeakSet[_SSHConnection] = weakref.WeakSet()
        self._made_lock = threading.Lock()
        self._picked = threading.local()  # .reused: the last connection this thread got was kept

    def _new_conn(self) -> _SSHConnection:
        conn = _SSHConnection(None, self.timeout, self.ssh_host)
        with self._made_lock:
            self._made.add(conn)
        return conn

    def close(self) -> None:
        super().close()  # the idle ones
        with self._made_lock:
            made = list(self._made)
        for conn in made:
            _stop_ssh(conn.sock)

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        if conn.sock is not None and not conn.is_connected:
            conn.close()  # its request starts a new ssh
        self._picked.reused = conn.sock is not None
        return conn

    def urlopen(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().urlopen(method, url, *args, **kwargs)
        except urllib3.exceptions.ProtocolError:
            # A kept ssh can end just as it is picked (killed, the link or the engine gone: its
            # end of file not there yet when looked at). A request that only reads is sent
            # again, on a new ssh; one that changes something is not (it may have been done).
            if method not in ("GET", "HEAD") or not getattr(self._picked, "reused", False):
                raise
            log.debug("a kept ssh connection ended under a %s; sent again", method)
            return super().urlopen(method, url, *args, **kwargs)


class _PooledSSHAdapter(sshconn.SSHHTTPAdapter):
    """docker-py's ssh adapter, keeping its connections. With the system ssh client docker-py
    made a new pool, so a new ssh process with its full handshake, for every request: ~200 ms
    per engine call on a fast link (the docker CLI too keeps one connection for many calls)."""

    def get_connection(self, url: str, proxies: Any = None) -> Any:
        if self.ssh_client is not None:  # paramiko: docker-py's own pools already keep them
            return super().get_connection(url, proxies)
        with self.pools.lock:
            pool = self.pools.get("ssh")
            if pool is None:
                pool = self.pools["ssh"] = _SSHPool(timeout=self.timeout, maxsize=self.max_pool_size,
                                                    host=self.ssh_host)
            return pool


def ssh_said() -> str:
    """The last line an ssh transport wrote to stderr ("" when none), without the chatter."""
    if _ssh_errors is None:
        return ""
    try:
        size = _ssh_errors.seek(0, 2)
        _ssh_errors.seek(max(0, size - 4096))
        text = _ssh_errors.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.startswith("Warning: Permanently added")]
    return lines[-1] if lines else ""


# --- public API from here on ----------------------------------------------------------------------
def hang_up(stream: Any, client: Any) -> None:
    """Unblock a thread reading `stream` (a requests Response or docker-py's CancellableStream):
    shut its socket down, then close the whole client (an ssh:// transport cannot be shut down
    from another thread, so each stream owns its client). Never raises.

    Over ssh:// the transport goes first: closing the response there waits for the lock of the
    pipe the reader is blocked on (seen: the logs pane's close hung jtui's UI for good); ending
    the ssh process gives the reader its end of file."""
    channel = _ssh_channel(stream)
    if channel is not None:
        try:
            channel.close()
        except Exception:  # already gone
            log.debug("hang up: ssh transport", exc_info=True)
        # docker-py's SSHSocket closes again when its pool is collected and writes to the dead
        # ssh's stdin unless it is marked closed ("Exception ignored ... BrokenPipeError" on the
        # terminal, over the UI).
        stdin = getattr(getattr(channel, "proc", None), "stdin", None)
        if stdin is not None:
            try:
                stdin.close()
            except Exception:  # a pipe to a process that is gone
                log.debug("hang up: ssh stdin", exc_info=True)
    try:
        if isinstance(stream, CancellableStream):
            stream.close()
        else:
            CancellableStream(iter(()), stream).close()
    except Exception:  # already closed, or ssh:// (closing the client below ends it)
        log.debug("hang up: socket shutdown", exc_info=True)
    if not isinstance(stream, CancellableStream):
        try:
            stream.close()
        except Exception:  # a half-closed response: nothing left to release
            log.debug("hang up: response close", exc_info=True)
    try:
        client.close()
    except Exception:  # an ssh transport whose process already ended
        log.debug("hang up: client close", exc_info=True)


class LineSplitter:
    """Frames are not lines: buffer per stream and yield whole lines (and a cut for huge ones)."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buffers: dict[str, bytearray] = {}
        self._started: dict[str, float] = {}  # time.monotonic() when a buffer's line began

    def feed(self, stream: str, data: bytes) -> Iterator[tuple[str, bytes]]:
        buf = self._buffers.get(stream)
        if data and not buf and data.find(b"\n") == len(data) - 1:
            # The common case, a frame that is exactly one line: no copying into the buffer.
            yield stream, data[:-1].rstrip(b"\r")
            return
        if buf is None:
            buf = self._buffers[stream] = bytearray()
        if not buf:
            self._started[stream] = time.monotonic()
        buf.extend(data)
        ended = False
        while True:
            idx = buf.find(b"\n")
            if idx < 0:
                break
            line = bytes(buf[:idx])
            del buf[: idx + 1]
            ended = True
            yield stream, line.rstrip(b"\r")
        if ended and buf:
            self._started[stream] = time.monotonic()  # what is left began a new line
        while len(buf) > self.max_line:
            yield stream, bytes(buf[: self.max_line])
            del buf[: self.max_line]

    def pending(self, stream: str) -> bool:
        """True while a line of `stream` has started but not ended."""
        return bool(self._buffers.get(stream))

    def unfinished(self, after: float) -> list[tuple[str, bytes]]:
        """The lines begun at least `after` seconds ago and not ended yet (a progress bar, a
        prompt, a huge line on its way): for another thread to show them before their end.
        Safe while the reading thread feeds: a buffer holding a newline is being split, and is
        left out."""
        now = time.monotonic()
        out = []
        for stream, buf in list(self._buffers.items()):
            if buf and now - self._started.get(stream, now) >= after:
                data = bytes(buf)
                if data and b"\n" not in data:
                    out.append((stream, data))
        return out

    def flush(self) -> Iterator[tuple[str, bytes]]:
        for stream, buf in self._buffers.items():
            if buf:
                yield stream, bytes(buf)
                buf.clear()


def exec_frames(output: Iterator[tuple[bytes | None, bytes | None]]) -> Iterator[tuple[str, bytes]]:
    """(stream name, bytes) from `exec_start(stream=True, demux=True)`, which yields
    (stdout, stderr) pairs with one side None."""
    for stdout, stderr in output:
        if stdout:
            yield "stdout", stdout
        if stderr:
            yield "stderr", stderr


def http_frames(api: Any, response: Any, tty: bool) -> Iterator[tuple[str, bytes]]:
    """(stream name, bytes) from an HTTP body (logs): chunked encoding sits between the frames
    and the socket, so read through urllib3's decoder, not the socket."""
    _disable_read_timeout(api, response)
    if tty:
        for chunk in response.iter_content(chunk_size=None):
            if chunk:
                yield "stdout", chunk
        return
    raw = response.raw
    if getattr(raw, "chunked", False):
        # A followed log comes as one HTTP chunk per frame, many per network read: cut frames out
        # of each chunk rather than two reads per frame (which cost half the CPU of a flood).
        unpack = _FRAME_HEADER.unpack_from
        buf = b""
        for chunk in raw.read_chunked(decode_content=False):
            buf = buf + chunk if buf else chunk
            pos, size = 0, len(buf)
            while size - pos >= 8:
                stream_id, length = unpack(buf, pos)
                end = pos + 8 + length
                if end > size:
                    break
                if length:
                    yield STREAM_NAMES.get(stream_id, "stdout"), buf[pos + 8:end]
                pos = end
            buf = buf[pos:]
        return
    while True:
        header = raw.read(8)
        if len(header) < 8:
            return
        stream_id, length = struct.unpack(">BxxxL", header)
        if not length:
            continue
        data = raw.read(length)
        if not data:
            return
        yield STREAM_NAMES.get(stream_id, "stdout"), data


class Stream:
    """An iterator that another thread can cancel with close(); iteration then just ends.

    Any other failure leaves `__next__` as a typed EngineError: a connection that breaks under
    it (the engine stopped, the network or ssh link dropped) as EngineUnreachable."""

    def __init__(self, iterator: Iterator[Any], closer: Callable[[], None], endpoint: str = "",
                 unfinished: Callable[[float], list[Any]] | None = None) -> None:
        self._iterator = iterator
        self._closer = closer
        self._lock = threading.Lock()
        self._unfinished = unfinished
        self.endpoint = endpoint
        self.closed = False
        # Called (on the reading thread) when data came that ends no item, only begins or
        # continues one (a long line on its way): a reader asleep until items come can look at
        # `unfinished` then. Set by the consumer; None: nobody asks.
        self.on_unfinished: Callable[[], None] | None = None

    def unfinished(self, after: float) -> list[Any]:
        """Items begun at least `after` seconds ago and not complete yet (a log line still
        without its newline); callable from any thread. Empty for streams without such."""
        return self._unfinished(after) if self._unfinished is not None and not self.closed else []

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> Any:
        if self.closed:
            raise StopIteration
        try:
            return next(self._iterator)
        except StopIteration:
            raise
        except Exception as exc:
            # A socket shut down under us by close() surfaces as some error: that is the end.
            if self.closed:
                raise StopIteration from None
            if is_engine_failure(exc):
                raise translate(exc, endpoint=self.endpoint) from exc
            raise

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        self._closer()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
