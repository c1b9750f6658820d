#!/usr/bin/env bash
# The whole test run on a fresh machine (CI) or a laptop: the rig (engine, images, registry),
# a virtualenv with jtui and its test extra, then pytest. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/rig/setup.sh
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    if ! "$PY" -m venv .venv; then
        # Debian's own python3 ships venv separately.
        rm -rf .venv
        if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$PY" -m venv .venv
        else
            echo "python3 -m venv failed: install your distribution's venv package" >&2
            exit 1
        fi
    fi
fi
.venv/bin/python -m pip install -q -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"
# Static checks first: a type error or a lint finding fails the run like a failing test.
echo "ruff check" && .venv/bin/ruff check .
echo "mypy tui" && .venv/bin/mypy tui
exec .venv/bin/python -m pytest "$@"
