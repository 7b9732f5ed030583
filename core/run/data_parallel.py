"""A data-parallel run's processes around the method: rank 0 shares what to run, the others follow.

Rank 0 runs the usual way (`runner.execute`); once its run folder exists and is locked it sends
the other ranks the resolved config and the folder (`share_setup`). Each other rank receives
them (`follow_leader`), writes its own log, `rank-N.log`, in the run folder (nothing else), and
trains as rank 0 directs (`core/methods/following.py`). Every rank leaves the process group at
the end.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import traceback
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.parallel.lockstep import broadcast_object
from sst2_tui.core.parallel.peers import is_collective_error, lost_peer_message
from sst2_tui.core.parallel.world import World, leave
from sst2_tui.core.run.terminal import redirect_output_to


def share_setup(world: World, config: RunConfig, run_dir: Path) -> None:
    if world.parallel and world.leader:
        broadcast_object(world, {"config": config, "run_dir": str(run_dir)})


def rank_log(run_dir: Path, rank: int) -> Path:
    return run_dir / f"rank-{rank}.log"


def follow_leader(world: World) -> int:
    """A rank other than 0, from the setup to the stop. Signals are rank 0's to handle (a Ctrl-C
    or a hang-up reaches every process; rank 0 stops at a step boundary and tells the others);
    torchrun's SIGKILL still ends a rank whose leader is gone."""
    for name in ("SIGINT", "SIGHUP", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    try:
        setup = broadcast_object(world)
        run_dir = Path(setup["run_dir"])
        if run_dir.is_dir():  # on another machine without the shared folder, the log stays on the console
            redirect_output_to(rank_log(run_dir, world.rank))
        print(f"rank {world.rank} of {world.size} ({world.backend}), pid {os.getpid()} on {socket.gethostname()}, "
              f"following rank 0 in {run_dir}", flush=True)
        from sst2_tui.core.methods.following import follow_run

        step = follow_run(setup["config"], run_dir, world)
        print(f"rank {world.rank}: stopped at step {step}, as rank 0 directed", flush=True)
        return 0
    except Exception as error:  # noqa: BLE001 - a follower's failure is told in its log; rank 0 reports the run
        traceback.print_exc()
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        said = lost_peer_message(world, error) if is_collective_error(error) else first
        print(f"rank {world.rank}: {said}", file=sys.stderr, flush=True)
        return 1
    finally:
        leave()

