#!/usr/bin/env bash
# The test rig, idempotent: a Docker engine that answers, the Jupyter stack test image (built
# offline, reused while its recipe is unchanged), a small multi-layer image, and a local registry
# on 127.0.0.1:5000 holding both. On a fresh Debian machine as root it installs and starts what is
# missing; on a laptop where Docker already runs it only uses that engine.
set -euo pipefail

RIG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "$(id -u)" = 0 ]; then STATE="${JTUI_RIG_STATE:-/var/tmp/jtui-rig}"; else STATE="${JTUI_RIG_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/jtui-rig}"; fi
mkdir -p "$STATE"
REGISTRY=127.0.0.1:5000
BUSYBOX_IMAGE=jtui-test/busybox:latest
STACK_IMAGE=jtui-test/minimal-notebook:latest
LAYERS_IMAGE=jtui-test/layers:latest
T0=$(date +%s)

log() { printf '[rig %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root_debian() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; }

# --- packages the tests use -------------------------------------------------------------------
need_pkgs=()
have dockerd || need_pkgs+=(docker.io)
have tmux || need_pkgs+=(tmux)
have Xvfb || need_pkgs+=(xvfb)
have xclip || need_pkgs+=(xclip)
have ip || need_pkgs+=(iproute2)
have curl || need_pkgs+=(curl)
[ -f /usr/share/doc/busybox-static/copyright ] || need_pkgs+=(busybox-static)
have debootstrap || need_pkgs+=(debootstrap)
have docker-registry || need_pkgs+=(docker-registry)
have chromium || need_pkgs+=(chromium)
# sshd for the "remote" engine over SSH (tests/remote.py): a second dockerd in its own network
# namespace. Installing it starts no host sshd here (no init system runs it).
[ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
# Other engines for the launch tests (tests/podman.py, tests/rootless.py): Podman's Docker-compatible
# service, and rootless Docker (docker.io ships dockerd-rootless.sh; it needs these three).
have podman || need_pkgs+=(podman)
have newuidmap || need_pkgs+=(uidmap)
have slirp4netns || need_pkgs+=(slirp4netns)
have rootlesskit || need_pkgs+=(rootlesskit)
# Compose for the project menu's up/down tests: the plugin if present, else Debian's docker-compose.
{ have docker-compose || { have docker && docker compose version >/dev/null 2>&1; }; } || need_pkgs+=(docker-compose)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    if is_root_debian; then
        log "installing ${need_pkgs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >"$STATE/apt.log" 2>&1 \
            || { tail -20 "$STATE/apt.log"; exit 1; }
    else
        log "missing tools: ${need_pkgs[*]} (install them, or run this as root on Debian)"
        exit 1
    fi
fi

# --- the engine ---------------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
    log "engine answers: $(docker version --format '{{.Server.Version}}')"
elif is_root_debian && [ -z "${DOCKER_HOST:-}" ]; then
    log "starting dockerd"
    # A daemon killed with its session leaves pid files behind; dockerd refuses to start while
    # the pid in them belongs to any process (a zombie, or a reused pid). Nothing answers, so
    # whatever those files name is not a working daemon.
    for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
        if [ -f "$pidfile" ]; then
            pid=$(cat "$pidfile" 2>/dev/null || true)
            state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
            comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
            case "$comm:$state" in
                dockerd:[!Z]*|containerd:[!Z]*) ;;  # a live daemon, perhaps still starting
                *) rm -f "$pidfile" ;;
            esac
        fi
    done
    # No systemd on these machines: run the daemon ourselves, detached from this shell.
    setsid dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
    dockerd_pid=$!
    for _ in $(seq 1 120); do
        docker info >/dev/null 2>&1 && break
        kill -0 "$dockerd_pid" 2>/dev/null || break  # it gave up: show why below
        sleep 0.5
    done
    docker info >/dev/null 2>&1 || { tail -30 "$STATE/dockerd.log"; log "dockerd did not answer"; exit 1; }
    log "engine answers: $(docker version --format '{{.Server.Version}}')"
else
    log "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); start Docker and retry"
    exit 1
fi

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# --- busybox: the smallest image, made from the static busybox binary ---------------------------
if ! image_exists "$BUSYBOX_IMAGE"; then
    log "importing $BUSYBOX_IMAGE"
    bb="$STATE/busybox-root"; rm -rf "$bb"; mkdir -p "$bb/bin" "$bb/tmp"
    cp /bin/busybox "$bb/bin/busybox"
    for applet in $("$bb/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$bb/bin/$applet"; done
    # No --change for Env or Labels on purpose: containers of imported images report Config.Env
    # null, and the app must cope with that.
    tar -C "$bb" -c . | docker import --change 'CMD ["sleep","100000"]' - "$BUSYBOX_IMAGE" >/dev/null
fi

# --- the Jupyter stack test image ---------------------------------------------------------------
recipe_hash=$(sha256sum "$RIG_DIR/base.recipe" | cut -c1-12)
BASE_IMAGE="jtui-test/jupyter-base:$recipe_hash"
if ! image_exists "$BASE_IMAGE"; then
    # shellcheck disable=SC1091
    . "$RIG_DIR/base.recipe"
    mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
             | awk '{print $2}' | grep -v security | head -1 || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    root="$STATE/rootfs"; rm -rf "$root"
    log "debootstrap $SUITE from $mirror"
    debootstrap --variant=minbase --include="$DEB_PACKAGES" "$SUITE" "$root" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
        || { tail -20 "$STATE/debootstrap.log"; exit 1; }
    # Outgoing TLS may pass an inspecting proxy only the host trusts: give the chroot the host's CAs.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    log "pip install $PIP_PACKAGES"
    chroot "$root" python3 -m venv /opt/conda
    chroot "$root" env PIP_DISABLE_PIP_VERSION_CHECK=1 /opt/conda/bin/pip install -q $PIP_PACKAGES >"$STATE/pip.log" 2>&1 \
        || { tail -20 "$STATE/pip.log"; exit 1; }
    chroot "$root" useradd -m -u 1000 -g 100 -s /bin/bash jovyan
    # Like the stacks' fix-permissions: group users (gid 100) may write the env and jovyan's home,
    # so `--user $(id -u) --group-add users` works. Done here, not in the stack layer, so the
    # layer above stays a few KB instead of a copy of the whole env.
    chroot "$root" sh -c 'mkdir -p /home/jovyan/work && chown -R 1000:100 /home/jovyan && chgrp -R 100 /opt/conda && chmod -R g+rwX /home/jovyan /opt/conda'
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/root/.cache
    log "importing $BASE_IMAGE"
    tar -C "$root" -c . | docker import \
        --change 'ENV PATH=/opt/conda/bin:/usr/local/bin:/usr/bin:/bin' \
        --change "LABEL org.jtui.test-rig=base org.jtui.recipe=$recipe_hash" \
        - "$BASE_IMAGE" >/dev/null
    rm -rf "$root"
fi
log "building $STACK_IMAGE"
docker build -q --build-arg BASE="$BASE_IMAGE" -t "$STACK_IMAGE" "$RIG_DIR/stack" >"$STATE/build.log" 2>&1 \
    || { tail -20 "$STATE/build.log"; exit 1; }
log "building $LAYERS_IMAGE"
docker build -q --build-arg BASE="$BUSYBOX_IMAGE" -t "$LAYERS_IMAGE" "$RIG_DIR/layers" >"$STATE/build.log" 2>&1 \
    || { tail -20 "$STATE/build.log"; exit 1; }

# --- the local registry -------------------------------------------------------------------------
if ! curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; then
    log "starting the registry on $REGISTRY"
    mkdir -p "$STATE/registry"
    # Our own config: the packaged one wants htpasswd auth and listens on every interface.
    cat >"$STATE/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $STATE/registry}
  delete: {enabled: true}
http: {addr: $REGISTRY}
YML
    setsid docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 && break; sleep 0.25; done
    curl -fsS "http://$REGISTRY/v2/" >/dev/null || { tail -20 "$STATE/registry.log"; exit 1; }
fi
push() {
    docker tag "$1" "$REGISTRY/$2"
    docker push -q "$REGISTRY/$2" >"$STATE/push.log" 2>&1 || { tail -20 "$STATE/push.log"; exit 1; }
}
log "pushing to $REGISTRY"
push "$STACK_IMAGE" jupyter/minimal-notebook:latest
push "$STACK_IMAGE" jupyter/base-notebook:latest
push "$LAYERS_IMAGE" jtui-test/layers:latest
log "ready: $STACK_IMAGE, $LAYERS_IMAGE, $BUSYBOX_IMAGE, registry $REGISTRY"
