"""`python -P -m sst2_tui ...` is `sst2-tui ...`: how this tool starts copies of itself."""

import sys

from sst2_tui.cli.main import main

sys.exit(main())
