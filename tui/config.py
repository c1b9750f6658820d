"""User settings from a TOML file in the platform's config folder; a broken file never stops jtui."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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
    stop_grace_seconds: int = 30  # SIGTERM, then this long for kernels to shut down, then SIGKILL
    resync_seconds: float = 60.0  # safety-net full re-list; live updates come from events
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    problems: list[str] = field(default_factory=list)  # what was wrong with the file, for the user
    source: Path | None = None


_INT_FIELDS = {"log_tail": (0, 100_000), "log_max_lines": (100, 1_000_000),
               "stop_grace_seconds": (0, 3600)}
_BOOL_FIELDS = ("log_timestamps", "log_wrap", "show_all_containers")
_STR_FIELDS = ("registry", "host", "context")


def load_config(path: Path | None = None) -> AppConfig:
    """Read the config file; every problem becomes a message in `problems` and a default value."""
    path = path or config_path()
    config = AppConfig(source=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as exc:
        config.problems.append(f"Could not read {path}: {exc}. Using the defaults.")
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
            if isinstance(value, str) and value.strip():
                setattr(config, key, value.strip())
            else:
                config.problems.append(f"{path}: {key} must be a non-empty text.")
        elif key == "resync_seconds":
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 30:
                config.resync_seconds = float(value)
            else:
                config.problems.append(f"{path}: resync_seconds must be a number of at least 30.")
        elif key == "keymap":
            if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                config.keymap = dict(value)
            else:
                config.problems.append(f"{path}: [keymap] maps binding ids to keys, e.g. quit = \"ctrl+q\".")
        else:
            config.problems.append(f"{path}: unknown setting '{key}' (ignored).")
    return config
