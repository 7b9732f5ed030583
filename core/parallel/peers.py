"""What to say when a collective fails because another rank is gone."""

from __future__ import annotations

import os
import socket
import time

from sst2_tui.core.parallel.world import World


def is_collective_error(error: BaseException) -> bool:
    from torch.distributed import DistError

    text = str(error)
    return isinstance(error, DistError) or any(word in text for word in ("Gloo", "gloo", "NCCL", "Connection closed",
                                                                         "Connection reset", "Broken pipe"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child not yet reaped by torchrun is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def gone_ranks(world: World, wait_seconds: float = 2.0) -> list[int]:
    """Ranks on this machine whose process has ended (waiting briefly: a dying process first
    closes its sockets, then goes)."""
    host = socket.gethostname()
    local = [(rank, pid) for rank, (peer_host, pid) in enumerate(world.peers) if rank != world.rank and peer_host == host]
    deadline = time.monotonic() + wait_seconds
    while True:
        gone = [rank for rank, pid in local if not _alive(pid)]
        if gone or time.monotonic() >= deadline:
            return gone
        time.sleep(0.1)


def lost_peer_message(world: World, error: BaseException) -> str:
    """One line naming the rank that is gone (when it ran on this machine)."""
    gone = gone_ranks(world)
    first = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
    if gone:
        who = ", ".join(f"rank {rank} (pid {world.peers[rank][1]})" for rank in gone)
        logs = ", ".join(f"rank-{rank}.log" for rank in gone)
        return f"data-parallel: {who} ended during the run; its last words are in {logs} in the run folder"
    return f"data-parallel: lost contact with another rank ({first})"
