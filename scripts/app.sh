#!/usr/bin/env bash
# Set up (first time only) and open the app with the offline demo queued.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -t 1 ]; then  # no terminal to draw the app in: say the one next command instead
  echo "sst2-tui: set up; open the app in a terminal with:  .venv/bin/sst2-tui --demo"
  exit 0
fi
exec .venv/bin/sst2-tui --demo "$@"
