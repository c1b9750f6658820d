#!/bin/bash
# A small stand-in for docker-stacks' start.sh + start-notebook.py, honouring the same variables:
# DOCKER_STACKS_JUPYTER_CMD (lab|notebook|server), NOTEBOOK_ARGS, JUPYTER_PORT, JUPYTER_TOKEN
# (read by jupyter_server itself), and, when started as root, NB_UID/NB_GID (then drop to them).
set -e
cmd="${DOCKER_STACKS_JUPYTER_CMD:-lab}"
# shellcheck disable=SC2206
args=(jupyter "$cmd" --ServerApp.ip=0.0.0.0 --ServerApp.open_browser=False --ServerApp.port="${JUPYTER_PORT:-8888}" ${NOTEBOOK_ARGS:-} "$@")
if [ "$(id -u)" = 0 ]; then
    uid="${NB_UID:-1000}"; gid="${NB_GID:-100}"
    if [ "$uid" != 0 ]; then
        if [ "$uid" != "$(id -u jovyan)" ]; then usermod -o -u "$uid" jovyan; fi
        if ! getent group "$gid" >/dev/null; then groupadd -g "$gid" "jtui$gid"; fi
        usermod -g "$gid" -a -G users jovyan
        chown "$uid:$gid" /home/jovyan
        echo "Running as jovyan with uid $uid gid $gid" >&2
        exec setpriv --reuid="$uid" --regid="$gid" --init-groups env HOME=/home/jovyan "${args[@]}"
    fi
fi
exec "${args[@]}"
