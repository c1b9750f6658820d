"""Recent launches, remembered in the state folder so they can be relaunched. No tokens, ever:
a relaunch gets a new one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .launch import LaunchRequest

MAX_RECENT = 20


class RecentLaunches:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "recent-launches.json"

    def load(self) -> list[LaunchRequest]:
        """The remembered launches, newest first. A missing or damaged file gives none, a damaged
        entry is skipped: start a new history rather than fail."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return []
        requests = []
        for item in data if isinstance(data, list) else []:
            try:
                requests.append(LaunchRequest.from_json(item))
            except (TypeError, ValueError):
                continue
        return requests

    def remember(self, request: LaunchRequest) -> None:
        items = [r for r in self.load() if r.name != request.name]
        items.insert(0, request)
        data = [r.to_json() for r in items[:MAX_RECENT]]
        for item in data:
            item["environment"] = {k: v for k, v in item["environment"].items()
                                   if "TOKEN" not in k.upper() and "PASSWORD" not in k.upper()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".recent-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, self.path)
