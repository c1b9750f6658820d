"""The forms and menus behind the containers pane's extra keys: pause (p), kill with a signal
(X), rename (n), copy files (c) and the Compose project menu (P). The work is in
`tui.engine.actions`; here are only the questions asked and where the answers go."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets.button import ButtonVariant

from ..engine import ContainerSummary, Engine
from ..engine.actions import (
    CONFIG_FILES_LABEL,
    PROJECT_LABEL,
    ComposeProject,
    InvalidSignal,
    compose_argv,
    compose_cli_job,
    compose_command,
    compose_project,
    copy_in_job,
    copy_out_job,
    kill_job,
    name_problem,
    parse_signal,
    pause_job,
    rename_job,
)
from ..engine.jobs import Done, Failed
from .dialogs import ConfirmScreen, FormScreen, FormValues, JobScreen
from .jobs import run_in_thread

if TYPE_CHECKING:
    from .containers import ContainerTable

NOTEBOOK_FOLDER = "/home/jovyan/work"  # where the Jupyter stacks keep the user's files


def _record(table: ContainerTable, verb: str) -> Callable[[Done | Failed], None]:
    """An on_outcome that keeps what the action did on the table (tests, the palette read it)."""

    def outcome(result: Done | Failed) -> None:
        if isinstance(result, Done) and isinstance(result.value, tuple):
            done, failed = result.value
            table.last_action_result = (verb, list(done), list(failed))
        elif isinstance(result, Done):
            table.last_action_result = (verb, [str(result.value)], [])
        else:
            table.last_action_result = (verb, [], [result.text])

    return outcome


def _targets(table: ContainerTable, doing: str) -> list[ContainerSummary] | None:
    if table.jtui.require_engine(doing) is None:
        return None
    targets = table.targets()
    if not targets:
        table.notify("Select a container first.", severity="warning")
        return None
    return targets


def _selected(table: ContainerTable, doing: str) -> tuple[Engine, ContainerSummary] | None:
    """The engine and the selected container for an action on one container, or None (and
    the reason said)."""
    engine = table.jtui.require_engine(doing)
    if engine is None:
        return None
    if table.selected is None:
        table.notify(table.no_selection_hint(), severity="warning")
        return None
    return engine, table.selected


def toggle_pause(table: ContainerTable) -> None:
    """Pause the running targets, unpause the paused ones (the marked rows too)."""
    targets = _targets(table, "pause containers")
    engine = table.jtui.engine
    if targets is None or engine is None:
        return
    table.clear_marks()
    names = ", ".join(c.name for c in targets)
    doing = "Unpausing" if all(c.state == "paused" for c in targets) else "Pausing"
    table.notify(f"{doing} {names}…", timeout=3)
    table.jtui.run_job(pause_job(engine, targets), f"{doing} {names}",
                       on_outcome=_record(table, "pause"))


def kill(table: ContainerTable) -> None:
    """Ask for a signal (SIGKILL unless told), then send it to the targets."""
    targets = _targets(table, "kill containers")
    engine = table.jtui.engine
    if targets is None or engine is None:
        return
    names = ", ".join(c.name for c in targets)

    def check(values: FormValues) -> str | None:
        try:
            parse_signal(values["signal"])
        except InvalidSignal as exc:
            return str(exc)
        return None

    def chosen(values: FormValues | None) -> None:
        if not values:
            return
        signal = parse_signal(values["signal"])
        table.clear_marks()
        table.jtui.run_job(kill_job(engine, targets, signal), f"Send {signal} to {names}",
                           on_outcome=_record(table, "kill"))

    table.app.push_screen(FormScreen(
        f"Kill {names}", [("signal", "Signal", "SIGKILL", "SIGKILL, SIGTERM, 15, HUP…")],
        ok="Send", check=check,
        note="SIGKILL stops at once (unsaved work is lost); SIGTERM asks the program to stop."),
        chosen)


def rename(table: ContainerTable) -> None:
    chosen_one = _selected(table, "rename a container")
    if chosen_one is None:
        return
    engine, c = chosen_one
    taken = {other.name for other in table.containers.values() if other.id != c.id}

    def check(values: FormValues) -> str | None:
        name = values["name"].strip()
        if name in taken:
            return f"a container named '{name}' already exists: choose another name"
        return name_problem(name)

    def chosen(values: FormValues | None) -> None:
        if values and values["name"].strip() != c.name:
            table.jtui.run_job(rename_job(engine, c, values["name"].strip()), f"Rename {c.name}",
                               on_outcome=_record(table, "rename"))

    table.app.push_screen(FormScreen(
        f"Rename {c.name}", [("name", "New name", c.name, "my-notebook")], ok="Rename",
        check=check), chosen)


def copy_files(table: ContainerTable) -> None:
    """Which way first, then the two paths; the copy runs in a window with its progress."""
    chosen_one = _selected(table, "copy files")
    if chosen_one is None:
        return
    engine, c = chosen_one
    here = os.getcwd()

    def direction(choice: str | None) -> None:
        if choice == "out":
            fields = [("source", f"From {c.name}", NOTEBOOK_FOLDER, NOTEBOOK_FOLDER),
                      ("dest", "To this machine", here, here)]
        elif choice == "in":
            fields = [("source", "From this machine", here, here),
                      ("dest", f"To {c.name}", NOTEBOOK_FOLDER, NOTEBOOK_FOLDER)]
        else:
            return

        def check(values: FormValues) -> str | None:
            return "give both paths" if not values["source"] or not values["dest"] else None

        def chosen(values: FormValues | None) -> None:
            if not values:
                return
            source, dest = values["source"].strip(), values["dest"].strip()
            make = copy_out_job if choice == "out" else copy_in_job
            title = (f"Copy {c.name}:{source} → {dest}" if choice == "out"
                     else f"Copy {source} → {c.name}:{dest}")
            screen = JobScreen(title, make(engine, c, source, dest), progress=True,
                               on_outcome=_record(table, f"copy-{choice}"))
            table.output_screen = screen
            table.app.push_screen(screen)

        table.app.push_screen(FormScreen(
            f"Copy files {'out of' if choice == 'out' else 'into'} {c.name}", fields, ok="Copy",
            check=check,
            note="A file or a folder (with everything in it). An existing folder receives the "
                 "copy; any other path names it. Files of the same name are replaced."), chosen)

    choices: list[tuple[str, str, ButtonVariant]] = [
        ("out", f"{c.name} → this machine", "primary"), ("in", f"this machine → {c.name}", "primary")]
    table.app.push_screen(ConfirmScreen(
        "Copy files", f"Copy files between {c.name} and this machine ({here}): which way?",
        choices), direction)


# --- Compose projects ------------------------------------------------------------------------------
def compose_menu(table: ContainerTable) -> None:
    """The project of the selected container: start / stop / restart all its containers through
    the engine; up / down through Compose when it is installed here."""
    members = table.group_members(table.selected_key)  # a folded project's row: that project
    if members:
        engine_or_none = table.jtui.require_engine("manage a Compose project")
        chosen_one = None if engine_or_none is None else (engine_or_none, members[0])
    else:
        chosen_one = _selected(table, "manage a Compose project")
    if chosen_one is None:
        return
    engine, c = chosen_one
    project = compose_project(c, table.containers.values())
    if project is None:
        table.notify(f"{c.name} is not part of a Compose project (it has no {PROJECT_LABEL} label).",
                     severity="warning")
        return

    # Looking for Compose runs `docker compose version`: off the UI thread.
    def look() -> None:
        command = compose_command()
        table.app.call_from_thread(_show_compose_menu, table, project, command)

    run_in_thread(table, look, "look for Docker Compose")


def _show_compose_menu(table: ContainerTable, project: ComposeProject,
                       command: list[str] | None) -> None:
    engine = table.jtui.engine
    if engine is None:
        return
    members = ", ".join(f"{m.name} ({m.state or '?'})" for m in project.containers)
    body = f"Compose project {project.name}: {members}."
    choices: list[tuple[str, str, ButtonVariant]] = [
        ("start", "Start all", "success"), ("stop", "Stop all", "warning"),
        ("restart", "Restart all", "primary")]
    if command is None:
        body += ("\n\nup / down need Docker Compose, which is not installed here (install the "
                 "docker-compose-plugin package, or Debian's docker-compose). Start, stop and "
                 "restart work through the engine.")
    elif not project.config_files:
        body += ("\n\nup / down need the project's compose files, and its containers do not "
                 f"name them (no {CONFIG_FILES_LABEL} label).")
    elif project.missing_files:
        body += (f"\n\nup / down need the project's compose files, which are not on this "
                 f"machine: {', '.join(project.missing_files)}.")
    else:
        body += f"\n\nup / down run {' '.join(command)} in {project.working_dir or 'this folder'}."
        choices += [("up", "Up", "primary"), ("down", "Down", "error")]

    def answered(choice: str | None) -> None:
        if choice in ("start", "stop", "restart"):
            table._lifecycle(choice, list(project.containers))
        elif choice in ("up", "down") and command is not None:
            argv = compose_argv(command, project, choice, engine.endpoint.cli_args())
            screen = JobScreen(f"Compose {choice} {project.name}",
                               compose_cli_job(argv, project.working_dir),
                               on_outcome=_record(table, f"compose-{choice}"))
            table.output_screen = screen
            table.app.push_screen(screen)

    table.app.push_screen(ConfirmScreen(f"Compose project {project.name}", body, choices), answered)
