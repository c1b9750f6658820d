"""The headless layers never import textual, and nothing outside tui.engine imports docker."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_engine_and_jupyter_do_not_import_textual():
    code = ("import sys, tui.engine, tui.jupyter, pkgutil, importlib\n"
            "for pkg in (tui.engine, tui.jupyter):\n"
            "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(len([m for m in sys.modules if m.startswith('tui.')]))\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 5  # the modules really were imported


def test_only_the_engine_layer_imports_docker():
    offenders = []
    for path in (ROOT / "tui").rglob("*.py"):
        if "engine" in path.relative_to(ROOT / "tui").parts:
            continue
        # The package docker (or a module of it), not a name that starts with "docker".
        if re.search(r"^\s*(import|from)\s+docker(\.|\s|$)", path.read_text(), re.MULTILINE):
            offenders.append(str(path))
    assert offenders == []
