"""A package index of the test's own wheels, reachable from containers and from image builds.

The machines reach PyPI, but a test must not depend on it, and "pip install X" inside a container
must install exactly what the test made. `local_index` serves a PEP 503 "simple" index over HTTP on
all interfaces of this machine; containers and `docker build` steps on the default bridge reach it
at the bridge's gateway address (`LocalIndex.url`). Wheels are made here, without any build tool: a
wheel is a zip with a dist-info folder (PEP 427).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import ipaddress
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def make_wheel(folder: Path, name: str, version: str, source: str = "") -> Path:
    """A pure-Python wheel for `name` whose module `name` (with "-" as "_") holds `source` and
    `__version__`. Returns its path in `folder`."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n{source}".encode(),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: jtui-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
        zf.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


@dataclass
class LocalIndex:
    root: Path
    host: str  # the address containers and builds reach this machine at (the bridge's gateway)
    port: int
    wheels: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        """For `pip install --index-url URL --trusted-host HOST` or PIP_INDEX_URL/PIP_TRUSTED_HOST."""
        return f"http://{self.host}:{self.port}/simple/"

    @property
    def pip_env(self) -> dict[str, str]:
        return {"PIP_INDEX_URL": self.url, "PIP_TRUSTED_HOST": self.host}

    def add(self, name: str, version: str, source: str = "") -> Path:
        """Make a wheel and publish it in the index."""
        wheel = make_wheel(self.root / "files", name, version, source)
        self.wheels.append(wheel)
        self._write_pages()
        return wheel

    def _write_pages(self) -> None:
        simple = self.root / "simple"
        by_project: dict[str, list[Path]] = {}
        for wheel in self.wheels:
            by_project.setdefault(_normalize(wheel.name.split("-")[0]), []).append(wheel)
        simple.mkdir(parents=True, exist_ok=True)
        links = "".join(f'<a href="{p}/">{p}</a>\n' for p in sorted(by_project))
        (simple / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
        for project, wheels in by_project.items():
            (simple / project).mkdir(exist_ok=True)
            anchors = "".join(
                f'<a href="../../files/{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">'
                f"{w.name}</a>\n" for w in wheels)
            (simple / project / "index.html").write_text(f"<html><body>\n{anchors}</body></html>\n")


def bridge_gateway(engine) -> str:
    """Where a container on the default bridge reaches this machine."""
    config = engine.api.inspect_network("bridge")["IPAM"]["Config"][0]
    # Some engines leave Gateway out: the bridge then takes the subnet's first address.
    return config.get("Gateway") or str(next(ipaddress.ip_network(config["Subnet"]).hosts()))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_index(engine, tmp_path_factory) -> Iterator[LocalIndex]:
    root = tmp_path_factory.mktemp("index")
    handler = lambda *a, **kw: _Quiet(*a, directory=str(root), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    index = LocalIndex(root=root, host=bridge_gateway(engine), port=server.server_address[1])
    index._write_pages()
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()
