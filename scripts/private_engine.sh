#!/usr/bin/env bash
# Run a command against a private, throw-away Docker engine in its own network namespace, so that
# engine tests of one developer (or helper) never touch the shared engine that another's full run
# uses (the test session removes every container labelled org.jtui.test when it starts).
#
#   scripts/private_engine.sh NAME -- .venv/bin/pytest tests/engine/test_x.py
#
# The command runs inside the namespace with DOCKER_HOST set: published ports on 127.0.0.1 are
# reachable from it, and the rig's registry is served again at 127.0.0.1:5000 inside. The rig's images are copied in
# (docker save | load) the first time; the engine's folder /tmp/jtui-private-NAME is kept between
# runs so later runs start in ~2 s. `scripts/private_engine.sh NAME --remove` deletes it.
set -euo pipefail
NAME=${1:?name}; shift
R=/tmp/jtui-private-$NAME
if [[ "${1:-}" == "--remove" ]]; then
    [[ -f $R/dockerd.pid ]] && kill "$(cat "$R/dockerd.pid")" 2>/dev/null || true
    sleep 2; umount -l "$R"/exec/*/* 2>/dev/null || true; rm -rf "$R"; exit 0
fi
[[ "${1:-}" == "--" ]] && shift
mkdir -p "$R"; echo '{}' > "$R/daemon.json"
NS_PID_FILE=$R/ns.pid
cat > "$R/inner.sh" <<EOF
set -e
ip link set lo up
dockerd --config-file $R/daemon.json --data-root $R/data --exec-root $R/exec --pidfile $R/dockerd.pid \
  -H unix://$R/docker.sock </dev/null >$R/dockerd.log 2>&1 &
for i in \$(seq 100); do docker -H unix://$R/docker.sock version >/dev/null 2>&1 && break; sleep 0.2; done
# The rig's registry, served from the same storage inside the namespace (the shared one at the
# host's 127.0.0.1:5000 is not reachable from here).
docker-registry serve /var/tmp/jtui-rig/registry.yml </dev/null >$R/registry.log 2>&1 & echo \$! > $R/registry.pid
EOF
# Images are loaded from the shared engine (outside the namespace) before the command runs.
cat >> "$R/inner.sh" <<'EOF'
touch "$READY"; while [[ ! -f "$GO" ]]; do sleep 0.1; done
set +e
DOCKER_HOST=unix://$SOCK "$@"; rc=$?
kill "$(cat "${PIDF%/*}/registry.pid")" 2>/dev/null; kill "$(cat "$PIDF")" 2>/dev/null; for i in $(seq 100); do kill -0 "$(cat "$PIDF" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
exit $rc
EOF
rm -f "$R/ready" "$R/go"
READY=$R/ready GO=$R/go SOCK=$R/docker.sock PIDF=$R/dockerd.pid unshare -n bash "$R/inner.sh" "$@" &
INNER=$!
for i in $(seq 300); do [[ -f $R/ready ]] && break; sleep 0.1; done
for image in jtui-test/busybox:latest jtui-test/minimal-notebook:latest; do
    # Again when the rig rebuilt it (tests/rig/setup.sh): a kept engine would test the old one.
    if [[ "$(docker -H "unix://$R/docker.sock" image inspect -f '{{.Id}}' "$image" 2>/dev/null)" != \
          "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
        docker save "$image" | docker -H "unix://$R/docker.sock" load -q
    fi
done
touch "$R/go"
wait $INNER
