#!/bin/bash
# The rig's stand-in for docker-stacks' images/docker-stacks-foundation/start.sh (the image's
# ENTRYPOINT after tini), written from its documented behaviour, for everything jtui relies on:
#  - started as root: rename jovyan to NB_USER (NB_USER=root keeps root's own entry), give NB_USER
#    the uid/gid NB_UID/NB_GID (recreating the user, group NB_GROUP), copy the home to
#    /home/NB_USER, CHOWN_HOME(_OPTS), CHOWN_EXTRA(_OPTS), then run the command as NB_USER the way
#    `sudo --preserve-env --set-home --user NB_USER` does (the environment kept, HOME from the
#    passwd entry, the user's groups). The rig has no sudo: setpriv does the same switch.
#  - started as any other user: the passwd fix for a uid with no entry (needs /etc/passwd group
#    writable, as the stacks make it, and gid 0), and a WARNING for each NB_* that only root honours.
# Left out (nothing in jtui uses them): start-notebook.d/before-notebook.d hooks, GRANT_SUDO (no
# sudo here: it says so), JUPYTER_ENV_VARS_TO_UNSET.
set -e
say() { echo "$@"; }
cmd=("$@")
[ ${#cmd[@]} -gt 0 ] || cmd=(bash)
NB_USER=${NB_USER:-jovyan}

if [ "$(id -u)" = 0 ]; then
    NB_UID=${NB_UID:-1000}; NB_GID=${NB_GID:-100}
    if id jovyan >/dev/null 2>&1 && [ "$NB_USER" != jovyan ]; then
        # Like upstream, a rename onto an existing user (NB_USER=root) fails and is let be.
        usermod --home "/home/$NB_USER" --login "$NB_USER" jovyan 2>/dev/null \
            && say "Renamed jovyan to $NB_USER (home /home/$NB_USER)" || true
    elif ! id "$NB_USER" >/dev/null 2>&1; then
        say "ERROR: neither jovyan nor '$NB_USER' exists"; exit 1
    fi
    if [ "$NB_UID" != "$(id -u "$NB_USER")" ] || [ "$NB_GID" != "$(id -g "$NB_USER")" ]; then
        say "Update $NB_USER's UID:GID to $NB_UID:$NB_GID"
        if [ "$NB_GID" != "$(id -g "$NB_USER")" ]; then
            groupadd --force --gid "$NB_GID" --non-unique "${NB_GROUP:-$NB_USER}"
        fi
        # No --non-unique, as upstream: NB_UID=0 without NB_USER=root fails here ("UID 0 is not
        # unique") and the container exits; jtui's root recipe sets NB_USER=root for that reason.
        userdel "$NB_USER"
        useradd --no-log-init --home "/home/$NB_USER" --shell /bin/bash --uid "$NB_UID" \
            --gid "$NB_GID" --groups 100 "$NB_USER"
    fi
    if [ "$NB_USER" != jovyan ]; then
        if [ ! -e "/home/$NB_USER" ]; then
            mkdir "/home/$NB_USER"
            cp -a /home/jovyan/. "/home/$NB_USER/" || { rmdir "/home/$NB_USER"; ln -s /home/jovyan "/home/$NB_USER"; }
        fi
        case "$PWD/" in /home/jovyan/*) cd "/home/$NB_USER/${PWD:13}" ;; esac
    fi
    if [ "$CHOWN_HOME" = 1 ] || [ "$CHOWN_HOME" = yes ]; then
        say "Ensuring /home/$NB_USER is owned by $NB_UID:$NB_GID"
        # shellcheck disable=SC2086
        chown $CHOWN_HOME_OPTS "$NB_UID:$NB_GID" "/home/$NB_USER"
    fi
    for extra in ${CHOWN_EXTRA//,/ }; do
        say "Ensuring $extra is owned by $NB_UID:$NB_GID"
        # shellcheck disable=SC2086
        chown $CHOWN_EXTRA_OPTS "$NB_UID:$NB_GID" "$extra"
    done
    if [ "$GRANT_SUDO" = 1 ] || [ "$GRANT_SUDO" = yes ]; then
        say "WARNING: GRANT_SUDO: the test rig's image has no sudo"
    fi
    export XDG_CACHE_HOME="/home/$NB_USER/.cache"
    home=$(getent passwd "$NB_USER" | cut -d: -f6)
    say "Running as $NB_USER:" "${cmd[@]}"
    # = sudo --preserve-env --set-home --user "$NB_USER": uid, primary gid and groups of NB_USER,
    # HOME from its passwd entry (/root for NB_USER=root), the rest of the environment kept.
    exec setpriv --reuid="$(id -u "$NB_USER")" --regid="$(id -g "$NB_USER")" --init-groups \
        env HOME="$home" USER="$NB_USER" LOGNAME="$NB_USER" "${cmd[@]}"
fi

if [ "$GRANT_SUDO" = 1 ] || [ "$GRANT_SUDO" = yes ]; then
    say "WARNING: container must be started as root to grant sudo permissions!"
fi
jovyan_uid=$(id -u jovyan 2>/dev/null || true); jovyan_gid=$(id -g jovyan 2>/dev/null || true)
# `--user 4321`: no passwd entry, and some software (bash prompts, pip, ssh) insists on one.
if ! whoami >/dev/null 2>&1; then
    say "There is no entry in /etc/passwd for our UID=$(id -u). Attempting to fix..."
    if [ -w /etc/passwd ]; then
        sed -e 's/^jovyan:/nayvoj:/' /etc/passwd >/tmp/passwd
        echo "$NB_USER:x:$(id -u):$(id -g):,,,:/home/jovyan:/bin/bash" >>/tmp/passwd
        cat /tmp/passwd >/etc/passwd; rm /tmp/passwd
        say "Added new $NB_USER user ($(id -u):$(id -g)). Fixed UID!"
    else
        say "WARNING: unable to fix missing /etc/passwd entry because we don't have write permission. Try setting gid=0 with \"--user=$(id -u):0\"."
    fi
fi
if [ "$NB_USER" != jovyan ] && [ "$NB_USER" != "$(id -un)" ]; then
    say "WARNING: container must be started as root to change the desired user's name with NB_USER=\"$NB_USER\"!"
fi
if [ -n "$NB_UID" ] && [ "$NB_UID" != "$jovyan_uid" ] && [ "$NB_UID" != "$(id -u)" ]; then
    say "WARNING: container must be started as root to change the desired user's id with NB_UID=\"$NB_UID\"!"
fi
if [ -n "$NB_GID" ] && [ "$NB_GID" != "$jovyan_gid" ] && [ "$NB_GID" != "$(id -g)" ]; then
    say "WARNING: container must be started as root to change the desired user's group id with NB_GID=\"$NB_GID\"!"
fi
[ -w /home/jovyan ] || say "WARNING: no write access to /home/jovyan. Try starting the container with group 'users' (100), e.g. using \"--group-add=users\"."
say "Executing the command:" "${cmd[@]}"
exec "${cmd[@]}"
