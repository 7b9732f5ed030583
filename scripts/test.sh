#!/usr/bin/env bash
# Set up (first time only), lint, and run the whole test suite offline.
# --fast: only the tests that start no other process (the inner loop; under 4 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check core tui cli tests benchmarks scripts
select=()
if [ "${1:-}" = "--fast" ]; then
  shift
  select=(-m "not slow")
fi
HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q --durations=12 "${select[@]}" "$@"
