"""The engine boundary: docker-py only in tui/engine, its private API only in tui/engine/streams.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "tui"
STREAMS = TUI / "engine" / "streams.py"
PRIVATE = re.compile(r"^_[a-z]")
# Names that hold a docker-py APIClient / DockerClient: `api`, `client`, `stream_client`,
# `self.api`, `engine.client`, `client.api`, the `docker` module...
RECEIVER = re.compile(r"(^|_)(api|client|docker)$")
# Calls that return one.
FACTORIES = re.compile(r"^(_stream_client|_make_client|DockerClient|APIClient|from_env)$")


def _is_docker_object(node: ast.expr, bound: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in bound or bool(RECEIVER.search(node.id))
    if isinstance(node, ast.Attribute):
        return bool(RECEIVER.search(node.attr))
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return bool(FACTORIES.match(name))
    return False


def private_docker_accesses(source: str) -> list[str]:
    """`x._name` where x is a docker-py API or client object (by name, or bound from one)."""
    tree = ast.parse(source)
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _is_docker_object(node.value, bound):
                bound.update(t.id for t in targets if isinstance(t, ast.Name))
    return [f"{node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and PRIVATE.match(node.attr)
            and _is_docker_object(node.value, bound)]


def test_the_detector_sees_private_use_and_ignores_our_own_privates():
    bad = """
def events(self):
    client = self._stream_client()
    api = client.api
    response = api._get(api._url("/events"), stream=True)
    other = self._make_client(self.endpoint, 5)
    other.api._raise_for_status(response)
    self.api._post_json("/x", data={})
    h = docker.APIClient()
    h._result(response)
    docker._private
"""
    found = sorted(f.split(": ", 1)[1] for f in private_docker_accesses(bad))
    assert found == ["api._get", "api._url",
                     "docker._private", "h._result", "other.api._raise_for_status",
                     "self.api._post_json"]
    fine = """
def run(self):
    with self._lock:
        self._stream = None
    self._listener.connected(self.engine)
    splitter._buffers.clear()
    engine.api.containers(all=True)
"""
    assert private_docker_accesses(fine) == []


def test_private_docker_api_only_in_streams():
    offenders = {}
    for path in sorted(TUI.rglob("*.py")):
        if path == STREAMS:
            continue
        found = private_docker_accesses(path.read_text())
        if found:
            offenders[str(path.relative_to(TUI.parent))] = found
    assert offenders == {}, f"docker-py private API outside tui/engine/streams.py: {offenders}"
    # streams.py is where they live: the detector must see them there.
    assert {"api._get", "api._url", "api._raise_for_status"} <= {
        f.split(": ", 1)[1].split("(")[0] for f in private_docker_accesses(STREAMS.read_text())}


def test_docker_py_only_imported_in_tui_engine():
    offenders = []
    for path in sorted(TUI.rglob("*.py")):
        if (TUI / "engine") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{path.relative_to(TUI.parent)}: {n}" for n in names
                          if n.split(".")[0] in ("docker", "requests", "urllib3", "paramiko")]
    assert offenders == []
