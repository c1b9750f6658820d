"""More container actions: pause/unpause, kill with a signal, rename, copy files in and out
(the engine's archive API, no docker CLI), and the containers of a Compose project.

Plain Python: every action is a job (`tui.engine.jobs`) the UI's job runner runs in a thread, so
tests and scripts run the same code. Failures are typed errors in the user's words.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import docker.errors

from .. import humanize
from .client import Engine
from .errors import Cancelled, EngineError, NotFound, engine_failures, translate
from .jobs import Done, Job, JobEvent, Line, Progress
from .models import ContainerSummary

PROGRESS_EVERY = 0.1  # seconds between progress reports of a copy: enough for the eye
# Go's os.FileMode bit for a directory, as the engine reports it in an archive's stat.
GO_MODE_DIR = 1 << 31

# Linux signal names (containers are Linux), without the SIG prefix, by number.
SIGNALS = {
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
    "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16,
    "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24,
    "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "PWR": 30, "SYS": 31,
}
# The engine's own rule for container names (moby daemon/names): at least two characters.
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
CONFIG_FILES_LABEL = "com.docker.compose.project.config_files"


# --- errors in the user's words ------------------------------------------------------------------
class InvalidSignal(ValueError):
    """Typed in the kill form: not a signal a Linux container knows."""


class NoSuchPath(NotFound):
    def __init__(self, message: str, *, path: str = "", where: str = "") -> None:
        self.path = path
        super().__init__(message, hint=f"There is no file or folder '{path}' {where}: check the path.")


class LocalPermissionDenied(EngineError):
    def __init__(self, message: str, *, path: str = "") -> None:
        self.path = path
        super().__init__(message, hint=f"You may not read or write '{path}' on this machine "
                         "(permission denied): choose another folder or fix its permissions.")


class NotAFolder(EngineError):
    default_hint = "A folder cannot be copied over a file: choose a folder as the destination."


class ComposeUnavailable(EngineError):
    default_hint = ("Install Docker Compose (the docker-compose-plugin package, or Debian's "
                    "docker-compose) to run up/down; start, stop and restart work without it.")


# --- pause, kill, rename -------------------------------------------------------------------------
def parse_signal(text: str) -> str:
    """'kill', 'SIGKILL', '9' -> 'SIGKILL'; anything else raises InvalidSignal saying why. An
    empty field is refused, not read as the default: a cleared field is no answer to "kill?"."""
    word = text.strip().upper()
    if not word:
        raise InvalidSignal("type a signal: SIGKILL stops at once, SIGTERM asks the program to stop")
    if word.isdigit():
        for name, number in SIGNALS.items():
            if number == int(word):
                return f"SIG{name}"
        raise InvalidSignal(f"{text.strip()} is not a signal number: Linux signals are 1 to 31 "
                            "(9 is SIGKILL, 15 is SIGTERM)")
    name = word.removeprefix("SIG")
    if name in SIGNALS:
        return f"SIG{name}"
    raise InvalidSignal(f"'{text.strip()}' is not a signal: try SIGTERM (ask to stop), SIGKILL "
                        "(stop at once), SIGINT, SIGHUP or SIGUSR1")


def name_problem(name: str) -> str | None:
    """Why the engine would refuse this container name, in the user's words; None when fine."""
    if not name:
        return "type a name"
    if len(name) < 2:
        return "a name has at least two characters"
    if not NAME_RE.match(name):
        return ("a name uses letters, digits, '_', '.' and '-' only, and starts with a letter "
                "or digit")
    return None


def _each(engine: Engine, targets: Iterable[tuple[str, str]],
          act: Callable[[str, str], str | None], cancel: threading.Event) -> tuple[list[str], list[str]]:
    """Run `act(id, name)` on each target; one failure does not stop the others. `act` returns
    what it did in words (None: nothing to say), or raises."""
    done: list[str] = []
    failed: list[str] = []
    for cid, name in targets:
        if cancel.is_set():
            break
        try:
            with engine_failures(engine.endpoint.display):
                said = act(cid, name)
            if said:
                done.append(said)
        except EngineError as exc:
            failed.append(f"{name}: {exc}")
    return done, failed


def pause_job(engine: Engine, targets: list[ContainerSummary]) -> Job:
    """Pause the running targets and unpause the paused ones (one key toggles, as the row shows).
    Done.value is (what was done, failure texts), like the lifecycle actions."""
    states = {c.id: c.state for c in targets}

    def act(cid: str, name: str) -> str:
        state = states[cid]
        if state == "paused":
            engine.api.unpause(cid)
            return f"unpaused {name}"
        if state == "running":
            engine.api.pause(cid)
            return f"paused {name}"
        raise EngineError(f"it is {state or 'not running'}", hint="only a running container pauses")

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        done, failed = _each(engine, [(c.id, c.name) for c in targets], act, cancel)
        summary = (", ".join(done).capitalize() + ".") if done else "Nothing was paused or unpaused."
        yield Done(summary, (done, failed), error=bool(failed))

    return run


def kill_job(engine: Engine, targets: list[ContainerSummary], signal: str) -> Job:
    """Send `signal` (a name from parse_signal) to each target's main process."""

    def act(cid: str, name: str) -> str:
        engine.api.kill(cid, signal=signal)
        return name

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        done, failed = _each(engine, [(c.id, c.name) for c in targets], act, cancel)
        summary = f"Sent {signal} to {', '.join(done)}." if done else f"{signal} was not sent."
        yield Done(summary, (done, failed), error=bool(failed))

    return run


def rename(engine: Engine, container_id: str, new_name: str) -> None:
    """A taken name raises NameInUse (the engine's 409), a bad one EngineError."""
    with engine_failures(engine.endpoint.display, name=new_name):
        engine.api.rename(container_id, new_name)


def rename_job(engine: Engine, container: ContainerSummary, new_name: str) -> Job:
    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        rename(engine, container.id, new_name)
        yield Done(f"Renamed {container.name} to {new_name}.", new_name)

    return run


# --- copy files ----------------------------------------------------------------------------------
@dataclass
class CopyResult:
    """What a copy moved: regular files, their bytes, and members refused as unsafe."""

    destination: str
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self, what: str, seconds: float) -> str:
        text = (f"Copied {what} to {self.destination}: {self.files} file(s), "
                f"{humanize.size(self.bytes)} in {seconds:.1f}s.")
        if self.skipped:
            text += f" Skipped {len(self.skipped)} unsafe entr{'y' if len(self.skipped) == 1 else 'ies'}."
        return text


class _ChunkReader:
    """A file-like view of the engine's archive stream for tarfile's stream mode ("r|"),
    counting bytes and stopping when cancelled."""

    def __init__(self, chunks: Iterator[bytes], cancel: threading.Event, endpoint: str) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._pos = 0  # read up to here: slicing the rest off on every read would copy it each time
        self._cancel = cancel
        self._endpoint = endpoint
        self.received = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) - self._pos < size:
            if self._cancel.is_set():
                raise Cancelled("Copy cancelled")
            # Engine failures are typed here, at the source: what tarfile then raises as an
            # OSError is about this machine's files.
            with engine_failures(self._endpoint):
                chunk = next(self._chunks, b"")
            if not chunk:
                break
            self.received += len(chunk)
            self._buffer = self._buffer[self._pos:] + chunk
            self._pos = 0
        end = len(self._buffer) if size < 0 else min(len(self._buffer), self._pos + size)
        data = self._buffer[self._pos:end]
        self._pos = end
        return data


class _CountingReader:
    """A tar file being uploaded: requests reads it in blocks, this counts them (for progress)
    and stops the upload when cancelled. `__len__` gives requests the Content-Length."""

    def __init__(self, file: IO[bytes], size: int, cancel: threading.Event) -> None:
        self._file = file
        self._size = size
        self._cancel = cancel
        self.sent = 0

    def __len__(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        if self._cancel.is_set():
            raise Cancelled("Copy cancelled")
        data = self._file.read(size)
        self.sent += len(data)
        return data


def _missing_path(exc: EngineError, path: str, container: str) -> EngineError:
    """The engine's 404 for a path ("Could not find the file /x in container c"), as NoSuchPath;
    a missing container stays what it is."""
    low = exc.message.lower()
    if (isinstance(exc, NotFound) and "no such container" not in low) or "no such file" in low \
            or "could not find the file" in low:
        return NoSuchPath(exc.message, path=path, where=f"in {container}")
    return exc


@dataclass(frozen=True)
class PathInfo:
    """A path in a container, as its archive's first entry says (owner included)."""

    is_dir: bool
    uid: int
    gid: int


def container_path_info(engine: Engine, container_id: str, path: str, name: str = "") -> PathInfo | None:
    """Whether `path` exists in the container, is a folder, and who owns it; None if missing.
    Reads only the first header of the path's archive (works on stopped containers too)."""
    client = engine._stream_client()  # closing it is what ends the unread rest of the archive
    try:
        with engine_failures(engine.endpoint.display):
            try:
                chunks, stat = client.api.get_archive(container_id, path, chunk_size=None)
            except docker.errors.NotFound as exc:
                if "no such container" in str(exc).lower():
                    raise
                return None
            with tarfile.open(fileobj=_ChunkReader(iter(chunks), threading.Event(), engine.endpoint.display),  # type: ignore[call-overload]
                              mode="r|") as tar:
                first = tar.next()
        is_dir = bool(int(stat.get("mode") or 0) & GO_MODE_DIR)
        if first is None:
            return PathInfo(is_dir, 0, 0)
        return PathInfo(is_dir or first.isdir(), first.uid, first.gid)
    finally:
        engine._release(client)


def _local_destination(dest: str, source_is_dir: bool) -> tuple[Path, str | None]:
    """Where on this machine a copy lands: (folder to extract in, new name of the top entry or
    None to keep it). An existing folder receives the copy; else the copy takes dest's name in
    dest's parent folder, as `docker cp` does."""
    target = Path(dest).expanduser().absolute()
    if target.is_dir():
        root, new_name = target, None
    elif target.parent.is_dir():
        if source_is_dir and target.exists():
            raise NotAFolder(f"{target} is a file on this machine")
        root, new_name = target.parent, target.name
    else:
        raise NoSuchPath(f"No folder {target.parent} on this machine", path=str(target.parent),
                         where="on this machine")
    if not os.access(root, os.W_OK | os.X_OK):
        raise LocalPermissionDenied(f"Permission denied: {root}", path=str(root))
    return root, new_name


def _renamed(name: str, new_top: str | None) -> str:
    if new_top is None:
        return name
    rest = name.split("/", 1)
    return new_top + ("/" + rest[1] if len(rest) > 1 else "")


def copy_out_job(engine: Engine, container: ContainerSummary, source: str, dest: str) -> Job:
    """Copy a file or folder out of the container to `dest` on this machine. Entries a safe
    extraction refuses (links leading outside the destination, devices) are skipped and counted."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        started = time.monotonic()
        yield Progress(f"Copying {container.name}:{source} to this machine…")
        client = engine._stream_client()
        try:
            with engine_failures(engine.endpoint.display):
                try:
                    chunks, stat = client.api.get_archive(container.id, source, chunk_size=None)
                except docker.errors.NotFound as exc:
                    raise _missing_path(translate(exc), source, container.name) from exc
            is_dir = bool(int(stat.get("mode") or 0) & GO_MODE_DIR)
            total = None if is_dir else int(stat.get("size") or 0)
            root, new_top = _local_destination(dest, is_dir)
            result = CopyResult(str(root / (new_top or str(stat.get("name") or ""))))
            reader = _ChunkReader(iter(chunks), cancel, engine.endpoint.display)
            last = 0.0
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for member in tar:
                    member.name = _renamed(member.name, new_top)
                    if member.islnk():
                        member.linkname = _renamed(member.linkname, new_top)
                    try:
                        safe = tarfile.data_filter(member, str(root))
                    except tarfile.FilterError as exc:
                        result.skipped.append(f"{member.name}: {exc}")
                        continue
                    try:
                        tar.extract(safe, root, filter="fully_trusted")
                    except PermissionError as exc:
                        raise LocalPermissionDenied(str(exc), path=str(root / member.name)) from exc
                    if member.isreg():
                        result.files += 1
                        result.bytes += member.size
                    now = time.monotonic()
                    if now - last >= PROGRESS_EVERY:
                        last = now
                        fraction = min(1.0, reader.received / total) if total else None
                        yield Progress(f"Received {humanize.size(reader.received)}, "
                                       f"{result.files} file(s)…", fraction)
        finally:
            engine._release(client)
        for text in result.skipped:
            yield Line(f"skipped {text}", "stderr")
        yield Done(result.summary(f"{container.name}:{source}", time.monotonic() - started), result)

    return run


def _pack(source: Path, arcname: str, owner: tuple[int, int] | None, file: IO[bytes],
          cancel: threading.Event) -> Iterator[CopyResult]:
    """Write `source` (file or folder, links kept as links) as a tar into `file`; yields the
    running count now and then. Entries belong to `owner` (the receiving folder's owner), so a
    notebook user can edit what was copied in."""
    result = CopyResult("")

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
        if owner is not None:
            info.uid, info.gid = owner
            info.uname = info.gname = ""
        return info

    if source.is_dir() and not source.is_symlink():
        walked: Iterable[tuple[str, list[str], list[str]]] = os.walk(source, onerror=_raise)
    else:
        walked = [(str(source.parent), [], [source.name])]
    last = 0.0
    with tarfile.open(fileobj=file, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        if source.is_dir() and not source.is_symlink():
            tar.add(source, arcname, recursive=False, filter=owned)
        for folder, dirs, files in walked:
            dirs.sort()
            rel = os.path.relpath(folder, source) if source.is_dir() else ""
            for entry in sorted(dirs) + sorted(files):
                if cancel.is_set():
                        raise Cancelled("Copy cancelled")
                path = Path(folder, entry)
                name = arcname if not source.is_dir() else posixpath.join(
                    arcname, *(Path(rel).parts if rel != "." else ()), entry)
                try:
                    tar.add(path, name, recursive=False, filter=owned)
                except PermissionError as exc:
                    raise LocalPermissionDenied(str(exc), path=str(path)) from exc
                if path.is_file() and not path.is_symlink():
                    result.files += 1
                    result.bytes += path.stat().st_size
                if time.monotonic() - last >= PROGRESS_EVERY:
                    last = time.monotonic()
                    yield result
    yield result


def _raise(exc: OSError) -> None:
    if isinstance(exc, PermissionError):
        raise LocalPermissionDenied(str(exc), path=exc.filename or "") from exc
    raise exc


def copy_in_job(engine: Engine, container: ContainerSummary, source: str, dest: str) -> Job:
    """Copy a file or folder from this machine into the container at `dest`: into it when it is
    a folder there, else under dest's name in its parent folder (as `docker cp` does)."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        started = time.monotonic()
        local = Path(source).expanduser().absolute()
        if not local.exists() and not local.is_symlink():
            raise NoSuchPath(f"No such file or folder: {local}", path=str(local),
                             where="on this machine")
        if not os.access(local, os.R_OK):
            raise LocalPermissionDenied(f"Permission denied: {local}", path=str(local))
        info = container_path_info(engine, container.id, dest)
        if info is not None and info.is_dir:
            folder, arcname = dest, local.name
        else:
            folder = posixpath.dirname(dest.rstrip("/")) or "/"
            arcname = posixpath.basename(dest.rstrip("/"))
            if info is not None and local.is_dir():
                raise NotAFolder(f"{dest} is a file in {container.name}")
            info = container_path_info(engine, container.id, folder)
            if info is None or not info.is_dir:
                raise NoSuchPath(f"No folder {folder} in {container.name}", path=folder,
                                 where=f"in {container.name}")
        yield Progress(f"Packing {local}…")
        with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as packed:
            result = CopyResult(posixpath.join(folder, arcname))
            for counted in _pack(local, arcname, (info.uid, info.gid), packed, cancel):
                result = CopyResult(posixpath.join(folder, arcname), counted.files, counted.bytes)
                yield Progress(f"Packing: {result.files} file(s), {humanize.size(result.bytes)}…")
            size = packed.tell()
            packed.seek(0)
            reader = _CountingReader(packed, size, cancel)
            outcome: list[BaseException | None] = []

            def upload() -> None:
                try:
                    with engine_failures(engine.endpoint.display):
                        try:
                            engine.api.put_archive(container.id, folder, reader)
                        except docker.errors.APIError as exc:
                                    raise _missing_path(translate(exc), folder, container.name) from exc
                    outcome.append(None)
                except BaseException as exc:  # handed to the job below
                    outcome.append(exc)

            # requests reads the tar from its own loop: the job reports progress beside it.
            sender = threading.Thread(target=upload, daemon=True)
            sender.start()
            while sender.is_alive():
                sender.join(PROGRESS_EVERY)
                yield Progress(f"Sent {humanize.size(reader.sent)} of {humanize.size(size)}…",
                               reader.sent / size if size else None)
            if outcome and outcome[0] is not None:
                raise outcome[0]
        yield Done(result.summary(str(local), time.monotonic() - started), result)

    return run


# --- Compose projects ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ComposeProject:
    """A Compose project as its containers' labels describe it."""

    name: str
    working_dir: str
    config_files: tuple[str, ...]
    containers: tuple[ContainerSummary, ...]

    @property
    def missing_files(self) -> list[str]:
        """Config files not on this machine (made elsewhere, or on a remote engine's host)."""
        return [f for f in self.config_files if not Path(f).is_file()]


def compose_project(container: ContainerSummary,
                    everyone: Iterable[ContainerSummary]) -> ComposeProject | None:
    """The project of `container` (None when it is not part of one), with all its containers."""
    name = container.labels.get(PROJECT_LABEL)
    if not name:
        return None
    members = tuple(sorted((c for c in everyone if c.labels.get(PROJECT_LABEL) == name),
                           key=lambda c: (c.labels.get(SERVICE_LABEL, ""), c.name)))
    files = container.labels.get(CONFIG_FILES_LABEL, "")
    return ComposeProject(name, container.labels.get(WORKING_DIR_LABEL, ""),
                          tuple(f for f in files.split(",") if f), members or (container,))


def compose_command(which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """How to run Compose here: `docker compose` (the plugin), else `docker-compose`; None
    when neither is installed."""
    docker = which("docker")
    if docker is not None:
        try:
            # Never the terminal as stdin: it belongs to the full-screen app (keys went missing).
            probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=10,
                                   stdin=subprocess.DEVNULL)
            if probe.returncode == 0:
                return [docker, "compose"]
        except (OSError, subprocess.SubprocessError):
            pass
    standalone = which("docker-compose")
    return [standalone] if standalone else None


def compose_argv(command: list[str], project: ComposeProject, verb: str,
                 engine_args: list[str]) -> list[str]:
    """The full command line for `up` (detached) or `down`, pointed at the same engine."""
    if command[-1] == "compose":  # docker [--host X] compose ...
        head = [*command[:-1], *engine_args, "compose"]
    else:  # docker-compose [--host X] ...
        head = [*command, *engine_args]
    files = [arg for f in project.config_files for arg in ("-f", f)]
    where = ["--project-directory", project.working_dir] if project.working_dir else []
    return [*head, "-p", project.name, *where, *files, *(["up", "-d"] if verb == "up" else [verb])]


def compose_cli_job(argv: list[str], cwd: str | None, env: dict[str, str] | None = None) -> Job:
    """Run a Compose command, its output as lines; Done says the exit code. Cancel stops it."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        yield Line("$ " + " ".join(argv), "status")
        proc = subprocess.Popen(argv, cwd=cwd or None, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})})
        assert proc.stdout is not None

        def stop_on_cancel() -> None:
            while proc.poll() is None:
                if cancel.wait(0.2):
                    proc.terminate()
                    return

        threading.Thread(target=stop_on_cancel, daemon=True).start()
        for raw in proc.stdout:
            yield Line(raw.decode("utf-8", "replace").rstrip("\r\n"))
        code = proc.wait()
        if cancel.is_set():
            raise Cancelled("Compose cancelled")
        yield Done(f"{argv[-2] if argv[-1] == '-d' else argv[-1]}: exit code {code}"
                   + ("" if code == 0 else " (failed)"), code, error=code != 0)

    return run
