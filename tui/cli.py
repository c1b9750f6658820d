"""The `jtui` command: parse arguments, build the app with the shared factory, run it."""

from __future__ import annotations

import argparse
import sys

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jtui",
        description="Run Jupyter in Docker from a terminal UI: launch Jupyter Docker Stacks, "
                    "follow their logs and manage the containers and images around them.",
        epilog="The engine is found like the docker CLI finds it: --host, --context, DOCKER_HOST, "
               "DOCKER_CONTEXT or the CLI's current context, else the local socket.")
    parser.add_argument("-H", "--host", help="engine URL: unix:///path, tcp://host:2376, ssh://user@host")
    parser.add_argument("-c", "--context", help="a docker context name (see `docker context ls`)")
    parser.add_argument("--config", help="settings file (default: the platform's config folder)")
    parser.add_argument("-V", "--version", action="version", version=f"jtui {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pathlib import Path

    from .app import create_app
    from .config import load_config

    config = load_config(Path(args.config) if args.config else None)
    if args.host:
        config.host = args.host
    if args.context:
        config.context = args.context
    app = create_app(config)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
