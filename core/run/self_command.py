"""How sst2-tui starts another copy of itself: a detached run, the queue runner, each torchrun rank.

Never `python -m cli.main`: `-m` puts the current folder first on `sys.path`, so a user's project
with its own `core/` or `cli/` package would be imported instead of ours. `-P` (Python 3.11+) leaves
the current folder off `sys.path`; on 3.10 a one-line bootstrap drops it before importing us.
"""

from __future__ import annotations

import sys

_BOOTSTRAP_310 = "import sys; del sys.path[0]; from sst2_tui.cli.main import main; sys.exit(main())"


def python_command() -> list[str]:
    """This interpreter, with the current folder kept off `sys.path` where Python allows it (3.11+)."""
    return [sys.executable, "-P"] if sys.version_info >= (3, 11) else [sys.executable]


def sst2_command() -> list[str]:
    """The argv prefix that runs `sst2-tui` in a child process with this interpreter."""
    if sys.version_info >= (3, 11):
        return [*python_command(), "-m", "sst2_tui"]
    return [sys.executable, "-c", _BOOTSTRAP_310]
