"""Put a complete checkpoint back: weights (or the LoRA adapter), optimizer state with any lr/eps
changes, the schedule's position, progress (step, best accuracy) and the random generators.

The hand loop calls `restore_all` before its first step; the Trainer method hands the same pieces
to Trainer's own resume hooks, which call them at its chosen moments.
"""

from __future__ import annotations

from pathlib import Path

import torch

from sst2_tui.core.errors import UserError
from sst2_tui.core.methods.resume_from import ResumeFrom
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.storage.checkpoint_state import load_state
from sst2_tui.core.storage.checkpoints import load_model_tensors, load_optimizer_state, restore_rng


def pick_checkpoint(resume_from: ResumeFrom, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    full: bool) -> tuple[Path, list[str]]:
    """The newest checkpoint whose tensors and optimizer state fit this model and optimizer, and why
    newer ones did not (each naming its file). Nothing is changed until one fits."""
    candidates = [resume_from] if isinstance(resume_from, Path) else list(resume_from)
    problems: list[str] = []
    for path in candidates:
        problem = _misfit(path, model, optimizer, full)
        if problem is None:
            return path, problems
        problems.append(problem)
    raise UserError(f"no checkpoint fits this run's model: {'; '.join(problems)}")


def _misfit(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, full: bool) -> str | None:
    file = path / "model.safetensors"
    try:
        tensors = load_model_tensors(path)
    except Exception as error:  # noqa: BLE001 - safetensors raises several types for a bad file
        return f"{file}: unreadable ({str(error)[:80]})"
    named = dict(model.named_parameters())
    for name, tensor in tensors.items():
        if name not in named:
            return f"{file}: holds {name[:60]!r}, which this model does not have"
        if tuple(tensor.shape) != tuple(named[name].shape):
            return f"{file}: {name[:60]!r} has shape {tuple(tensor.shape)}, the model's is {tuple(named[name].shape)}"
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            return f"{file}: {name[:60]!r} holds NaN or infinite values"
    if full and (missing := [n for n in named if n not in tensors]):
        return f"{file}: lacks {len(missing)} of the model's weights, e.g. {missing[0][:60]!r}"
    try:
        saved = load_optimizer_state(path)
    except Exception as error:  # noqa: BLE001 - a bad file of any kind is a reason to skip the checkpoint
        return f"{path / 'optimizer.json'}: unreadable ({str(error)[:80]})"
    groups = optimizer.state_dict()["param_groups"]
    saved_sizes = [len(g.get("params", [])) if isinstance(g, dict) else -1 for g in saved["param_groups"]]
    if saved_sizes != [len(g["params"]) for g in groups]:
        return f"{path / 'optimizer.json'}: its parameter groups do not match this run's optimizer"
    # Each saved moment must have its parameter's shape (state is keyed by position across groups).
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for index, values in saved["state"].items():
        if not 0 <= index < len(params):
            return f"{path / 'optimizer.json'}: state for parameter {index}, this optimizer has {len(params)}"
        for key, value in values.items():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and tuple(value.shape) != tuple(params[index].shape):
                return (f"{path / 'optimizer.safetensors'}: {index}.{key} has shape {tuple(value.shape)}, "
                        f"its parameter's is {tuple(params[index].shape)}")
            if isinstance(value, torch.Tensor) and value.is_floating_point() and not bool(torch.isfinite(value).all()):
                return f"{path / 'optimizer.safetensors'}: {index}.{key} holds NaN or infinite values"
    return None


def restore_weights(path: Path, model: torch.nn.Module, full: bool) -> None:
    result = model.load_state_dict(load_model_tensors(path), strict=False)
    named = dict(model.named_parameters())
    if result.unexpected_keys or (full and [k for k in result.missing_keys if k in named]):
        raise UserError(f"{path / 'model.safetensors'}: does not match this run's model; resume the run it came from")


def restore_optimizer_and_schedule(path: Path, optimizer: torch.optim.Optimizer, scheduler) -> None:
    optimizer.load_state_dict(load_optimizer_state(path))
    saved = load_state(path)
    scheduler.base_lrs = list(saved.scheduler_base_lrs or scheduler.base_lrs)  # lr changes made during the run
    scheduler.last_epoch = saved.step


def restore_progress(path: Path, state: RunState) -> None:
    """The data order is a function of (seed, epoch), so the step number is the position in it."""
    state.restore_progress(load_state(path))
    # last_eval_step stays None: the run closes with an evaluation of its own (a run killed right
    # after its last checkpoint still gets its final accuracy and predictions).


def restore_scaler(path: Path, scaler) -> None:
    """GradScaler (fp16 autocast): its scale and growth tracker, so a resumed run does not
    rediscover its scale by skipping steps."""
    saved = load_state(path).grad_scaler
    if scaler is not None and saved:
        scaler.load_state_dict(saved)


def restore_all(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scheduler, state: RunState,
                full: bool, scaler=None) -> None:
    restore_weights(path, model, full)
    restore_optimizer_and_schedule(path, optimizer, scheduler)
    restore_progress(path, state)
    restore_scaler(path, scaler)
    restore_rng(path)
