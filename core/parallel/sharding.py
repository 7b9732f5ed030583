"""How one global batch is split across the ranks of a data-parallel run.

Every rank computes the same global batches (`length_grouped_batches` is a function of seed and
epoch), and rank r takes every W-th example from position r. DDP averages the ranks' gradients,
so to make one step equal to one single-process step each rank's mean loss is weighted by
n_r * W / N (n_r of the batch's N examples on this rank): the average of the weighted losses is
the mean over the whole batch, also for an epoch's last, smaller batch. A rank left without an
example (a last batch smaller than W) runs one example at weight 0, so it still joins the
all-reduce of the gradients.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    indices: list[int]
    """The examples this rank trains on in this step."""
    weight: float
    """Multiplies this rank's mean loss (1.0 in a one-process run)."""


def shard(indices: list[int], rank: int, size: int) -> Share:
    if size <= 1:
        return Share(list(indices), 1.0)
    mine = indices[rank::size]
    if not mine:
        return Share(indices[:1], 0.0)
    return Share(mine, len(mine) * size / len(indices))


def mean_over_ranks(value, size: int):
    """Every rank's weighted mean loss, averaged over the ranks: the global batch's mean loss, on
    every rank. One all-reduce of one number (queued, not waited for, on CUDA: no sync); a NaN on
    any rank makes the result NaN everywhere, so every rank skips the same bad step."""
    import torch.distributed as dist

    total = value / size
    dist.all_reduce(total)
    return total
