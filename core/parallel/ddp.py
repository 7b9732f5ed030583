"""The model as DistributedDataParallel sees it: gradients averaged over the ranks in backward."""

from __future__ import annotations

import torch

from sst2_tui.core.parallel.world import World


def data_parallel(model: torch.nn.Module, world: World, device: torch.device) -> torch.nn.Module:
    """`model` itself in a one-process run. Building DDP is a collective (it copies rank 0's
    weights to every rank), so every rank builds it at the same point of its setup."""
    if not world.parallel:
        return model
    from torch.nn.parallel import DistributedDataParallel

    if device.type == "cuda":
        return DistributedDataParallel(model, device_ids=[world.local_rank], output_device=world.local_rank)
    return DistributedDataParallel(model)
