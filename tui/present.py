"""The one error presenter: any exception a job or a worker raised, as words for the user.

Plain Python (no textual), so the same text reaches a notification, a job window, a form's status
line and the CLI. Unexpected exceptions point at the log file, where their traceback is.
"""

from __future__ import annotations

from .engine import Cancelled, EngineError
from .engine.jobs import Failed
from .jupyter.launcher import LaunchFailed
from .logsetup import log_path

LAST_LINES = 8  # of a failed launch's log, shown under the reason


def describe_failure(exc: BaseException) -> Failed:
    if isinstance(exc, Cancelled):
        return Failed("Cancelled.", "", exc)
    if isinstance(exc, LaunchFailed):
        tail = "\n".join(f"  {line}" for line in exc.last_lines[-LAST_LINES:])
        return Failed(exc.message, f"Last log lines:\n{tail}" if tail else "", exc)
    if isinstance(exc, EngineError):
        return Failed(exc.message, exc.hint, exc)
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc) or type(exc).__name__
        where = f": {exc.filename}" if exc.filename else ""
        return Failed(f"{what}{where}", "", exc)
    return Failed(f"Unexpected error: {type(exc).__name__}: {exc}",
                  f"This is a bug in jtui; the details are in {log_path()}.", exc)
