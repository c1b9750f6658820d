"""The `jtui` command: parse and check the arguments, set up logging, build the app, run it.

Start-up time matters: textual, docker-py and the app are imported only once the arguments are
known to be good, so `--help`, `--version` and a bad flag answer at once.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path

from . import __version__
from .config import AppConfig, engine_url_problem
from .lazy_import import defer_unused_imports
from .logsetup import install_excepthook, log_path, setup_logging

EXIT_INTERRUPTED = 130  # what shells report for a program ended by Ctrl+C (128 + SIGINT)

log = logging.getLogger("jtui")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jtui",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run Jupyter in Docker from a terminal UI: launch Jupyter Docker Stacks,\n"
                    "follow their logs and manage the containers and images around them.",
        epilog="The engine is found like the docker CLI finds it: --host, --context, DOCKER_HOST,\n"
               "DOCKER_CONTEXT or the CLI's current context, else the local socket.\n\n"
               "`jtui launch [FOLDER]` launches the folder's saved .jtui/launch.toml without the UI\n"
               "(see `jtui launch --help`).\n\n"
               "Log file (attach it to a bug report; no token is ever written to it):\n"
               f"  {log_path()}\n")
    parser.add_argument("-H", "--host", help="engine URL: unix:///path, tcp://host:2376, ssh://user@host")
    parser.add_argument("-c", "--context", help="a docker context name (see `docker context ls`)")
    parser.add_argument("--config", help="settings file (default: the platform's config folder)")
    parser.add_argument("--debug", action="store_true", help="write more detail to the log file")
    parser.add_argument("-V", "--version", action="version", version=f"jtui {__version__}")
    return parser


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse bad flags here, with exit code 2 and one line, instead of inside the app (where a bad
    --host would be retried for ever and an empty one would silently mean the default socket)."""
    if args.host is not None:
        problem = engine_url_problem(args.host)
        if problem:
            parser.error(f"--host: {problem}")
    if args.context is not None and not args.context.strip():
        parser.error("--context: give a docker context name (see `docker context ls`)")
    if args.host is not None and args.context is not None:
        parser.error("--host and --context both name an engine: use one of them")
    if args.config is not None:
        if not args.config.strip():
            parser.error("--config: give the path of a settings file")
        if Path(args.config).is_dir():
            parser.error(f"--config: {args.config} is a folder; give the settings file itself "
                         f"(e.g. {Path(args.config) / 'config.toml'})")


def describe_endpoint(config: AppConfig, host_from_flag: bool, context_from_flag: bool,
                      environ: Mapping[str, str] = os.environ) -> str:
    """Where the engine will be looked for, in words, without importing docker-py (which
    `tui.engine` does: this runs before the app and must stay fast)."""
    if config.host:
        return f"{config.host} (from {'--host' if host_from_flag else 'the settings file'})"
    if config.context:
        origin = "--context" if context_from_flag else "the settings file"
        return f"docker context {config.context} (from {origin})"
    if environ.get("DOCKER_HOST"):
        return f"{environ['DOCKER_HOST']} (from DOCKER_HOST)"
    if environ.get("DOCKER_CONTEXT"):
        return f"docker context {environ['DOCKER_CONTEXT']} (from DOCKER_CONTEXT)"
    return "the docker CLI's current context, else unix:///var/run/docker.sock"


def main(argv: list[str] | None = None) -> int:
    """The `jtui` command (argv None: the process's own arguments), or a run for a caller in
    Python (a list), which gets the exit code back instead of the process ending."""
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["launch"]:
        # `jtui launch [FOLDER]`: the folder's saved launch without the terminal UI.
        from .launch_command import main as launch_main

        try:
            return launch_main(raw[1:])
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
    parser = build_parser()
    args = parser.parse_args(argv)
    check_args(parser, args)
    try:
        code = _run(args)
    except KeyboardInterrupt:  # Ctrl+C at any moment: the shell's usual code, no traceback
        code = EXIT_INTERRUPTED
    if argv is None:
        # The app has given the terminal back: end the process now. Python's own way out would
        # first join threads (a worker can sit in a connect to a host that drops SYNs, or on a
        # frozen engine, for its whole timeout) and tear every module down (0.1-0.2 s for
        # nothing): quitting must be instant, and a Ctrl+C meanwhile would print a traceback.
        from .ui.lifetime import exit_now

        exit_now(code)
    return code


def _run(args: argparse.Namespace) -> int:
    # Imported by docker-py and requests for what jtui never needs (0.1 s, 18 MB): not until used.
    # First of all: any import from tui.engine imports docker-py (the engine picker's memory
    # below did, and jtui held 75 MB instead of 57 MB).
    defer_unused_imports()
    from .config import load_config, state_dir
    from .engine.choices import EngineMemory, remembered_for_start

    config = load_config(Path(args.config) if args.config else None)
    # A flag beats the settings file, and the other way of naming an engine from the file with it
    # (resolve_endpoint would otherwise prefer a `host =` from the file over --context).
    if args.host is not None:
        config.host, config.context = args.host.strip(), None
    if args.context is not None:
        config.context, config.host = args.context.strip(), None
    remembered = None
    if config.host is None and config.context is None:
        # Nothing names an engine: the one picked in jtui last time (E), unless DOCKER_HOST or
        # DOCKER_CONTEXT say otherwise for this shell.
        remembered = remembered_for_start(EngineMemory(state_dir()))
        if remembered is not None:
            config.host, config.context = remembered.as_config()
    elif args.host is not None:
        EngineMemory(state_dir()).add_host(config.host or "")
    config.debug = config.debug or args.debug
    path = setup_logging(debug=config.debug)
    install_excepthook()
    log.info("jtui %s starting (Python %s, %s), engine endpoint: %s; log file %s%s", __version__,
             platform.python_version(), platform.platform(terse=True),
             (f"{remembered.label} (picked in jtui last time)" if remembered else
              describe_endpoint(config, args.host is not None, args.context is not None)), path,
             ", debug" if config.debug else "")
    found = config.source is not None and config.source.is_file()
    log.info("Settings: %s%s", config.source, "" if found else " (no such file: the defaults)")
    for problem in config.problems:
        log.warning("Settings: %s", problem)

    # The engine's first answers (connect, the lists) are waited for while the UI is imported and
    # built, not after: ~0.1 s of the start. The app takes over this watcher when it mounts.
    from . import heap
    from .engine import Engine
    from .engine.watcher import EarlyWatch

    heap.limit_arenas()  # before the first thread

    host, context = config.host, config.context
    early = EarlyWatch.start(lambda: Engine.connect(host, context))
    # No garbage collection while the UI's modules load: the ~90,000 objects they make all live
    # for good, and the passes that look at them cost 40-60 ms of the start (-X importtime with
    # and without). Frozen afterwards, no later pass looks at them again.
    gc.disable()
    try:
        from .app import create_app  # here, not at the top: textual takes time to import

        app = create_app(config, early=early)
    finally:
        gc.freeze()
        gc.enable()
    # A dying thread: a line on screen too (or, for the terminal's own output thread, an exit).
    install_excepthook(on_thread_error=app.thread_failed, expected=app.expected_thread_error)
    app.run()
    code = app.return_code or 0
    log.info("jtui exiting with code %s", code)
    return code


if __name__ == "__main__":
    sys.exit(main())
