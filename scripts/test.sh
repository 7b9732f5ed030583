#!/usr/bin/env bash
# Set up (first time only), lint, and run the whole test suite offline.
# (default) every test but the `extended` ones: what CI runs.
# --fast: only the tests that neither start another process nor train more than a few dozen steps
#         (the inner loop; conftest.py holds every test to that).
# --all: the extended variants too (each a second method or signal on a path already trained once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check core tui cli tests benchmarks scripts
.venv/bin/mypy  # core, cli and tui, as pyproject.toml's [tool.mypy] says
select=(-m "not extended")
if [ "${1:-}" = "--fast" ]; then
  shift
  select=(-m "not slow and not extended")
elif [ "${1:-}" = "--all" ]; then
  shift
  select=()
fi
# Tests run on as many workers as there are cores, at most 4 (SST2_TUI_TEST_WORKERS=1: one process):
# most wait on a child process or a terminal and leave a core idle. A module's tests share a worker
# (--dist loadscope): its module fixtures (a trained run, a SLURM cluster) are made once.
workers=${SST2_TUI_TEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
parallel=()
if [ "$workers" -gt 1 ]; then
  parallel=(-n "$workers" --dist loadscope)
fi
HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q --durations=12 "${parallel[@]}" "${select[@]}" "$@"
