"""The one error presenter: any exception a job or a worker raised, as words for the user.

Plain Python (no textual), so the same text reaches a notification, a job window, a form's status
line and the CLI. Unexpected exceptions point at the log file, where their traceback is.
"""

from __future__ import annotations

import re

from .engine import Cancelled, EngineError
from .engine.jobs import Failed
from .jupyter.launcher import LaunchFailed
from .logsetup import log_path

LAST_LINES = 8  # of a failed launch's log, shown under the reason


_PROBLEM = re.compile(r"^\[[CEF] |Error|Exception|Traceback|refus|denied|not found", re.IGNORECASE)


def telling_lines(lines: list[str], limit: int = LAST_LINES) -> list[str]:
    """The last `limit` log lines, but the lines that say what went wrong first: Jupyter logs its
    fatal reason ("[C] ... Running as root is not recommended. Use --allow-root") and then
    several lines of shutting down, which would push the reason out of a short tail."""
    problems = [i for i, line in enumerate(lines) if _PROBLEM.search(line)][-limit:]
    others = [i for i in range(len(lines)) if i not in set(problems)]
    room = limit - len(problems)
    keep = set(problems) | set(others[len(others) - room:] if room > 0 else [])
    return [lines[i] for i in sorted(keep)]


def describe_failure(exc: BaseException) -> Failed:
    if isinstance(exc, Cancelled):
        return Failed("Cancelled.", "", exc)
    if isinstance(exc, LaunchFailed):
        tail = "\n".join(f"  {line}" for line in telling_lines(exc.last_lines))
        return Failed(exc.message, f"Last log lines:\n{tail}" if tail else "", exc)
    if isinstance(exc, EngineError):
        return Failed(exc.message, exc.hint, exc)
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc) or type(exc).__name__
        where = f": {exc.filename}" if exc.filename else ""
        return Failed(f"{what}{where}", "", exc)
    return Failed(f"Unexpected error: {type(exc).__name__}: {exc}",
                  f"This is a bug in jtui; the details are in {log_path()}.", exc)
