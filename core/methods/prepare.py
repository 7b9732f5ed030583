"""Everything a method needs before its first step, built the same way for every method.

Order matters for the user: the data is validated before the (slow) model load, so a typo in a
data file fails in a second, not after a minute of loading weights.
"""

from __future__ import annotations

import dataclasses
import math
import platform
import random
from dataclasses import dataclass, field
from pathlib import Path

import torch

from sst2_tui.core.config import RunConfig, check_data_parallel
from sst2_tui.core.data.batching import Encoded, encode, mega_batch_factor
from sst2_tui.core.data.files import DataChoice
from sst2_tui.core.data.loading import load_splits
from sst2_tui.core.data.split import Splits
from sst2_tui.core.events import RunStarted, Setting
from sst2_tui.core.model.device import DeviceInfo, PrecisionPlan, detect, plan_precision, torch_device
from sst2_tui.core.model.loading import LoadedModel, load_model, lora_target_names, parameter_counts, wrap_lora
from sst2_tui.core.parallel.world import World, current


def library_versions() -> dict[str, str]:
    from importlib import metadata

    from sst2_tui import __version__

    found = {"sst2-tui": __version__, "python": platform.python_version(), "torch": torch.__version__}
    for name in ("transformers", "peft", "datasets", "accelerate", "textual"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


@dataclass
class Prepared:
    config: RunConfig
    """The resolved config (no `None` defaults left)."""
    run_dir: Path
    """The run's folder; checkpoints go to its `checkpoints/`."""
    device: DeviceInfo
    plan: PrecisionPlan
    splits: Splits
    train: Encoded
    validation: Encoded
    loaded: LoadedModel
    steps_per_epoch: int
    total_steps: int
    effective: dict[str, Setting] = field(default_factory=dict)
    """Settings that actually apply, including the libraries' hidden defaults."""
    warnings: list[str] = field(default_factory=list)
    """What the user should know before the first step (e.g. training data of a single class)."""
    world: World = field(default_factory=World)
    """The data-parallel processes this one trains with (one process unless under torchrun)."""

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    @property
    def model(self) -> torch.nn.Module:
        return self.loaded.model

    @property
    def torch_device(self) -> torch.device:
        return torch_device(self.device)

    def run_started(self) -> RunStarted:
        trainable, total = parameter_counts(self.model)
        return RunStarted(
            run_id=self.run_id, method=self.config.method, config=self.config, effective=self.effective,
            device=self.device, precision=self.plan.name, trainable_params=trainable, total_params=total,
            versions=library_versions(), train_examples=len(self.train), eval_examples=len(self.validation),
            total_steps=self.total_steps, steps_per_epoch=self.steps_per_epoch,
            label_names=list(self.splits.label_set.names), text_columns=list(self.splits.text_columns),
        )


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def seed_step(seed: int, rank: int, step: int) -> None:
    """Before each optimizer step: the random numbers of step `step` on rank `rank` (dropout) depend
    on nothing else. A resumed run then repeats the uninterrupted one on every rank, without each
    rank's generator state in the checkpoint (a data-parallel resume once differed in 277 of 378
    logged values: rank 1 restarted its generator from the seed). Host-side only: no sync."""
    torch.manual_seed((seed * 1_000_003 + step) * 1_009 + rank)


def prepare(config: RunConfig, run_dir: Path, *, lora: bool = False) -> Prepared:
    config = config.resolved()
    world = current()
    if world.parallel:
        check_data_parallel(config, world.size)
    seed_everything(config.seed)
    device = detect(config.device)
    if world.parallel:
        device = dataclasses.replace(device, world_size=world.size, backend=world.backend)
    plan = plan_precision(config.precision, device)
    splits = load_splits(config.data, seed=config.data_seed, train_subset=config.train_subset, eval_subset=config.eval_subset,
                         columns=DataChoice.of(config.text_columns, config.label_column,
                                                 config.validation_split))
    loaded = load_model(config, labels=splits.label_set)
    # Saved with the model (config.json) and an adapter's base record: `predict` knows it reads pairs.
    setattr(loaded.model.config, "sst2_tui_text_columns", list(splits.text_columns))  # noqa: B010 - a config's own attribute
    if lora:
        loaded.model = wrap_lora(loaded.model, config)
    target = torch_device(device)
    loaded.model.to(device=target, dtype=plan.param_dtype)
    if device.kind == "cpu" and plan.param_dtype == torch.float16:
        from sst2_tui.core.model.cpu_half import float32_gemms_for_cpu_half

        float32_gemms_for_cpu_half(loaded.model)
    if device.kind == "cuda":
        # TF32 matmuls for whatever still runs in float32 (Ampere and later); same accuracy class as bf16 autocast.
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    train = encode(loaded.tokenizer, splits.train.texts, splits.train.labels, config.max_length, splits.train.pairs)
    validation = encode(loaded.tokenizer, splits.validation.texts, splits.validation.labels, config.max_length,
                        splits.validation.pairs)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total_steps = 0 if config.method == "evaluate" else max(1, math.ceil(config.epochs * steps_per_epoch))
    effective: dict[str, Setting] = {
        "batching": f"length-grouped (shuffled mega-batches of {mega_batch_factor(len(train), config.batch_size)} batches, sorted inside)",
        "padding": "per batch, to the longest sentence",
        "max_grad_norm": None,
        "weight_decay": config.weight_decay,
        "warmup_steps": 0,
        "gradient_accumulation_steps": 1,
        "drop_last": False,
        "checkpoints": f"every {config.save_every} steps" if config.save_every else "each epoch end and on stop",
        "precision": plan.describe(),
        "model_mode": "model.train() during steps, model.eval() for evaluation",
        "eval_batch_size": config.eval_batch_size,
    }
    if splits.note:
        effective["data_note"] = splits.note
    if loaded.note:
        effective["model_note"] = loaded.note
    if loaded.fused_gelu:
        effective["activation"] = f"gelu_new computed by PyTorch's one-kernel tanh GELU (same formula; {loaded.fused_gelu} modules)"
    effective["attention_mask"] = ("padding mask" if loaded.attention_mask else
                                   "none: causal attention on right-padded batches never sees padding (same result)")
    if lora:
        effective["lora_targets"] = ",".join(lora_target_names(loaded.model))
    if world.parallel:
        effective["data_parallel"] = (
            f"{world.size} processes ({world.backend}, DistributedDataParallel): each takes {config.batch_size // world.size} "
            f"of every batch of {config.batch_size}, gradients averaged; rank 0 alone reads commands, evaluates and saves")
    return Prepared(config, run_dir, device, plan, splits, train, validation, loaded, steps_per_epoch, total_steps, effective,
                    data_warnings(splits), world)


def data_warnings(splits: Splits) -> list[str]:
    names = splits.label_set
    classes = sorted(set(splits.train.labels))
    if len(classes) == 1:
        name = names.name(int(classes[0]))
        other = "the other class" if len(names) == 2 else "the other classes"
        return [f"all {len(splits.train)} training examples of {splits.train.source} are labelled {classes[0]} ({name}): "
                f"the model can only learn to answer {name}; add examples of {other}"]
    missing = [names.name(k) for k in range(len(names)) if k not in set(classes)]
    if missing:
        return [f"no training example of {splits.train.source} is labelled {', '.join(missing[:6])}: the model cannot "
                "learn to answer it; add examples (or a bigger --train-subset)"]
    return []
