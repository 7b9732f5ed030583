"""`sst2-tui run --detach ...`: the run in its own process, away from this terminal.

The same command line (less `--detach`) runs in a new session; once it holds its run folder this
prints one JSON line, `{"run_dir", "session_dir", "pid"}`, and returns. The run logs to `run.log`
in its folder. Bad flags and data files are refused before, in the foreground, with one line.
"""

from __future__ import annotations

import json
import sys


def launch_detached(argv: list[str]) -> int:
    from sst2_tui.core.run.launch import describe_launch, start_detached

    launched = start_detached([a for a in argv if a != "--detach"])
    described = describe_launch(launched)
    print(json.dumps(described), flush=True)
    # stderr: stdout stays one JSON line for scripts; a person reads what to type next
    said = argv[0] if argv and not argv[0].startswith("-") else "run"
    sys.stderr.write(f"sst2-tui {said}: it trains in the background; watch it with `sst2-tui attach {described['run_dir']}`\n")
    return 0
