"""How sst2-tui starts another copy of itself: a detached run, the queue runner, each sweep point,
each torchrun rank.

Never `python -m cli.main`: `-m` puts the current folder first on `sys.path`, so a user's project
with its own `core/` or `cli/` package would be imported instead of ours. `-P` (Python 3.11+) leaves
the current folder off `sys.path`; on 3.10 a one-line bootstrap drops it before importing us.

`SST2_TUI_SELF_COMMAND`, where set, is the argv prefix used instead (split as a shell would): a
harness that starts our children its own way. The test suite sets it to a launcher that forks each
child from a server with torch already imported (tests/fork_shim.py), where a fork behaves as a
fresh process would, and starts a fresh one where it would not.
"""

from __future__ import annotations

import os
import shlex
import sys

SELF_COMMAND_ENV = "SST2_TUI_SELF_COMMAND"

_BOOTSTRAP_310 = "import sys; del sys.path[0]; from sst2_tui.cli.main import main; sys.exit(main())"


def python_command() -> list[str]:
    """This interpreter, with the current folder kept off `sys.path` where Python allows it (3.11+)."""
    return [sys.executable, "-P"] if sys.version_info >= (3, 11) else [sys.executable]


def fresh_sst2_command() -> list[str]:
    """The argv prefix that runs `sst2-tui` in a fresh child process with this interpreter."""
    if sys.version_info >= (3, 11):
        return [*python_command(), "-m", "sst2_tui"]
    return [sys.executable, "-c", _BOOTSTRAP_310]


def sst2_command() -> list[str]:
    """The argv prefix that runs `sst2-tui` in a child process: `fresh_sst2_command()`, unless a
    harness set `SST2_TUI_SELF_COMMAND`."""
    override = os.environ.get(SELF_COMMAND_ENV, "").strip()
    return shlex.split(override) if override else fresh_sst2_command()
