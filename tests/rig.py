"""Names of what the test rig (tests/rig/setup.sh) provides, shared by all tests."""

import uuid

REGISTRY = "127.0.0.1:5000"
BUSYBOX = "jtui-test/busybox:latest"  # imported: no Env, no Labels
STACK = "jtui-test/minimal-notebook:latest"  # a real JupyterLab, like quay.io/jupyter images
LAYERS = "jtui-test/layers:latest"  # several layers of random bytes, for pull progress
TEST_LABEL = "org.jtui.test"  # every container a test creates carries it


def unique(prefix: str = "jtui-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def save_notebook(server, name: str) -> int:
    """PUT a new notebook through Jupyter's contents API, as Lab does on "save"; the HTTP status."""
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"{server.base}api/contents/{name}",
                                 data=json.dumps({"type": "notebook"}).encode(), method="PUT",
                                 headers={"Authorization": f"token {server.token}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def copy_images(images: list[str], host: str) -> None:
    """Copy images from the rig's engine to another engine (`host`: a docker -H URL), as
    `docker save | docker -H host load` (no registry needed)."""
    import subprocess

    for image in images:
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        subprocess.run(["docker", "-H", host, "load", "-q"], stdin=save.stdout, check=True,
                       capture_output=True)
        save.wait()
