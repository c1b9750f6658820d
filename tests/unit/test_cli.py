"""The command line: --version and --help work without an engine or a terminal."""

import shutil
import subprocess
import sys
from pathlib import Path

from tui import __version__


def test_python_m_tui_version_and_help():
    out = subprocess.run([sys.executable, "-m", "tui", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"jtui {__version__}"
    out = subprocess.run([sys.executable, "-m", "tui", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for flag in ("--host", "--context", "--config", "--version"):
        assert flag in out.stdout


def test_jtui_script_is_installed():
    beside = Path(sys.executable).parent / "jtui"  # the venv's scripts folder
    script = str(beside) if beside.exists() else shutil.which("jtui")
    assert script is not None, "pip install -e . installs the jtui command"
    out = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == f"jtui {__version__}"


def test_bad_option_is_a_usage_message_not_a_traceback():
    out = subprocess.run([sys.executable, "-m", "tui", "--no-such-flag"], capture_output=True, text=True)
    assert out.returncode == 2 and "usage: jtui" in out.stderr and "Traceback" not in out.stderr
