"""Names of what the test rig (tests/rig/setup.sh) provides, shared by all tests."""

import uuid

REGISTRY = "127.0.0.1:5000"
BUSYBOX = "jtui-test/busybox:latest"  # imported: no Env, no Labels
STACK = "jtui-test/minimal-notebook:latest"  # a real JupyterLab, like quay.io/jupyter images
LAYERS = "jtui-test/layers:latest"  # several layers of random bytes, for pull progress
TEST_LABEL = "org.jtui.test"  # every container a test creates carries it


def unique(prefix: str = "jtui-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
