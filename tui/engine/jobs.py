"""Long jobs as plain generators: pull, run a command, build, commit, prune.

A job is a function of a cancel event that yields typed progress: `Line` (a line of output),
`Progress` (how far, in words and as a fraction), and finally `Done` (what it made). A failure
is raised as a typed `EngineError` (a cancelled job raises `Cancelled`); the UI's one job runner
turns those into a `Failed`. Nothing here knows about the terminal: the same jobs run from tests,
scripts and the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .. import humanize
from .client import Engine
from .errors import EngineError
from .models import BuildResult, PullProgress


@dataclass(frozen=True)
class Line:
    """One line of output, as the program wrote it (the UI cleans it for display)."""

    text: str
    stream: str = "stdout"  # stdout | stderr | status


@dataclass(frozen=True)
class Progress:
    """How far the job is. `fraction` is None while the total is unknown."""

    text: str
    fraction: float | None = None


@dataclass(frozen=True)
class Done:
    """The job finished; `summary` says so in the user's words, `value` is what it made."""

    summary: str
    value: object = None
    error: bool = False  # finished, but with a failure the user must see (e.g. exit code 3)


@dataclass(frozen=True)
class Failed:
    """Made by the job runner from the exception a job raised."""

    summary: str
    hint: str = ""
    error: BaseException | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        return f"{self.summary}\n{self.hint}" if self.hint else self.summary


JobEvent = Line | Progress | Done | Failed
Job = Callable[[threading.Event], Iterator[JobEvent]]


def pull_progress_text(p: PullProgress) -> str:
    return (f"Pulling {p.reference}: {p.layers_done}/{p.layers_total} layers, "
            f"{humanize.size(p.current_bytes)} of {humanize.size(p.total_bytes)}")


def pull_job(engine: Engine, reference: str) -> Job:
    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        last_status = ""
        for p in engine.pull(reference, cancel=cancel):
            yield Progress(pull_progress_text(p), p.fraction)
            if p.status and p.status != last_status:
                last_status = p.status
                yield Line(p.status, "status")
        yield Done(f"Pulled {reference}.", reference)

    return run


def exec_job(engine: Engine, container_id: str, argv: list[str], user: str | None = None) -> Job:
    """Run argv in the container (no shell), as `user` if given; every line is yielded as it
    arrives."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        for out in engine.exec_stream(container_id, argv, user=user, cancel=cancel):
            if out.stream == "exit":
                code = int(out.text)
                yield Done(f"exit code {code}" + ("" if code == 0 else " (failed)"), code,
                           error=code != 0)
                return
            yield Line(out.text, out.stream)

    return run


def build_job(engine: Engine, dockerfile: str, tag: str,
              files: Callable[[], dict[str, bytes]] | None = None,
              buildargs: dict[str, str] | None = None) -> Job:
    """Build `tag`; the Dockerfile is shown first. `files` is read inside the job (it may be a
    folder of wheels: reading it is part of the long work)."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        for text in dockerfile.splitlines():
            yield Line(text, "status")
        yield Line("", "status")
        context = files() if files is not None else {}
        for item in engine.build(dockerfile, tag, files=context, cancel=cancel, buildargs=buildargs):
            if isinstance(item, BuildResult):
                yield Done(f"Built {tag} ({item.image_id[7:19]}).", item)
            else:
                yield Line(item)

    return run


def commit_job(engine: Engine, container_id: str, name: str, repository: str, tag: str,
               message: str = "") -> Job:
    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        yield Progress(f"Committing {name} to {repository}:{tag}…")
        image_id = engine.commit(container_id, repository, tag, message=message)
        yield Done(f"Committed {name} to {repository}:{tag} ({image_id[7:19]}). "
                   "Launch it from the images pane with l.", f"{repository}:{tag}")

    return run


def prune_images_job(engine: Engine) -> Job:
    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        yield Progress("Pruning dangling images…")
        count, reclaimed = engine.prune_images()
        yield Done(f"Pruned {count} image(s), {humanize.size(reclaimed)} freed.", (count, reclaimed))

    return run


def lifecycle_job(engine: Engine, verb: str, targets: list[tuple[str, str]], grace: int) -> Job:
    """start / stop / restart / remove / force-remove each (id, name); one failure does not stop
    the others. Done.value is (done names, failure texts)."""
    past = {"start": "Started", "stop": "Stopped", "restart": "Restarted", "remove": "Removed",
            "force-remove": "Removed"}

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        done: list[str] = []
        failed: list[str] = []
        for cid, name in targets:
            if cancel.is_set():
                break
            try:
                if verb == "start":
                    engine.start(cid)
                elif verb == "stop":
                    engine.stop(cid, grace=grace)
                elif verb == "restart":
                    engine.restart(cid, grace=grace)
                elif verb == "remove":
                    engine.remove(cid)
                elif verb == "force-remove":
                    engine.remove(cid, force=True)
                else:
                    raise ValueError(f"unknown action {verb}")
                done.append(name)
            except EngineError as exc:
                failed.append(f"{name}: {exc}")
        summary = f"{past[verb]} {', '.join(done)}." if done else f"Nothing was {past[verb].lower()}."
        yield Done(summary, (done, failed), error=bool(failed))

    return run
