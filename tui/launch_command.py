"""`jtui launch [FOLDER]`: the folder's saved launch (.jtui/launch.toml) from the command line,
through the same launcher as the app (no terminal UI): progress on stderr, the URL on stdout."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .engine import Engine

EXIT_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jtui launch",
        description="Launch the Jupyter saved in FOLDER/.jtui/launch.toml (save one from the launch "
                    "form), print its URL when it answers and copy it to the clipboard.")
    parser.add_argument("folder", nargs="?", default=".", help="the project folder (default: here)")
    parser.add_argument("-H", "--host", help="engine URL: unix:///path, tcp://host:2376, ssh://user@host")
    parser.add_argument("-c", "--context", help="a docker context name")
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds to wait for Jupyter to answer (default 180)")
    parser.add_argument("--no-copy", action="store_true", help="do not copy the URL to the clipboard")
    return parser


def main(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = build_parser().parse_args(argv)
    # Imported here: `jtui --help` must not pay for docker-py.
    from .engine import Engine, EngineError
    from .engine.jobs import Done, Line, Progress
    from .jupyter.launch import validate
    from .jupyter.launcher import LaunchFailed, LaunchResult
    from .jupyter.project import ProjectFileProblem, build_and_launch_job, plan_build
    from .jupyter.recipe import RecipeError, load_recipe
    from .logtext import clean

    def fail(text: str) -> int:
        print(f"jtui launch: {text}", file=err)
        return EXIT_FAILED

    folder = os.path.abspath(args.folder)
    try:
        recipe = load_recipe(folder)
    except RecipeError as exc:
        return fail(str(exc))
    try:
        engine = Engine.connect(args.host, args.context)
    except EngineError as exc:
        return fail(f"{exc.message}" + (f"\n{exc.hint}" if exc.hint else ""))
    result: LaunchResult | None = None
    try:
        request = recipe.request
        if engine.info.rootless:
            # As the launch form: on a rootless engine, the container's root is the user.
            request.uid, request.gid = 0, 0
        local = engine.endpoint.is_local
        containers = engine.list_containers(all=True)
        names = {c.name for c in containers}
        ports = {p.host_port for c in containers if c.running for p in c.ports if p.host_port}
        problems = validate(request, existing_names=names, ports_in_use=ports, local_engine=local)
        if problems:
            return fail("the saved launch cannot run as it is:\n" + "\n".join(
                f"  {key}: {text}" for key, text in problems.items()))
        build = None
        if recipe.build_project:
            build = plan_build(folder, request.image)
            if build is None:
                return fail(f"the recipe builds from the project files, but {folder} has none "
                            "(requirements.txt, environment.yml, apt.txt, postBuild, Dockerfile)")
        job = build_and_launch_job(engine, build, request, ready_timeout=args.timeout)
        for event in job(threading.Event()):
            if isinstance(event, Line):
                print(clean(event.text), file=err)
            elif isinstance(event, Progress):
                print(clean(event.text), file=err)
            elif isinstance(event, Done):
                print(clean(event.summary), file=err)
                if isinstance(event.value, LaunchResult):
                    result = event.value
        if result is None:
            return fail("the launch ended without a server")
    except LaunchFailed as exc:
        tail = "".join(f"\n  {clean(line)}" for line in exc.last_lines[-10:])
        return fail(exc.message + (f"\nLast log lines:{tail}" if tail else ""))
    except EngineError as exc:
        return fail(exc.message + (f"\n{exc.hint}" if exc.hint else ""))
    except (ProjectFileProblem, OSError) as exc:
        return fail(str(exc))
    finally:
        # On an ssh:// engine the URL works through jtui's own ssh forward: kept below.
        if result is None or engine.tunnels is None:
            engine.close()
    url = result.server.url
    print(url, file=out, flush=True)
    if result.warning:
        print(f"warning: {result.warning}", file=err)
    if result.gpu_check is not None:
        print(f"{'warning: ' if result.gpu_check.warning else ''}GPU: {result.gpu_check.message}",
              file=err)
    if result.tunnel:
        print(f"Jupyter answers on the engine's machine only (its 127.0.0.1): run\n  {result.tunnel}\n"
              "here first, then open the URL.", file=err)
    if not args.no_copy:
        why = copy_url(url)
        print("URL copied to the clipboard." if why is None else f"(not copied: {why})", file=err)
    if engine.tunnels is not None:
        return hold_forward(engine, result.container_id, err)
    return 0


def hold_forward(engine: Engine, container_id: str, err: TextIO) -> int:
    """Keep the ssh forward that makes the printed URL work until Ctrl+C (or SIGTERM); the
    container keeps running either way."""
    print("Holding the ssh forward that makes this URL work: Ctrl+C closes it (Jupyter keeps "
          "running; `jtui` finds it again).", file=err, flush=True)
    tunnels = engine.tunnels
    assert tunnels is not None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while tunnels.local_port(container_id) is not None:
            time.sleep(0.5)
        print("jtui launch: the ssh forward ended.", file=err)
        return EXIT_FAILED
    except (KeyboardInterrupt, SystemExit):
        return 0
    finally:
        engine.close()


def copy_url(text: str) -> str | None:
    """The system clipboard through pyperclip; None when copied, else why not."""
    import pyperclip

    try:
        pyperclip.copy(text)
    except Exception as exc:  # no clipboard program, no display: the URL is printed anyway
        return str(exc).splitlines()[0] if str(exc) else "no clipboard program"
    return None
