"""The project folder from the main screen: launch the folder's saved recipe (L, and an offer at
start), and rebuild a container's image from its folder's changed files and relaunch it (U)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.timer import Timer

from ..engine import ContainerSummary, Engine, EngineError
from ..engine.jobs import Done, Failed, Job, JobEvent, Progress
from ..engine.models import BuildResult
from ..jupyter.launch import LaunchRequest, default_name
from ..jupyter.launcher import LaunchResult, launch_job
from ..jupyter.project import (
    BASE_LABEL,
    FOLDER_LABEL,
    ProjectBuild,
    ProjectFileProblem,
    build_events,
    image_out_of_date,
    plan_build,
)
from ..jupyter.recipe import RecipeError, has_recipe, load_recipe, recipe_path
from .dialogs import ConfirmScreen, JobScreen
from .launch_form import LaunchForm

if TYPE_CHECKING:
    from .main_screen import MainScreen

STOP_GRACE = 10  # seconds for the old container's kernels to stop before the rebuild replaces it


STALE_CHECK_SECONDS = 3.0  # how soon an edit of requirements.txt marks the row "out of date"


def start(screen: MainScreen) -> Timer:
    """At start: offer the folder's recipe, and keep the "image out of date" marks current (the
    files change outside the engine, so no engine event re-renders those rows). The check sleeps
    while no container was built from a project folder: resume the timer returned when one
    appears (`watch_for`)."""
    offer_recipe(screen)
    shown: dict[str, bool] = {}

    def check() -> None:
        table = screen.containers
        changed = []
        for cid, c in table.containers.items():
            if FOLDER_LABEL in c.labels:
                stale = image_out_of_date(c.labels) is True
                if shown.get(cid, stale) != stale:
                    changed.append(cid)
                shown[cid] = stale
        for cid in [cid for cid in shown if cid not in table.containers]:
            del shown[cid]
        if changed:
            table.refresh_rows(changed)
        if not shown:
            timer.pause()

    timer = screen.set_interval(STALE_CHECK_SECONDS, check, pause=True)
    return timer


def watch_for(timer: Timer, containers: Iterable[ContainerSummary]) -> None:
    """Wake the check when one of these containers was built from a project folder."""
    if any(FOLDER_LABEL in c.labels for c in containers):
        timer.resume()


def offer_recipe(screen: MainScreen, folder: str | None = None) -> None:
    """At start: a folder with a saved launch says so (once), with the key that launches it."""
    folder = folder or os.getcwd()
    if has_recipe(folder):
        screen.notify(f"This folder has a saved launch ({recipe_path(folder)}): press L to launch it.",
                      title="Launch recipe", timeout=12)


def launch_recipe(screen: MainScreen, folder: str | None = None) -> None:
    """The launch form, filled in from the folder's `.jtui/launch.toml`."""
    folder = folder or os.getcwd()
    engine = screen.jtui.require_engine("launch Jupyter")
    if engine is None:
        return
    ids = (0, 0) if engine.info.rootless else None
    try:
        recipe = load_recipe(folder, ids=ids)
    except RecipeError as exc:
        screen.notify(str(exc), title="The launch recipe cannot be used", severity="error", timeout=20)
        return
    request = recipe.request
    names = {c.name for c in screen.containers.containers.values()}
    if request.name in names:
        request.name = default_name(request.name.rstrip("0123456789-") or request.name, names)
    form = LaunchForm(request, engine, existing_names=names,
                      ports_in_use={p.host_port for c in screen.containers.containers.values()
                                    for p in c.ports if p.host_port and c.running},
                      local_engine=engine.endpoint.is_local, build_project=recipe.build_project,
                      save_recipe=True)
    screen.app.push_screen(form, screen._launched)


def _same_options(screen: MainScreen, c: ContainerSummary, folder: str) -> LaunchRequest | None:
    """How the container was launched: the recent launch of that name, else the folder's recipe
    when it names this container."""
    for request in screen.jtui.recent.load():
        if request.name == c.name:
            return request
    try:
        recipe = load_recipe(folder)
    except RecipeError:
        return None
    return recipe.request if recipe.request.name == c.name else None


def rebuild_and_relaunch(screen: MainScreen) -> None:
    """U: build the image again from the container's project folder, then replace the container
    with one launched with the same options on the new image."""
    c = screen.containers.selected
    if c is None:
        screen.notify("Select a container first.", severity="warning")
        return
    folder, base = c.labels.get(FOLDER_LABEL), c.labels.get(BASE_LABEL)
    if not folder or not base:
        screen.notify(f"{c.name} was not built by jtui from a project folder.", severity="warning")
        return
    engine = screen.jtui.require_engine("rebuild the image")
    if engine is None:
        return
    request = _same_options(screen, c, folder)
    if request is None:
        screen.notify(f"jtui does not know how {c.name} was launched (no recent launch of that "
                      "name, no recipe naming it): launch it again from the form.", severity="warning")
        return
    try:
        build = plan_build(folder, base)
    except (ProjectFileProblem, OSError) as exc:
        screen.notify(f"The project files cannot be built: {exc}", severity="error")
        return
    if build is None:
        screen.notify(f"{folder} holds no project files any more.", severity="warning")
        return
    request = replace(request, image=base)
    stale = image_out_of_date(c.labels)
    why = "Its files changed since the image was built." if stale else "Its files did not change."

    def answered(choice: str | None) -> None:
        if choice == "rebuild":
            screen.app.push_screen(JobScreen(
                f"Rebuild {build.tag} and relaunch {c.name}",
                replace_job(engine, build, request, c.id), progress=True,
                on_outcome=lambda outcome: _relaunched(screen, outcome)))

    screen.app.push_screen(ConfirmScreen(
        f"Rebuild and relaunch {c.name}",
        f"{why}\nBuild {build.tag} from {build.project.describe()} in {folder}, then stop and "
        f"remove {c.name} and launch it again with the same folder, port and options.\n"
        "Files in mounted folders stay; anything else changed inside the container is lost.",
        [("rebuild", "Rebuild and relaunch", "warning")]), answered)


def replace_job(engine: Engine, build: ProjectBuild, request: LaunchRequest, old_id: str) -> Job:
    """Build first (the old container keeps running if the build fails), then free the name and
    port by removing the old container, then launch on the new image."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        for event in build_events(engine, build, cancel):
            if not isinstance(event, BuildResult):
                yield event
        yield Progress(f"Stopping the old {request.name}…")
        try:
            engine.stop(old_id, grace=STOP_GRACE)
        except EngineError:
            pass  # already stopped or gone: removing it is what matters
        engine.remove(old_id, force=True)
        yield from launch_job(engine, replace(request, image=build.tag))(cancel)

    return run


def _relaunched(screen: MainScreen, outcome: Done | Failed) -> None:
    if isinstance(outcome, Done) and isinstance(outcome.value, LaunchResult):
        screen._launched(outcome.value)
