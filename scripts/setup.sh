#!/usr/bin/env bash
# Create .venv (once) and install sst2-tui into it, with the test tools.
# TORCH_SPEC overrides the torch requirement (e.g. TORCH_SPEC='torch==2.13.0' for a CPU box,
# or a CUDA build from your own index on a GPU box).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
stamp=.venv/.sst2-tui-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  python -m pip install -q --upgrade pip
  # torch first and pinned: an unpinned torch would pull a several-GB CUDA build on CPU-only machines.
  python -m pip install -q "${TORCH_SPEC:-torch==2.13.0}"
  python -m pip install -q -e '.[test]'
  touch "$stamp"
fi
