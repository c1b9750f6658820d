#!/usr/bin/env bash
# The whole test run on a fresh machine (CI) or a laptop: the rig (engine, images, registry),
# a virtualenv with jtui and its test extra, then pytest. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/rig/setup.sh
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/python -m pytest "$@"
