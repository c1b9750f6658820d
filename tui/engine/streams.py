"""Cancellable streams over the engine's HTTP connection: events, logs, exec output.

This is the only module that touches docker-py's private API (names starting with `_`). Each use
sits in a small function below that says why the public API will not do. docker-py 7.x keeps
these helpers stable (pyproject pins docker>=7.1,<8); tests/engine/test_boundary.py fails if a
private docker-py name is used anywhere else in `tui/`.
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from docker.types import CancellableStream

from .errors import is_engine_failure, translate

log = logging.getLogger(__name__)

MAX_LINE = 1_000_000  # a "line" longer than this is cut into pieces: memory stays bounded
STREAM_NAMES = {0: "stdout", 1: "stdout", 2: "stderr"}


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


# --- public API from here on ----------------------------------------------------------------------
def hang_up(stream: Any, client: Any) -> None:
    """Unblock a thread reading `stream` (a requests Response or docker-py's CancellableStream):
    shut its socket down, then close the whole client (an ssh:// transport cannot be shut down
    from another thread, so each stream owns its client). Never raises."""
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

    def feed(self, stream: str, data: bytes) -> Iterator[tuple[str, bytes]]:
        buf = self._buffers.setdefault(stream, bytearray())
        buf.extend(data)
        while True:
            idx = buf.find(b"\n")
            if idx < 0:
                break
            line = bytes(buf[:idx])
            del buf[: idx + 1]
            yield stream, line.rstrip(b"\r")
        while len(buf) > self.max_line:
            yield stream, bytes(buf[: self.max_line])
            del buf[: self.max_line]

    def pending(self, stream: str) -> bool:
        """True while a line of `stream` has started but not ended."""
        return bool(self._buffers.get(stream))

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

    def __init__(self, iterator: Iterator[Any], closer: Callable[[], None], endpoint: str = "") -> None:
        self._iterator = iterator
        self._closer = closer
        self._lock = threading.Lock()
        self.endpoint = endpoint
        self.closed = False

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
