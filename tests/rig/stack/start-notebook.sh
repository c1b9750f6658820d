#!/bin/bash
# Older images' name for the command, kept by the stacks as a shim.
exec /usr/local/bin/start-notebook.py "$@"
