"""The leader (rank 0) keeps the other ranks in step.

Only the leader reads commands, evaluates, saves and writes events. Before each optimizer step
it sends one small `Directive` over the gloo control group: the step about to be taken, every
param group's learning rate and the eps (so an lr or eps change, from a key, `ctl` or a NaN
fix, applies on every rank at the same step), whether to stop, and whether to copy its weights
and optimizer state first (after a resume, or after the pure-fp16 guard put finite weights
back). The other ranks block in `follow` meanwhile: a pause, an evaluation or a checkpoint on
the leader holds them there. The message travels on the host (gloo over TCP), so on CUDA it
adds no device sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from sst2_tui.core.parallel.world import World


@dataclass(frozen=True)
class Directive:
    step: int
    """Steps done so far: the coming step trains on global batch `step` of the run's order."""
    lrs: tuple[float, ...] = ()
    """Every param group's learning rate for the coming step."""
    eps: float | None = None
    stop: bool = False
    """No more steps: compare weights with the leader and leave."""
    resync: bool = False
    """Copy the leader's weights, optimizer state and loss scale before the step."""
    changed: bool = False
    """A command changed the rates at this boundary (the other ranks note it in their logs)."""


def broadcast_object(world: World, value: Any = None) -> Any:
    """The leader's `value` on every rank (pickled, over the control group)."""
    import torch.distributed as dist

    box = [value if world.leader else None]
    dist.broadcast_object_list(box, src=0, group=world.control_group)
    return box[0]


def send_directive(world: World, directive: Directive) -> None:
    broadcast_object(world, directive)


def receive_directive(world: World) -> Directive:
    return broadcast_object(world)


def directive_for(step: int, optimizer: torch.optim.Optimizer, *, stop: bool = False, resync: bool = False,
                  changed: bool = False) -> Directive:
    groups = optimizer.param_groups
    return Directive(step=step, lrs=tuple(float(g["lr"]) for g in groups), eps=groups[0].get("eps"), stop=stop,
                     resync=resync, changed=changed)


def obey(world: World, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scaler: Any = None) -> Directive:
    """A rank other than 0: wait for the leader's directive, copy its weights if asked, take its
    rates (noting a command's change in this rank's log), and return it (its `stop` says whether
    a step follows)."""
    from sst2_tui.core.config import format_rate

    directive = receive_directive(world)
    if directive.resync:
        resync(world, model, optimizer, scaler)
    apply_rates(optimizer, directive)
    if directive.changed:
        print(f"rank {world.rank}: after step {directive.step}: lr {format_rate(directive.lrs[0])}, "
              f"eps {format_rate(directive.eps)}", flush=True)
    return directive


def apply_rates(optimizer: torch.optim.Optimizer, directive: Directive) -> None:
    """The leader's learning rates and eps, as they are for this step (the schedule included)."""
    for group, lr in zip(optimizer.param_groups, directive.lrs, strict=False):
        group["lr"] = lr
        if directive.eps is not None and "eps" in group:
            group["eps"] = directive.eps


def resync(world: World, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scaler: Any = None) -> None:
    """Every rank's weights, buffers, optimizer state and loss scale become the leader's.
    Called by all ranks together; tensors go over the training group (NCCL for CUDA tensors)."""
    import torch.distributed as dist

    params = [p for group in optimizer.param_groups for p in group["params"]]
    layout = None
    if world.leader:
        layout = [{key: _describe(value) for key, value in optimizer.state.get(p, {}).items()} for p in params]
    layout, scale = broadcast_object(world, (layout, scaler.state_dict() if scaler is not None and world.leader else None))
    tensors = [t.data for t in [*model.parameters(), *model.buffers()]]
    for param, entry in zip(params, layout, strict=True):
        if not world.leader:
            # What the leader does not hold goes (a restored optimizer may be back to no state at all).
            for key in [k for k in optimizer.state.get(param, {}) if k not in entry]:
                del optimizer.state[param][key]
            if not entry:
                optimizer.state.pop(param, None)
                continue
        state = optimizer.state[param]
        for key, value in entry.items():
            if not isinstance(value, _TensorShape):
                state[key] = value
                continue
            held = state.get(key)
            if not world.leader and (not isinstance(held, torch.Tensor) or tuple(held.shape) != value.shape
                                     or str(held.dtype) != value.dtype):
                state[key] = held = torch.empty(value.shape, dtype=getattr(torch, value.dtype.removeprefix("torch.")),
                                                device="cpu" if value.on_cpu else param.device)
            tensors.append(state[key])
    with torch.no_grad():
        for tensor in tensors:
            dist.broadcast(tensor, src=0)
    if scaler is not None and scale and not world.leader:
        scaler.load_state_dict(scale)


@dataclass(frozen=True)
class _TensorShape:
    shape: tuple[int, ...]
    dtype: str
    on_cpu: bool


def _describe(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return _TensorShape(tuple(value.shape), str(value.dtype), value.device.type == "cpu")
    return value


def weights_agree(world: World, model: torch.nn.Module) -> bool:
    """Whether every rank holds the same weights (a sum over them, compared across ranks): DDP
    keeps them equal as long as every rank applied the same updates. Called by all ranks."""
    import torch.distributed as dist

    with torch.no_grad():
        start = torch.zeros((), dtype=torch.float64)
        total = float(sum((p.detach().double().sum() for p in model.parameters()), start).item())  # a sync point: at the end only
    sums: list[Any] = [None] * world.size
    dist.all_gather_object(sums, total, group=world.control_group)
    return sums_agree(sums)


def sums_agree(sums: list[float]) -> bool:
    """Equal weights give equal sums (the same additions in the same order); a relative 1e-9 allows
    for nothing more than the last bits."""
    return all(abs(s - sums[0]) <= 1e-9 * max(1.0, abs(sums[0])) for s in sums)
