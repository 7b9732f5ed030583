"""`sst2-tui run --detach ...`: the run in its own process, away from this terminal.

The same command line (less `--detach`) runs in a new session; once it holds its run folder this
prints one JSON line, `{"run_dir", "session_dir", "pid"}`, and returns. The run logs to `run.log`
in its folder. Bad flags and data files are refused before, in the foreground, with one line.
"""

from __future__ import annotations

import json


def launch_detached(argv: list[str]) -> int:
    from sst2_tui.core.run.launch import describe_launch, start_detached

    launched = start_detached([a for a in argv if a != "--detach"])
    print(json.dumps(describe_launch(launched)), flush=True)
    return 0
