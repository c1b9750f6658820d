"""jtui's own log file: configured once, rotated, bounded, and never holding a token.

Textual owns the terminal, so nothing here ever writes to stdout or stderr: records go to one
rotating file in the platform's log folder (or `$JTUI_LOG_DIR`), and if that file cannot be made
they go nowhere rather than onto the screen. Plain Python: no textual.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable
from io import TextIOWrapper
from pathlib import Path
from types import TracebackType

import platformdirs

APP_NAME = "jtui"
LOG_FILE = "jtui.log"
MAX_BYTES = 1_000_000  # per file
FILES = 3  # jtui.log plus two older ones: the log never takes more than about 3 MB
REDACTED = "***"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_handler: logging.Handler | None = None
_level_before: int | None = None  # the root logger's level before setup_logging, for teardown
_setup_lock = threading.Lock()

# Each pattern keeps group 1 (the label) and replaces group 2 (the secret). Case-insensitive,
# because env files, URLs and headers spell them every way.
_PATTERNS = [
    # Authorization: token abc / "Authorization": "Bearer abc" / {'authorization': 'Basic abc'}
    re.compile(r"""(authorization['"]?\s*[:=]\s*['"]?(?:token\s+|bearer\s+|basic\s+)?)([^\s'",;}]+)""",
               re.IGNORECASE),
    # ?token=abc, &token=abc, JUPYTER_TOKEN=abc, --IdentityProvider.token=abc, "token": "abc"
    re.compile(r"""(token['"]?\s*[:=]\s*['"]?)([^\s&#'",;}]+)""", re.IGNORECASE),
    # passwords in URLs: tcp://user:secret@host
    re.compile(r"(://[^/\s:@]*:)([^/\s@]+)(?=@)"),
]


def register_secret(secret: str | None) -> None:
    """Never let `secret` reach the log (jtui registers every Jupyter token it makes or finds)."""
    if secret and secret.strip():
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """`text` with every registered secret and every token-looking value replaced by ***."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leftovers
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message, exception and stack text itself, redacts them, and leaves the
    record holding only the redacted text, so no handler or formatter after it sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in some library must not lose the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _QuietRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler that keeps its files private and never reports its own failures
    on stderr (a full disk must not scribble over Textual's screen)."""

    def _open(self) -> TextIOWrapper:
        stream = super()._open()
        try:
            os.chmod(self.baseFilename, 0o600)
        except OSError:
            pass  # best effort: some file systems have no modes
        return stream

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def log_dir() -> Path:
    override = os.environ.get("JTUI_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME))


def log_path() -> Path:
    """Where jtui writes its log (whether or not it could create it)."""
    return log_dir() / LOG_FILE


def setup_logging(debug: bool = False) -> Path:
    """Send every logger's records (jtui's and its libraries') to the rotating log file, at INFO,
    or DEBUG with `debug`. Calling it again replaces the handler, never adds a second one. Returns
    the log file's path; if the folder or file cannot be made, records are dropped instead."""
    global _handler, _level_before
    path = log_path()
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = _QuietRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=FILES - 1,
                                            encoding="utf-8")
    except (OSError, ValueError):
        handler = logging.NullHandler()  # still a handler: logging's last resort would print to stderr
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    with _setup_lock:
        if _handler is not None:
            root.removeHandler(_handler)
            _handler.close()
        else:
            _level_before = root.level
        _handler = handler
        root.addHandler(handler)
        root.setLevel(logging.DEBUG if debug else logging.INFO)
    logging.captureWarnings(True)  # warnings.warn would print on the terminal Textual draws on
    return path


def teardown_logging() -> None:
    """Undo `setup_logging` (for tests, and for embedding jtui in a larger program)."""
    global _handler, _level_before
    with _setup_lock:
        if _handler is not None:
            logging.getLogger().removeHandler(_handler)
            _handler.close()
            _handler = None
        if _level_before is not None:
            logging.getLogger().setLevel(_level_before)
            _level_before = None
    logging.captureWarnings(False)


def forget_secrets() -> None:
    """Forget every registered secret (for tests)."""
    with _secrets_lock:
        _secrets.clear()


_original_excepthook: Callable[..., object] | None = None
_original_threading_excepthook: Callable[..., object] | None = None


def install_excepthook(on_thread_error: Callable[[BaseException], None] | None = None, *,
                       expected: Callable[[BaseException, str], str | None] | None = None) -> None:
    """Log every uncaught exception with its traceback: the main thread's (then Python's usual
    report still follows, after Textual has given the terminal back) and any other thread's (only
    logged: printing from a thread would scribble over the screen Textual draws). `on_thread_error`
    is then called on the failing thread, e.g. to show a one-line pointer to the log.

    `expected(exc, thread_name)` may recognise a failure that is not a bug (e.g. the terminal's
    output thread failing because the terminal went away): it returns the one line to log
    instead of the traceback, and `on_thread_error` is not called."""
    global _original_excepthook, _original_threading_excepthook
    log = logging.getLogger("jtui.crash")
    previous = _original_excepthook or sys.excepthook

    def excepthook(exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        if not issubclass(exc_type, KeyboardInterrupt):
            log.critical("Uncaught exception", exc_info=(exc_type, exc, tb))
        previous(exc_type, exc, tb)

    def threading_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return  # what threading's own hook does too
        name = args.thread.name if args.thread is not None else "?"
        exc = args.exc_value if args.exc_value is not None else args.exc_type()
        if expected is not None:
            try:
                explained = expected(exc, name)
            except Exception:
                log.error("The expected-error callback failed:\n%s", traceback.format_exc())
                explained = None
            if explained:
                log.warning("Thread %s ended: %s (%s: %s)", name, explained, args.exc_type.__name__, exc)
                return
        log.critical("Uncaught exception in thread %s", name,
                     exc_info=(args.exc_type, exc, args.exc_traceback))
        if on_thread_error is not None:
            try:
                on_thread_error(exc)
            except Exception:
                log.error("The thread-error callback failed:\n%s", traceback.format_exc())

    if _original_excepthook is None:
        _original_excepthook = sys.excepthook
        _original_threading_excepthook = threading.excepthook
    sys.excepthook = excepthook
    threading.excepthook = threading_excepthook


def uninstall_excepthook() -> None:
    global _original_excepthook, _original_threading_excepthook
    if _original_excepthook is not None:
        sys.excepthook = _original_excepthook
    if _original_threading_excepthook is not None:
        threading.excepthook = _original_threading_excepthook
    _original_excepthook = _original_threading_excepthook = None
