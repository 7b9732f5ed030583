#!/usr/bin/env bash
# Set up (first time only), lint, and run the whole test suite offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check core tui cli tests benchmarks scripts
HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q --durations=12 "$@"
