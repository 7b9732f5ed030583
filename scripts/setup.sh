#!/usr/bin/env bash
# Create .venv (once) and install sst2-tui into it, with the test tools. pip's own output goes to
# .venv-setup.log; the screen gets one line per stage and, on a failure, the log's last lines.
# TORCH_SPEC overrides the torch requirement (e.g. TORCH_SPEC='torch==2.13.0' for a CPU box,
# or a CUDA build from your own index on a GPU box).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
log=.venv-setup.log
stamp=.venv/.sst2-tui-installed
if [ -f "$stamp" ] && [ ! pyproject.toml -nt "$stamp" ] && [ -x .venv/bin/python ]; then
  exit 0  # set up already
fi

stage() {  # stage "what is being done" command...: one line on screen, pip's noise in the log
  local what=$1; shift
  local started=$SECONDS
  printf 'sst2-tui setup: %s... ' "$what"
  if "$@" >>"$log" 2>&1; then
    echo "done ($((SECONDS - started)) s)"
  else
    echo "FAILED"
    echo "sst2-tui setup: the last lines of $log:" >&2
    tail -15 "$log" >&2
    exit 1
  fi
}

: >"$log"
echo "sst2-tui setup: installing into .venv (first time only; a few minutes on a fresh machine, most of it torch)"
if [ ! -x .venv/bin/python ]; then
  stage "creating .venv with $("$PYTHON" --version 2>&1)" "$PYTHON" -m venv .venv
fi
stage "upgrading pip" .venv/bin/python -m pip install -q --upgrade pip
# torch first and pinned: an unpinned torch would pull a several-GB CUDA build on CPU-only machines.
stage "installing ${TORCH_SPEC:-torch==2.13.0} (the largest part)" .venv/bin/python -m pip install -q "${TORCH_SPEC:-torch==2.13.0}"
stage "installing sst2-tui and its libraries (transformers, datasets, peft, textual, ...)" \
  .venv/bin/python -m pip install -q -e '.[test]'
touch "$stamp"
echo "sst2-tui setup: ready (pip's output: $log)"
