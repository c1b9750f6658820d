"""Cancellable streams over the engine's HTTP connection: events, logs, exec output."""

from __future__ import annotations

import struct
import threading
from typing import Any, Callable, Iterator

from docker.types import CancellableStream
from docker.utils.socket import frames_iter

MAX_LINE = 1_000_000  # a "line" longer than this is cut into pieces: memory stays bounded


def close_response(response: Any, client: Any) -> None:
    """Unblock a thread reading `response`: shut the socket down, or close the whole client
    (ssh:// transports cannot be shut down from another thread, so each stream owns its client)."""
    try:
        CancellableStream(iter(()), response).close()
    except Exception:
        pass
    try:
        response.close()
    except Exception:
        pass
    try:
        client.close()
    except Exception:
        pass


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


STREAM_NAMES = {0: "stdout", 1: "stdout", 2: "stderr"}


def socket_frames(api: Any, response: Any, tty: bool) -> Iterator[tuple[str, bytes]]:
    """(stream name, bytes) from a hijacked connection (exec start): frames on the bare socket."""
    sock = api._get_raw_response_socket(response)
    for stream_id, data in frames_iter(sock, tty):
        if data:
            yield STREAM_NAMES.get(stream_id, "stdout"), data


def http_frames(api: Any, response: Any, tty: bool) -> Iterator[tuple[str, bytes]]:
    """(stream name, bytes) from an HTTP body (logs): chunked encoding sits between the frames
    and the socket, so read through urllib3's decoder, not the socket."""
    api._disable_socket_timeout(api._get_raw_response_socket(response))
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
    """An iterator that another thread can cancel with close(); iteration then just ends."""

    def __init__(self, iterator: Iterator[Any], closer: Callable[[], None]) -> None:
        self._iterator = iterator
        self._closer = closer
        self._lock = threading.Lock()
        self.closed = False

    def __iter__(self) -> "Stream":
        return self

    def __next__(self) -> Any:
        if self.closed:
            raise StopIteration
        try:
            return next(self._iterator)
        except Exception:
            # A socket shut down under us by close() surfaces as some error: that is the end.
            if self.closed:
                raise StopIteration from None
            raise

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        self._closer()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
