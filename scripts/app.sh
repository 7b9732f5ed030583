#!/usr/bin/env bash
# Set up (first time only) and open the app with the offline demo queued.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/sst2-tui --demo "$@"
