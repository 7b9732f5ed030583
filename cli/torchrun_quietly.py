"""torchrun without its own report of a failed worker. When a rank dies, rank 0 has already said
what happened in one line (which rank, its pid, where its last words are, how to resume); torchrun
would add a warning per process, an error line, a traceback and a 20-line box. The launcher runs
this instead of `python -m torch.distributed.run`, with the same arguments; its exit code is
torchrun's (1 when a worker failed)."""

from __future__ import annotations

import logging
import os
import sys


def main() -> int:
    # torch's elastic loggers take their level from LOGLEVEL when they are made (the ranks inherit
    # it), or from their parent logger: both say "only what is critical"
    os.environ.setdefault("LOGLEVEL", "CRITICAL")
    logging.getLogger("torch.distributed.elastic").setLevel(logging.CRITICAL)
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import main as torchrun

    try:
        torchrun(sys.argv[1:])
    except ChildFailedError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
