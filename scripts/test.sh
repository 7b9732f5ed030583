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
# The fast loop runs on as many workers as there are cores, at most 4 (SST2_TUI_TEST_WORKERS=1: one
# process; 4 min 52 s -> 3 min 12 s on 2 cores); a module's tests share a worker (--dist loadscope:
# its module fixtures are made once). The default and --all run in one process: their tests spawn
# runs and terminals that fill the cores themselves (on 2 cores, two workers took longer, and the
# tmux tests' timings suffered).
parallel=()
if [ "${select[*]}" = "-m not slow and not extended" ]; then
  workers=${SST2_TUI_TEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
  if [ "$workers" -gt 1 ]; then
    parallel=(-n "$workers" --dist loadscope)
  fi
fi
HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q --durations=12 "${parallel[@]}" "${select[@]}" "$@"
