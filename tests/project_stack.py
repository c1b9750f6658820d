"""A stack for project builds: the rig's stack plus what the quay.io stacks have and it lacks."""

from __future__ import annotations

import pytest

from tests.rig import STACK, TEST_LABEL

# What the quay.io stacks have and the rig's stack lacks: the fix-permissions script and
# CONDA_DIR, which the docker-stacks recipes use. The stacks' script, limited to the files the
# user owns: in the stacks everything in CONDA_DIR is jovyan's, in the rig's stack it is root's
# and group-writable already (a chown -R of it would copy the whole environment into a layer).
FIX_PERMISSIONS = """#!/bin/bash
set -e
for d in "$@"; do
    find "${d}" -user "$(id -u)" ! \\( -group "${NB_GID}" -a -perm -g+rwX \\) \\
        -exec chgrp "${NB_GID}" -- {} \\+ -exec chmod g+rwX -- {} \\+
    find "${d}" -user "$(id -u)" \\( -type d -a ! -perm -6000 \\) -exec chmod +6000 -- {} \\+
done
"""
PROJECT_STACK = "jtui-test/project-stack:latest"


@pytest.fixture(scope="session")
def project_stack(engine) -> str:
    dockerfile = (f"FROM {STACK}\nUSER root\nCOPY fix-permissions /usr/local/bin/fix-permissions\n"
                  "RUN chmod 0755 /usr/local/bin/fix-permissions\nENV CONDA_DIR=/opt/conda\n"
                  f"USER 1000\nLABEL {TEST_LABEL}=1\n")
    for _ in engine.build(dockerfile, PROJECT_STACK, files={"fix-permissions": FIX_PERMISSIONS.encode()}):
        pass
    return PROJECT_STACK


