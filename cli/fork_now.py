"""`sst2-tui fork RUN_DIR --now` (and `sst2-tui ctl RUN_DIR fork ...`): fork a live run at its next step
boundary (core/run/fork_now.py); prints the fork's {run_dir, session_dir, pid, branch_step}."""

from __future__ import annotations

import argparse
import json
import sys

from sst2_tui.core.errors import EXIT_OK, UserError
from sst2_tui.core.run.fork import ForkChanges


def fork_now(args: argparse.Namespace, changes: ForkChanges) -> int:
    from sst2_tui.core.run.fork_now import fork_live

    if args.step is not None:
        raise UserError("fork --now: forks the live run at its next step; --step N forks a kept checkpoint (give one of them)")
    fork = fork_live(args.run_dir, changes, args.timeout)
    print(json.dumps({"run_dir": str(fork.run_dir), "session_dir": str(fork.session_dir), "pid": fork.pid,
                      "branch_step": fork.branch_step}), flush=True)
    sys.stderr.write(f"sst2-tui fork: forked {args.run_dir.name} at step {fork.branch_step}; "
                     f"{fork.run_dir.name} trains in the background beside it: watch it with `sst2-tui attach {fork.run_dir}`\n")
    return EXIT_OK
