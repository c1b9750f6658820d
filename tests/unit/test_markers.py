"""`-m "not engine"` must leave out every test that needs the rig, and only those."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_marker_is_applied_from_folders_and_fixtures():
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-m", "engine", "tests"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    rig = {line.strip() for line in done.stdout.splitlines() if "::" in line}
    files = {t.split("::")[0] for t in rig}
    # Every test module of the rig's folders, whatever its fixtures...
    for folder in ("engine", "terminal"):
        modules = {str(p.relative_to(ROOT)) for p in (ROOT / "tests" / folder).glob("test_*.py")}
        assert modules and modules <= files, modules - files
    # ...tests elsewhere through the `engine` fixture (directly or via other fixtures)...
    assert any(t.startswith("tests/app/test_launch.py::") for t in rig)
    # ...and no pure test.
    assert not [t for t in rig if t.startswith(("tests/unit/test_launch.py", "tests/unit/test_servers.py"))]
