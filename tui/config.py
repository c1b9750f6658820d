"""User settings from a TOML file in the platform's config folder; a broken file never stops jtui."""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "jtui"


def config_path() -> Path:
    override = os.environ.get("JTUI_CONFIG")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def state_dir() -> Path:
    override = os.environ.get("JTUI_STATE_DIR")
    return Path(override) if override else Path(platformdirs.user_state_dir(APP_NAME))


@dataclass
class AppConfig:
    host: str | None = None  # an engine URL, like docker --host
    context: str | None = None  # a docker context name
    registry: str = "quay.io/jupyter"
    log_tail: int = 300  # lines fetched when the logs pane opens a container
    log_max_lines: int = 5000  # lines kept in the logs pane (memory bound)
    log_timestamps: bool = False
    log_wrap: bool = False
    show_all_containers: bool = True
    mask_tokens: bool = False  # show Jupyter tokens as abcd…: screens are shared on calls
    stop_grace_seconds: int = 30  # SIGTERM, then this long for kernels to shut down, then SIGKILL
    resync_seconds: float = 60.0  # safety-net full re-list; live updates come from events
    debug: bool = False  # log at DEBUG (also `--debug`)
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    problems: list[str] = field(default_factory=list)  # what was wrong with the file, for the user
    source: Path | None = None


_INT_FIELDS = {"log_tail": (0, 100_000), "log_max_lines": (100, 1_000_000),
               "stop_grace_seconds": (0, 3600)}
_BOOL_FIELDS = ("log_timestamps", "log_wrap", "show_all_containers", "debug", "mask_tokens")
_STR_FIELDS = ("registry", "host", "context")
RESYNC_RANGE = (30, 86_400)
MAX_CONFIG_BYTES = 1_000_000
ENGINE_URL_FORMS = ("unix:///path/to/docker.sock, tcp://HOST:PORT, ssh://[USER@]HOST[:PORT], "
                    "npipe:////./pipe/NAME, http(s)://HOST:PORT")


def engine_url_problem(url: str) -> str | None:
    """What is wrong with an engine URL (--host, `host =`), in the user's words; None if docker-py
    can connect with it. Checked up front: a bad URL would otherwise be retried for ever."""
    if not url.strip():
        return "the engine URL is empty"
    shown = re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)  # never echo a password
    problem = _engine_url_problem(url)
    return problem.replace(url, shown) if problem else None


def _engine_url_problem(url: str) -> str | None:
    if any(ch.isspace() for ch in url):
        return f"'{url}' contains spaces; use one of {ENGINE_URL_FORMS}"
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        return f"'{url}' is not an engine URL; use one of {ENGINE_URL_FORMS}"
    if scheme == "fd":
        return "fd:// is how the daemon receives its sockets from systemd; a client cannot connect " \
               "through it. Use unix:///var/run/docker.sock or tcp://HOST:PORT"
    if scheme in ("unix", "npipe"):
        if scheme == "npipe" and not rest.strip("/"):
            return f"'{url}' names no pipe, e.g. npipe:////./pipe/docker_engine"
        return None  # a bare unix:// is docker-py's default socket
    if scheme not in ("tcp", "http", "https", "ssh"):
        return f"unknown scheme '{scheme}://' in '{url}'; use one of {ENGINE_URL_FORMS}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"'{url}' has an invalid port (a number from 1 to 65535)"
    if not parts.hostname:
        return f"'{url}' names no host, e.g. {scheme}://HOST" + ("" if scheme == "ssh" else ":PORT")
    if parts.password is not None:
        return f"put no password in the engine URL ({scheme}://{parts.hostname}...): docker-py refuses it"
    if parts.query or parts.fragment:
        return f"'{url}' has a ?query or #fragment, which an engine URL cannot have"
    if scheme == "ssh":
        if parts.path:  # docker-py refuses even a lone "/"
            return f"'{url}': an ssh:// engine URL has no path (ssh://[USER@]HOST[:PORT])"
    elif not port:
        example = "2376" if scheme == "https" else "2375 (2376 with TLS)"
        return f"'{url}' needs a port, e.g. {scheme}://{parts.hostname}:{example}"
    return None


def load_config(path: Path | None = None) -> AppConfig:
    """Read the config file; every problem becomes a message in `problems` and a default value."""
    path = path or config_path()
    config = AppConfig(source=path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)  # bounded: --config /dev/zero must not eat memory
    except FileNotFoundError:
        return config
    except OSError as exc:
        config.problems.append(f"Could not read {path}: {exc.strerror or exc}. Using the defaults.")
        return config
    if len(raw) > MAX_CONFIG_BYTES:
        config.problems.append(f"{path} is larger than {MAX_CONFIG_BYTES // 1000} kB: not a settings "
                               "file? Using the defaults.")
        return config
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        config.problems.append(f"{path} is not a text file (not UTF-8 at byte {exc.start}). "
                               "Using the defaults.")
        return config
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        config.problems.append(f"{path} is not valid TOML ({exc}). Using the defaults; "
                               "fix or delete the file.")
        return config
    for key, value in data.items():
        if key in _INT_FIELDS:
            low, high = _INT_FIELDS[key]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                setattr(config, key, value)
            else:
                config.problems.append(f"{path}: {key} must be a whole number from {low} to {high}.")
        elif key in _BOOL_FIELDS:
            if isinstance(value, bool):
                setattr(config, key, value)
            else:
                config.problems.append(f"{path}: {key} must be true or false.")
        elif key in _STR_FIELDS:
            if not (isinstance(value, str) and value.strip()):
                config.problems.append(f"{path}: {key} must be a non-empty text.")
            elif key == "host" and (problem := engine_url_problem(value.strip())):
                config.problems.append(f"{path}: host: {problem}. Using the default engine.")
            else:
                setattr(config, key, value.strip())
        elif key == "resync_seconds":
            low, high = RESYNC_RANGE
            if (isinstance(value, (int, float)) and not isinstance(value, bool)
                    and math.isfinite(value) and low <= value <= high):
                config.resync_seconds = float(value)
            else:
                config.problems.append(f"{path}: resync_seconds must be a number of seconds from "
                                       f"{low} to {high}.")
        elif key == "keymap":
            _read_keymap(config, path, value)
        else:
            config.problems.append(f"{path}: unknown setting '{key}' (ignored).")
    if config.host and config.context:
        config.problems.append(f"{path}: host and context both name an engine; using host "
                               f"({config.host}) and ignoring context ({config.context}).")
        config.context = None
    return config


def _read_keymap(config: AppConfig, path: Path, value: object) -> None:
    """Keep every `binding id = "keys"` entry that is text; one problem for the rest. Whether the ids
    and keys exist is checked against the bindings by `tui.ui.keys.check_keymap`."""
    example = 'e.g. quit = "ctrl+q"'
    if not isinstance(value, dict):
        config.problems.append(f"{path}: [keymap] must be a table of binding ids and keys, {example}.")
        return
    bad = sorted(str(k) for k, v in value.items() if not isinstance(v, str))
    config.keymap = {str(k): v for k, v in value.items() if isinstance(v, str)}
    if bad:
        config.problems.append(f"{path}: [keymap] {', '.join(bad)}: the keys must be text in quotes, "
                               f"{example}. Keeping the default keys for them.")
