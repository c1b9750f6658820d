#!/usr/bin/env python
"""The rig's stand-in for docker-stacks' start-notebook.py (the image's CMD): `jupyter <cmd>` with
DOCKER_STACKS_JUPYTER_CMD (lab by default) and NOTEBOOK_ARGS split as a shell would, then the
arguments given. The ENTRYPOINT's start.sh has already run, as upstream's does first."""
import os
import shlex
import sys

command = ["jupyter", os.environ.get("DOCKER_STACKS_JUPYTER_CMD", "lab")]
command += shlex.split(os.environ.get("NOTEBOOK_ARGS", ""))
command += sys.argv[1:]
print("Executing: " + " ".join(command), flush=True)
os.execvp(command[0], command)
