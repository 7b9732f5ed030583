"""Checkpoints that are either complete or ignored.

A checkpoint is written into `step-NNNNNNN.tmp/`, files first, then `manifest.json` (step and a
sha256 per file), then the folder is renamed into place. Only folders with a manifest whose
checksums match are ever loaded. Nothing here is a pickle: tensors go to safetensors, the rest to JSON.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safetensors import safe_open

from sst2_tui.core.errors import quote
from sst2_tui.core.storage.checkpoint_state import CheckpointState, read_state, write_state
from sst2_tui.core.storage.disk_space import MB, DiskFullError, is_disk_full
from sst2_tui.core.storage.files import atomic_write_json, atomic_write_text, fsync_dir
from sst2_tui.core.storage.own_files import own_folder, read_plain
from sst2_tui.core.text.json_text import parse_json

if TYPE_CHECKING:  # torch is imported where tensors are read or written: listing, verifying and rotating
    import torch  # checkpoints (the app, `sessions`, `report`) never needs it

NAME = re.compile(r"^step-(\d+)$")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_file(tensors: dict[str, torch.Tensor], filename: str) -> None:
    """safetensors' writer, imported when a checkpoint is written (it imports torch; listing and
    verifying checkpoints never need it). A name of this module, so tests can make the disk fill."""
    from safetensors.torch import save_file as write

    write(tensors, filename)


def load_file(filename: str) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file as read

    return read(filename)


def trainable_state(model: torch.nn.Module, full: bool) -> dict[str, torch.Tensor]:
    """Every weight for full fine-tuning; only the trained ones (adapter + head) for LoRA."""
    named = model.named_parameters()
    return {name: p.detach().contiguous().cpu() for name, p in named if full or p.requires_grad}


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:  # torch's state
    """Split an optimizer state_dict into tensors (safetensors) and plain values (JSON)."""
    import torch

    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    plain: dict[str, Any] = {"param_groups": state["param_groups"], "state": {}}
    for index, values in state["state"].items():
        plain["state"][str(index)] = {}
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{index}.{key}"] = value.detach().contiguous().cpu()
            else:
                plain["state"][str(index)][key] = value
    return tensors, plain


def write_checkpoint(folder: Path, state: CheckpointState, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None,
                     full: bool, extra_files: dict[str, str] | None = None) -> Path:
    """Write `step-NNNNNNN/` completely or not at all. A full disk removes the partial folder and
    raises `DiskFullError`; the checkpoints already there are untouched."""
    import torch

    own_folder(folder, base=folder.parent)  # RUN/checkpoints: no planted link written through (#46)
    step = state.step
    final = folder / f"step-{step:07d}"
    temporary = folder / f"step-{step:07d}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    model_state = trainable_state(model, full)
    try:
        temporary.mkdir()
        save_file(model_state, str(temporary / "model.safetensors"))
        if optimizer is not None:
            tensors, plain = optimizer_tensors(optimizer)
            save_file(tensors or {"_empty": torch.zeros(0)}, str(temporary / "optimizer.safetensors"))
            atomic_write_json(temporary / "optimizer.json", plain)
        save_file(rng_state(), str(temporary / "rng.safetensors"))
        write_state(temporary, state)
        for name, text in (extra_files or {}).items():
            atomic_write_text(temporary / name, text)
        files = {p.name: _sha256(p) for p in sorted(temporary.iterdir())}
        # The manifest is written last: a folder without one is a checkpoint that was cut short.
        atomic_write_json(temporary / "manifest.json", {"step": step, "files": files})
    except Exception as error:
        shutil.rmtree(temporary, ignore_errors=True)
        if is_disk_full(error):  # what this checkpoint writes (weights, moments), not a guess that may exceed the disk
            moments = optimizer_tensors(optimizer)[0] if optimizer is not None else {}
            needed = sum(t.numel() * t.element_size() for t in (*model_state.values(), *moments.values())) + MB
            raise DiskFullError(temporary, "checkpoint", needed_bytes=needed) from error
        raise
    if final.exists():
        shutil.rmtree(final)
    os.replace(temporary, final)
    fsync_dir(folder)
    return final


def copy_checkpoint(source: Path, folder: Path) -> Path:
    """A verified checkpoint of another run (a fork's branch point) copied into `folder` (this run's
    checkpoints/), whole or not at all, then verified again: the fork owns its start (its parent may
    rotate the original away, and a fork killed before its first checkpoint of its own resumes from
    the branch step, not from step 0). A full disk raises `DiskFullError`; nothing is left behind."""
    own_folder(folder, base=folder.parent)  # RUN/checkpoints: no planted link written through (#46)
    final, temporary = folder / source.name, folder / f"{source.name}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        shutil.copytree(source, temporary)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        if is_disk_full(error):
            raise DiskFullError(temporary, "checkpoint",
                                needed_bytes=sum(p.stat().st_size for p in source.iterdir()) + MB) from error
        raise
    os.replace(temporary, final)
    fsync_dir(folder)
    if (problem := verify(final)) is not None:
        raise ValueError(f"the copy of {source}: {problem}")
    return final


def verify(path: Path) -> str | None:
    """None if the checkpoint is complete and intact, else why not (naming the file)."""
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        return f"{manifest_path}: missing; the checkpoint was not finished"
    try:
        manifest = parse_json(read_plain(manifest_path))
    except (OSError, ValueError):
        return f"{manifest_path}: unreadable"
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return f"{manifest_path}: 'files' is not a table of file names and checksums"
    for name, digest in files.items():
        file = path / name
        if "/" in name or name.startswith(".") or not file.is_file():
            return f"{file}: missing"
        if _sha256(file) != digest:
            return f"{file}: checksum mismatch (truncated or altered)"
    return _contents_problem(path)


def _contents_problem(path: Path) -> str | None:
    """Files whose checksums match can still hold the wrong things (a manifest rewritten to match):
    every tensor file must parse, and the JSON files must be what a resume reads."""
    for name in ("model.safetensors", "optimizer.safetensors", "rng.safetensors"):
        file = path / name
        if not file.exists() and name == "optimizer.safetensors":
            continue
        try:
            with safe_open(str(file), framework="numpy") as handle:  # numpy: verifying needs no torch
                handle.keys()
        except Exception as error:  # noqa: BLE001 - safetensors raises several types for a bad file
            return f"{file}: not a readable safetensors file ({str(error)[:80]})"
    if (why := read_state(path)[1]) is not None:
        return why
    if (why := _rng_problem(path / "rng.safetensors")) is not None:
        return f"{path / 'rng.safetensors'}: {why}"
    if (path / "optimizer.json").exists():
        optimizer = _json_object(path / "optimizer.json")
        if optimizer is None or (why := _optimizer_problem(optimizer)):
            return f"{path / 'optimizer.json'}: {why if optimizer is not None else 'not a JSON object'}"
    return None


def _number(value: Any, low: float = 0.0, high: float = math.inf) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and low <= value <= high


def _optimizer_problem(optimizer: dict[str, Any]) -> str | None:
    groups, saved = optimizer.get("param_groups"), optimizer.get("state")
    if not isinstance(saved, dict) or not isinstance(groups, list) or not groups:
        return "not an optimizer state (an object with 'state' and 'param_groups')"
    for number, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("params"), list):
            return f"parameter group {number} is not an object with a list of params"
        if (why := _group_problem(group)) is not None:
            return f"parameter group {number}: {why}"
    if not all(isinstance(k, str) and k.isdigit() and isinstance(v, dict) for k, v in saved.items()):
        return "its state is not a table of parameter numbers"
    return None


# What each optimizer setting may be, as torch's AdamW and SGD write them; anything else in a group
# must be a flag (true/false/null) or a finite number. Checked so that an edited group is a damaged
# checkpoint, skipped for an older one, never a run that fails (or trains nonsense) after resuming.
GROUP_RANGES = {"lr": (0.0, 10.0), "eps": (0.0, 1.0), "weight_decay": (0.0, 1.0), "momentum": (0.0, 1.0),
                "dampening": (0.0, 1.0)}


def _group_problem(group: dict[str, Any]) -> str | None:
    for name, value in group.items():
        if name in ("params", "param_names"):
            continue
        if name == "betas":
            if not (isinstance(value, list) and len(value) == 2 and all(_number(b, 0.0, 0.999999) for b in value)):
                return f"betas is {quote(value, 30)}, not two numbers from 0 to below 1"
        elif name in GROUP_RANGES:
            low, high = GROUP_RANGES[name]
            if not _number(value, low, high):
                return f"{name} is {quote(value, 30)}, not a number from {low:g} to {high:g}"
        elif not (value is None or isinstance(value, bool) or _number(value, -math.inf)):
            return f"{name} is {quote(value, 30)}, not a flag or a number"
    return None


def _rng_problem(file: Path) -> str | None:
    try:
        with safe_open(str(file), framework="numpy") as handle:  # numpy: verifying needs no torch
            keys = list(handle.keys())
            if "cpu" not in keys or any(k != "cpu" and not (k.startswith("cuda") and k[4:].isdigit()) for k in keys):
                return f"holds {quote(keys, 40)}, not the generators' states (cpu, cuda0...)"
            for key in keys:
                tensor = handle.get_tensor(key)
                if str(tensor.dtype) != "uint8" or tensor.ndim != 1:
                    return f"{key} is a {tensor.dtype} tensor of {tensor.ndim} dimensions, not a generator state (uint8)"
    except Exception as error:  # noqa: BLE001 - safetensors raises several types for a bad file
        return f"not a readable safetensors file ({str(error)[:80]})"
    return None


def _json_object(path: Path) -> dict[str, Any] | None:
    try:
        value = parse_json(read_plain(path))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """Complete-looking checkpoints sorted by step number (not by text)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = NAME.match(path.name)
        if match and path.is_dir():
            found.append((int(match.group(1)), path))
    return sorted(found)


def rotate(folder: Path, keep: int, best_step: int | None, pinned: frozenset[int] | set[int] = frozenset()) -> None:
    """Keep the newest `keep` checkpoints, the best one and the `pinned` ones (a fork starts from them);
    drop leftovers of interrupted writes."""
    for leftover in folder.glob("step-*.tmp") if folder.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)
    checkpoints = list_checkpoints(folder)
    for step, path in checkpoints[:-keep] if keep > 0 else checkpoints:
        if step != best_step and step not in pinned:
            shutil.rmtree(path, ignore_errors=True)


def rng_state() -> dict[str, torch.Tensor]:
    """The random generators a resumed run needs to draw the same dropout masks."""
    import torch

    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for index, cuda_state in enumerate(torch.cuda.get_rng_state_all()):
            state[f"cuda{index}"] = cuda_state
    return state


def restore_rng(path: Path) -> None:
    import torch

    state = load_file(str(path / "rng.safetensors"))
    torch.set_rng_state(state["cpu"])
    cuda = [state[k] for k in sorted(k for k in state if k.startswith("cuda"))]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)


def load_model_tensors(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path / "model.safetensors"))


def load_optimizer_state(path: Path) -> dict[str, Any]:
    """Rebuild an optimizer state_dict from optimizer.json and optimizer.safetensors (no pickle)."""
    plain = parse_json((path / "optimizer.json").read_bytes())
    tensors = load_file(str(path / "optimizer.safetensors"))
    state: dict[int, dict[str, Any]] = {int(k): dict(v) for k, v in plain["state"].items()}
    for name, tensor in tensors.items():
        if name == "_empty":
            continue
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = tensor
    return {"state": state, "param_groups": plain["param_groups"]}


def has_complete_checkpoint(folder: Path) -> bool:
    """Whether any checkpoint in `folder` verifies (False for a missing folder: a run killed before
    its first save)."""
    return any(verify(path) is None for _, path in list_checkpoints(folder))


def complete_checkpoints(folder: Path) -> tuple[list[Path], list[str]]:
    """The checkpoints that verify, newest first, and why the others were refused (each naming
    its file). Raises FileNotFoundError when none verifies."""
    usable: list[Path] = []
    refused: list[str] = []
    for _, path in reversed(list_checkpoints(folder)):
        problem = verify(path)
        if problem is None:
            usable.append(path)
        else:
            refused.append(problem)
    if not usable:
        raise FileNotFoundError("; ".join(refused) or f"{folder}: no checkpoint")
    return usable, refused
