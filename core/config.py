"""The one configuration type for a run.

The CLI, the app's form and the saved `config.json` all go through `RunConfig`; it checks itself
in `__post_init__` and raises `ConfigError` with a sentence that names the field (the CLI turns
that into a one-line error naming the flag).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from core.errors import UserError

METHODS = ("full", "trainer", "lora", "evaluate")
PRECISIONS = ("auto", "fp32", "fp16", "bf16", "fp16-pure")
SCHEDULES = ("constant", "linear", "cosine")
OPTIMIZERS = ("adamw", "sgd")
INITS = ("pretrained", "random")
NONFINITE_POLICIES = ("pause", "skip", "stop")
DEVICES = ("auto", "cpu", "cuda", "mps")
COMPILE_CHOICES = ("off", "on")

# Learning rates of the reference experiment (GPT-2 small on SST-2), and for the tiny demo model,
# which starts from random weights and needs a much larger step to learn in a few hundred steps.
REFERENCE_LR = {"full": 1e-5, "trainer": 1e-5, "lora": 1e-4, "evaluate": 1e-5}
DEMO_LR = {"full": 1e-3, "trainer": 1e-3, "lora": 3e-3, "evaluate": 1e-3}
# AdamW's own default; `fp16-pure` gets the reference experiment's 1e-4, because 1e-8 is 0 in float16.
DEFAULT_EPS = 1e-8
FP16_PURE_EPS = 1e-4


class ConfigError(UserError, ValueError):
    """A configuration value is out of range; `field` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def parse_rate(text: str | float, what: str = "learning rate") -> float:
    """Parse a learning rate or eps typed by a person: finite, > 0 and <= 1, spaces trimmed."""
    if isinstance(text, str):
        stripped = text.strip()
        if not stripped:
            raise ValueError(f"{what} is empty; type a number such as 2e-5")
        try:
            value = float(stripped)
        except ValueError:
            raise ValueError(f"{what} {stripped!r} is not a number; type one such as 2e-5") from None
    else:
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value}")
    if value <= 0:
        raise ValueError(f"{what} must be greater than 0, not {value:g}")
    if value > 1:
        raise ValueError(f"{what} must be at most 1, not {value:g}")
    return value


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides what a run does. Saved as the run's `config.json`."""

    method: str = "full"
    """Which method: `full` (hand-written loop), `trainer` (Hugging Face Trainer), `lora`, or `evaluate`."""
    model: str = "gpt2"
    """A Hub id, a local model folder, or `demo` (a tiny GPT-2 built locally)."""
    data: str = "sst2"
    """`sst2` (Hub), a GLUE-style folder, a csv/tsv/jsonl/parquet file or folder, a saved dataset, or `demo`."""
    init: str = "pretrained"
    """`pretrained` loads the model's weights; `random` builds the same architecture with fresh weights."""
    train_subset: int | None = None
    """Train on a seeded random subset of this many examples (None: all)."""
    eval_subset: int | None = None
    """Evaluate on a seeded random subset of this many validation examples (None: all)."""
    epochs: float = 1.0
    """Passes over the training data; a fraction trains on part of an epoch."""
    batch_size: int = 32
    """Examples per optimizer step."""
    lr: float | None = None
    """Peak learning rate (None: the method's reference default, see `REFERENCE_LR`)."""
    eps: float | None = None
    """AdamW's eps (None: 1e-8, or 1e-4 under `fp16-pure` where 1e-8 rounds to zero)."""
    weight_decay: float = 0.01
    """AdamW weight decay (torch's default)."""
    optimizer: str = "adamw"
    """`adamw` or `sgd` (plain SGD with momentum 0.9)."""
    schedule: str = "constant"
    """Learning-rate schedule: `constant`, `linear` decay to 0, or `cosine` decay to 0."""
    precision: str = "auto"
    """`auto` (bf16 autocast where supported, fp16 autocast + GradScaler on older GPUs, fp32 on CPU),
    `fp32`, `fp16`, `bf16`, or `fp16-pure` (the model itself cast to float16)."""
    max_length: int = 128
    """Longest tokenized sentence; longer ones are truncated."""
    seed: int = 0
    """Seeds the subsets, the data order, dropout and fresh weights."""
    eval_every: int | None = None
    """Evaluate every this many optimizer steps, besides each epoch end (None: epoch ends only)."""
    save_every: int | None = None
    """Write a checkpoint every this many steps (None: at each epoch end and on stop)."""
    lora_r: int = 8
    """LoRA rank."""
    lora_alpha: int = 16
    """LoRA scaling numerator (the update is scaled by alpha / r)."""
    lora_dropout: float = 0.05
    """Dropout on the LoRA branch."""
    lora_targets: str = "auto"
    """`auto` (peft's choice for the architecture; GPT-2: `c_attn`) or comma-separated module names."""
    nonfinite: str = "pause"
    """On a NaN/Inf loss or gradient: `pause` (with a diagnosis and fixes), `skip` the step, or `stop`."""
    device: str = "auto"
    """`auto`, `cpu`, `cuda` or `mps`."""
    eval_batch_size: int | None = None
    """Examples per evaluation batch (None: 4x the training batch; evaluation keeps no gradients)."""
    log_every: int | None = None
    """Read loss values back from the device every this many steps (None: 1 on CPU, 25 on a GPU).
    Reading a value from a GPU is a sync point that stalls the pipeline, so it is never done per step."""
    keep_checkpoints: int = 2
    """How many of the newest checkpoints to keep (the best one is kept as well)."""
    compile: str = "off"
    """`on`: the training step runs through torch.compile (CUDA graphs on a GPU), batches padded to a
    multiple of 8 tokens; a one-time compile of tens of seconds pays back on long GPU runs. `off`: eager."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form labels carried into reports (e.g. a repeat group); never changes training."""

    def __post_init__(self) -> None:
        self._check_choice("method", METHODS)
        self._check_choice("precision", PRECISIONS)
        self._check_choice("schedule", SCHEDULES)
        self._check_choice("optimizer", OPTIMIZERS)
        self._check_choice("init", INITS)
        self._check_choice("nonfinite", NONFINITE_POLICIES)
        self._check_choice("device", DEVICES)
        self._check_choice("compile", COMPILE_CHOICES)
        if not self.model.strip():
            raise ConfigError("model", "model is empty; give a Hub id, a local folder or `demo`")
        if not self.data.strip():
            raise ConfigError("data", "data is empty; give `sst2`, a local file or folder, or `demo`")
        for name in ("train_subset", "eval_subset", "eval_every", "save_every", "eval_batch_size", "log_every"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(name, f"{name} must be a whole number of at least 1, not {value!r}")
        for name in ("batch_size", "max_length", "lora_r", "lora_alpha", "keep_checkpoints"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(name, f"{name} must be a whole number of at least 1, not {value!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("seed", f"seed must be a whole number of at least 0, not {self.seed!r}")
        if not (isinstance(self.epochs, int | float) and math.isfinite(self.epochs) and self.epochs > 0):
            raise ConfigError("epochs", f"epochs must be a number greater than 0, not {self.epochs!r}")
        for name, what in (("lr", "learning rate"), ("eps", "eps")):
            value = getattr(self, name)
            if value is not None:
                try:
                    parse_rate(value, what)
                except ValueError as error:
                    raise ConfigError(name, str(error)) from None
        if not 0 <= self.lora_dropout < 1:
            raise ConfigError("lora_dropout", f"lora_dropout must be in [0, 1), not {self.lora_dropout!r}")
        if not 0 <= self.weight_decay < 1:
            raise ConfigError("weight_decay", f"weight_decay must be in [0, 1), not {self.weight_decay!r}")
        if self.method == "trainer" and self.nonfinite == "skip":
            raise ConfigError("nonfinite", "Trainer applies every update and cannot skip a step; "
                                           "use nonfinite pause or stop, or method full")
        if not self.lora_targets.strip():
            raise ConfigError("lora_targets", "lora_targets is empty; use `auto` or module names such as c_attn")

    def _check_choice(self, name: str, choices: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if value not in choices:
            raise ConfigError(name, f"{name} must be one of {', '.join(choices)}; got {value!r}")

    # Derived values -----------------------------------------------------------------------------

    @property
    def is_demo_model(self) -> bool:
        return self.model == "demo"

    def resolved(self) -> RunConfig:
        """The same config with every `None` default filled in, as saved with the run."""
        lr = self.lr
        if lr is None:
            lr = (DEMO_LR if self.is_demo_model else REFERENCE_LR)[self.method]
        eps = self.eps
        if eps is None:
            eps = FP16_PURE_EPS if self.precision == "fp16-pure" else DEFAULT_EPS
        eval_batch_size = self.eval_batch_size or self.batch_size * 4
        init = "random" if self.is_demo_model else self.init  # the demo model has no pretrained weights
        return dataclasses.replace(self, lr=lr, eps=eps, eval_batch_size=eval_batch_size, init=init)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Build from saved JSON, ignoring keys written by a newer version."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def replace(self, **changes: Any) -> RunConfig:
        return dataclasses.replace(self, **changes)
