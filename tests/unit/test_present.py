"""Failures in the user's words: a failed launch shows the log lines that say why."""

from tui.jupyter.launcher import LaunchFailed
from tui.present import LAST_LINES, describe_failure, telling_lines

ROOT_REFUSED = "[C 2026-11-27 23:01:02.003 ServerApp] Running as root is not recommended. Use --allow-root to bypass."


def test_the_reason_survives_the_shutdown_lines_after_it():
    # Seen (tryout): "Jupyter exited with code 1" with only shutdown lines under it; the reason
    # was logged before them.
    lines = ["[I 01] starting", ROOT_REFUSED] + [f"[I {i:02}] shutting down part {i}" for i in range(12)]
    shown = telling_lines(lines)
    assert ROOT_REFUSED in shown and len(shown) == LAST_LINES
    assert shown[-1] == lines[-1]  # still ends where the log ends
    failed = describe_failure(LaunchFailed("Jupyter exited with code 1 before it answered.", exit_code=1,
                                           last_lines=lines))
    assert "--allow-root" in failed.hint


def test_plain_tails_are_the_last_lines_in_order():
    lines = [f"line {i}" for i in range(20)]
    assert telling_lines(lines) == lines[-LAST_LINES:]
    assert telling_lines(["a", "a", "b"]) == ["a", "a", "b"]  # repeated lines are kept
    assert telling_lines([]) == []
    many_errors = [f"Error {i}" for i in range(20)]
    assert telling_lines(many_errors) == many_errors[-LAST_LINES:]
