"""Who this process is in a data-parallel run, read from the variables torchrun sets.

Two process groups: the training group (NCCL for CUDA tensors, gloo for CPU tensors) carries
DDP's gradient all-reduce and the per-step loss; a gloo group with a long timeout carries the
leader's small messages (the step directive, the run's setup). The long timeout matters: while
the leader is paused, evaluating or saving, the other ranks wait in that group, and a pause may
last hours. A rank that dies closes its sockets, so a wait on it ends at once, not at the timeout.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

TRAINING_TIMEOUT = timedelta(minutes=10)
"""A collective of the training group (gradients, losses) that waits longer than this fails the run."""
CONTROL_TIMEOUT = timedelta(days=30)
"""How long the other ranks wait for the leader's next message (a paused run waits this long)."""


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    backend: str = ""
    """"gloo", or "nccl" (CUDA tensors; CPU tensors still go through gloo); empty for one process."""
    peers: tuple[tuple[str, int], ...] = ()
    """(host, pid) of every rank, in rank order, once joined."""
    control_group: Any = field(default=None, compare=False)

    @property
    def leader(self) -> bool:
        """Rank 0: the one process that reads commands and writes the run folder."""
        return self.rank == 0

    @property
    def parallel(self) -> bool:
        return self.size > 1

    def describe(self) -> str:
        return f"{self.size} processes ({self.backend})" if self.parallel else "1 process"


_current = World()


def current() -> World:
    """This process's world (one process unless `join` ran)."""
    return _current


def from_env(environ: dict[str, str] | None = None) -> World:
    """torchrun's RANK, WORLD_SIZE and LOCAL_RANK; one process when they are absent."""
    env = os.environ if environ is None else environ
    try:
        return World(rank=int(env.get("RANK", 0)), size=int(env.get("WORLD_SIZE", 1)),
                     local_rank=int(env.get("LOCAL_RANK", 0)))
    except ValueError:
        return World()


def join(world: World) -> World:
    """Join the process group torchrun set up (MASTER_ADDR/PORT); returns the joined world, also
    kept as `current()`. A one-process world joins nothing."""
    global _current
    if not world.parallel:
        _current = world
        return world
    import torch
    import torch.distributed as dist

    use_nccl = torch.cuda.is_available() and dist.is_nccl_available()
    if use_nccl:
        torch.cuda.set_device(world.local_rank)  # "cuda" now means this rank's own GPU
    dist.init_process_group("cpu:gloo,cuda:nccl" if use_nccl else "gloo", timeout=TRAINING_TIMEOUT)
    control = dist.new_group(backend="gloo", timeout=CONTROL_TIMEOUT)
    peers: list[Any] = [None] * world.size
    dist.all_gather_object(peers, (socket.gethostname(), os.getpid()), group=control)
    _current = World(world.rank, world.size, world.local_rank, "nccl" if use_nccl else "gloo",
                     tuple((str(h), int(p)) for h, p in peers), control)
    return _current


def leave() -> None:
    """Leave the process group (at the end of a run); safe to call when none was joined."""
    global _current
    if not _current.parallel:
        return
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    _current = World()
