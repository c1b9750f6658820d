"""The log file: secrets never reach it, it stays bounded, and it never breaks jtui or the terminal."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import sys
import threading
import warnings
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui import logsetup
from tui.logsetup import (
    FILES,
    LOG_FILE,
    MAX_BYTES,
    REDACTED,
    forget_secrets,
    install_excepthook,
    log_path,
    redact,
    register_secret,
    setup_logging,
    teardown_logging,
    uninstall_excepthook,
)


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    folder = tmp_path / "logs"
    monkeypatch.setenv("JTUI_LOG_DIR", str(folder))
    yield folder
    uninstall_excepthook()
    teardown_logging()
    forget_secrets()


def read_logs(folder: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("jtui.log*")))


def test_tokens_never_reach_the_file(log_dir, capfd):
    made = secrets.token_hex(24)  # a token jtui generated and registered
    found = "Ab3" + secrets.token_urlsafe(20)  # one it found in a container's env, registered too
    in_url = secrets.token_hex(24)  # never registered: only its place in the URL gives it away
    in_env = secrets.token_hex(16)
    in_header = secrets.token_hex(16)
    register_secret(made)
    register_secret(found)
    assert setup_logging(debug=True) == log_dir / LOG_FILE
    log = logging.getLogger("jtui.test")
    log.info("launched with token %s", made)
    log.info("split over args: %s%s", made[:10], made[10:])  # only the formatted message has it whole
    log.debug("env: %r", [f"JUPYTER_TOKEN={in_env}", "HOME=/home/jovyan"])
    log.info("ready at http://127.0.0.1:8888/lab?token=%s&x=1", in_url)
    log.info("headers %s", {"Authorization": f"token {in_header}"})
    log.info("found %s", {"token": found, "port": 8888})
    logging.getLogger("urllib3.connectionpool").debug('"GET /api/status?token=%s HTTP/1.1" 200', in_url)
    try:
        raise RuntimeError(f"Jupyter refused {made} at /lab?token={in_url}")
    except RuntimeError:
        log.exception("launch failed for %s", found)
    log.info("with a stack", stack_info=True, extra={"unused": made})
    text = read_logs(log_dir)
    for secret in (made, found, in_url, in_env, in_header, made[:10] + made[10:]):
        assert secret not in text
    assert "launched with token ***" in text and "/lab?token=***&x=1" in text
    assert "JUPYTER_TOKEN=***" in text and "Authorization': 'token ***'" in text
    assert "RuntimeError: Jupyter refused ***" in text and "Traceback" in text
    assert "HOME=/home/jovyan" in text  # everything else is kept
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # Textual owns the terminal


@given(st.text(max_size=200), st.text(alphabet="0123456789abcdef", min_size=32, max_size=48))
def test_redact_removes_registered_secrets_from_any_text(around, token):
    register_secret(token)
    try:
        assert token not in redact(around + token + around)
    finally:
        forget_secrets()


def test_password_in_an_engine_url_is_redacted():
    assert redact("connecting to tcp://me:hunter2@box:2376") == f"connecting to tcp://me:{REDACTED}@box:2376"
    assert redact("ssh://me@box:22 and http://127.0.0.1:8888/lab") == \
        "ssh://me@box:22 and http://127.0.0.1:8888/lab"


def test_empty_secrets_are_ignored():
    register_secret("")
    register_secret("   ")
    register_secret(None)
    assert redact("nothing to hide") == "nothing to hide"


def test_the_file_is_rotated_and_bounded(log_dir):
    setup_logging()
    log = logging.getLogger("jtui.flood")
    line = "x" * 1000
    for i in range(5 * MAX_BYTES // 1000):  # five times one file's worth
        log.info("%d %s", i, line)
    log.info("the last record")
    files = sorted(log_dir.glob("jtui.log*"))
    assert 1 < len(files) <= FILES
    assert all(p.stat().st_size <= MAX_BYTES + 2000 for p in files)
    assert sum(p.stat().st_size for p in files) <= FILES * (MAX_BYTES + 2000)
    assert "the last record" in (log_dir / LOG_FILE).read_text()


def test_the_file_is_private(log_dir):
    setup_logging()
    logging.getLogger("jtui").info("hello")
    assert stat.S_IMODE((log_dir / LOG_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700


def test_an_unwritable_folder_means_no_log_not_a_crash(tmp_path, monkeypatch, capfd):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("JTUI_LOG_DIR", str(blocker / "logs"))  # a folder below a file: cannot exist
    try:
        path = setup_logging(debug=True)
        assert path == blocker / "logs" / LOG_FILE
        logging.getLogger("jtui").error("nowhere to go")
        warnings.warn("nor this", UserWarning, stacklevel=1)
        assert not (blocker / "logs").exists()
        assert isinstance(logsetup._handler, logging.NullHandler)
    finally:
        teardown_logging()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_a_log_file_that_cannot_be_opened(log_dir, capfd):
    (log_dir / LOG_FILE).mkdir(parents=True)  # a folder where the file should be
    assert setup_logging() == log_dir / LOG_FILE
    logging.getLogger("jtui").error("nowhere to go")
    assert capfd.readouterr().err == ""


def test_setup_twice_keeps_one_handler_and_teardown_restores(log_dir):
    root = logging.getLogger()
    level_before, handlers_before = root.level, list(root.handlers)
    setup_logging()
    assert root.level == logging.INFO
    setup_logging(debug=True)
    assert root.level == logging.DEBUG
    assert len(root.handlers) == len(handlers_before) + 1
    teardown_logging()
    assert root.level == level_before and root.handlers == handlers_before


def test_info_by_default_debug_on_request(log_dir):
    setup_logging()
    logging.getLogger("jtui").debug("quiet detail")
    logging.getLogger("jtui").info("normal news")
    text = read_logs(log_dir)
    assert "normal news" in text and "quiet detail" not in text


def test_a_bad_format_string_keeps_the_record_and_stays_quiet(log_dir, capfd):
    setup_logging()
    lib = logging.getLogger("somelib")
    assert logsetup._handler is not None
    # Only our handler: pytest's own capture handler on the root logger would raise on the record.
    lib.propagate = False
    lib.addHandler(logsetup._handler)
    try:
        lib.info("%d items", "not a number")
    finally:
        lib.removeHandler(logsetup._handler)
        lib.propagate = True
    assert "'%d items' % ('not a number',)" in read_logs(log_dir)
    assert capfd.readouterr().err == ""


def test_python_warnings_go_to_the_file(log_dir, capfd):
    setup_logging()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        logging.captureWarnings(True)  # catch_warnings restored showwarning: capture again inside it
        warnings.warn("a library grumbles", DeprecationWarning, stacklevel=1)
    assert "a library grumbles" in read_logs(log_dir)
    assert capfd.readouterr().err == ""


def test_log_path_defaults_to_the_platform_folder(monkeypatch):
    monkeypatch.delenv("JTUI_LOG_DIR", raising=False)
    assert log_path() == Path(platformdirs.user_log_dir("jtui")) / LOG_FILE


def test_uncaught_exceptions_in_threads_are_logged(log_dir, capfd):
    token = secrets.token_hex(24)
    register_secret(token)
    setup_logging()
    seen: list[BaseException] = []
    install_excepthook(on_thread_error=seen.append)

    def boom() -> None:
        raise ValueError(f"worker died holding {token}")

    thread = threading.Thread(target=boom, name="worker-7")
    thread.start()
    thread.join()
    text = read_logs(log_dir)
    assert "Uncaught exception in thread worker-7" in text and "ValueError: worker died holding ***" in text
    assert token not in text
    assert len(seen) == 1 and isinstance(seen[0], ValueError)
    assert capfd.readouterr().err == ""  # not printed over the screen


def test_uncaught_exceptions_in_the_main_thread_are_logged_then_passed_on(log_dir, monkeypatch):
    passed_on: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, v, tb: passed_on.append(t))
    setup_logging()
    install_excepthook()
    install_excepthook()  # twice: still one layer
    try:
        raise KeyError("lost")
    except KeyError:
        sys.excepthook(*sys.exc_info())  # type: ignore[misc]
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())  # type: ignore[misc]
    text = read_logs(log_dir)
    assert "Uncaught exception" in text and "KeyError: 'lost'" in text
    assert "KeyboardInterrupt" not in text  # Ctrl+C is no crash
    assert passed_on == [KeyError, KeyboardInterrupt]
    uninstall_excepthook()
    assert sys.excepthook is not None and sys.excepthook.__name__ == "<lambda>"


def test_records_from_any_thread_land_in_order(log_dir):
    setup_logging()

    def worker(n: int) -> None:
        for i in range(200):
            logging.getLogger("jtui.worker").info("w%d-%d", n, i)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = [line for line in read_logs(log_dir).splitlines() if "jtui.worker" in line]
    assert len(lines) == 800
    assert os.path.getsize(log_dir / LOG_FILE) < MAX_BYTES


def test_an_expected_thread_failure_is_one_line_not_a_crash(log_dir, capfd):
    setup_logging()
    seen: list[BaseException] = []

    def expected(exc: BaseException, thread: str) -> str | None:
        return "the terminal is gone" if isinstance(exc, OSError) and thread == "output" else None

    install_excepthook(on_thread_error=seen.append, expected=expected)
    for name, error in (("output", OSError(5, "Input/output error")), ("other", ValueError("a bug"))):
        def fail(error: Exception = error) -> None:
            raise error

        thread = threading.Thread(target=fail, name=name)
        thread.start()
        thread.join()
    text = read_logs(log_dir)
    assert "Thread output ended: the terminal is gone (OSError: [Errno 5] Input/output error)" in text
    assert "Uncaught exception in thread output" not in text
    assert "Uncaught exception in thread other" in text and "ValueError: a bug" in text
    assert [type(e) for e in seen] == [ValueError]  # only the bug goes on to the screen
    assert capfd.readouterr().err == ""
