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
.venv/bin/python -m mypy  # core, cli and tui, as pyproject.toml's [tool.mypy] says (never through its script: a
                         # venv kept elsewhere by CI may have been made at another path)
mode=default
case "${1:-}" in
  --fast) mode=fast; shift ;;
  --all) mode=all; shift ;;
esac
# The tests run on as many workers as there are cores, at most 4 (SST2_TUI_TEST_WORKERS=1: one
# process), a module's tests on one worker (--dist loadscope: its module fixtures are made once).
# Each worker's torch, and every run it starts, gets its share of the cores (tests/conftest.py):
# without that, two workers on 2 cores spun 4 threads and made everything slower. First the tests
# that start no process, then the slow ones, then those marked `alone` (a real terminal read against
# the clock) one at a time with nothing beside them. Measured side by side on 2 cores: the fast
# part 4 min 36 s -> 3 min 1 s with the cores shared out, the slow ones 12 min 4 s in one process
# -> 7 min 10 s on two workers.
workers=${SST2_TUI_TEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
parallel=()
if [ "$workers" -gt 1 ]; then
  parallel=(-n "$workers" --dist loadscope)
fi
extended="and not extended"
if [ "$mode" = all ]; then
  extended=""
fi
pytest() {  # no test selected (a path given that holds only slow tests, or none) is not a failure
  local code=0
  HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q --durations=12 "$@" || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then
    return "$code"
  fi
}
pytest "${parallel[@]}" -m "not slow $extended" "$@"
if [ "$mode" != fast ]; then
  pytest "${parallel[@]}" -m "slow and not alone $extended" "$@"
  pytest -m "slow and alone $extended" "$@"
fi
