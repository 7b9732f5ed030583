"""The one configuration type for a run.

The CLI, the app's form and the saved `config.json` all go through `RunConfig`; it checks itself
in `__post_init__` and raises `ConfigError` with a sentence that names the field (the CLI turns
that into a one-line error naming the flag).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sst2_tui.core.config_values import ConfigError as ConfigError  # re-exported: one import for every caller
from sst2_tui.core.config_values import format_rate as format_rate
from sst2_tui.core.config_values import parse_rate as parse_rate
from sst2_tui.core.config_values import parse_weight_decay as parse_weight_decay
from sst2_tui.core.errors import UserError, quote
from sst2_tui.core.records import RecordError, record_from_json, record_problem, to_json_value
from sst2_tui.core.sweep_label import SweepLabel
from sst2_tui.core.tracker_names import parse_report_to

METHODS = ("full", "trainer", "lora", "evaluate")
PRECISIONS = ("auto", "fp32", "fp16", "bf16", "fp16-pure")
SCHEDULES = ("constant", "linear", "cosine")
OPTIMIZERS = ("adamw", "sgd")
INITS = ("pretrained", "random")
NONFINITE_POLICIES = ("pause", "skip", "stop")
DEVICES = ("auto", "cpu", "cuda", "mps")
COMPILE_CHOICES = ("off", "on")

# The app's new-run form: which fields, in this order (choices first, then typed fields).
FORM_FIELDS = ("method", "init", "precision", "compile", "model", "data", "text_columns", "label_column", "lr", "eps",
               "batch_size", "epochs",
               "train_subset", "eval_subset", "seed", "lora_r", "lora_alpha", "lora_dropout", "report_to")

# Learning rates of the reference experiment (GPT-2 small on SST-2), and for the tiny demo model,
# which starts from random weights and needs a much larger step to learn in a few hundred steps.
REFERENCE_LR = {"full": 1e-5, "trainer": 1e-5, "lora": 1e-4, "evaluate": 1e-5}
LABEL_NAMES = ("negative", "positive")
"""SST-2's names for labels 0 and 1: a task whose data names nothing else, and every record written
before #48 (which has no names of its own)."""
DEMO_LR = {"full": 5e-4, "trainer": 5e-4, "lora": 3e-3, "evaluate": 1e-3}
# AdamW's own default; `fp16-pure` gets the reference experiment's 1e-4, because 1e-8 is 0 in float16.
DEFAULT_EPS = 1e-8
EXPORTS = ("best", "last", "none")
NOT_SWEPT = frozenset({"notify", "report_to", "tracker_project", "text_columns"})
"""Settings that are never a sweep's axis: one value for every point (a shell command, where the
points report, a pair's two columns), commas and all."""
MAX_SEED = 2**32 - 1  # what every generator we seed accepts (numpy's limit)
MAX_EPOCHS = 1_000_000
FP16_PURE_EPS = 1e-4


def option(default: Any, summary: str, *, choices: tuple[str, ...] | None = None, metavar: str | None = None,
           minimum: int = 1, maximum: int = 10**9, form: str | None = None, placeholder: str | None = None) -> Any:
    """A `RunConfig` field with what the CLI and the app's form need to offer it: the one source of
    each flag's default, help text (`summary`) and choices, and of each form field's label and placeholder.

    `minimum` and `maximum` bound whole numbers (every one has both: a 20-digit value is one line,
    never an overflow deep in torch); `form` is the field's label in the app's new-run form (fields
    without one are CLI only); `placeholder` is shown in an empty form field (default: the default).
    """
    return field(default=default, metadata={"help": summary, "choices": choices, "metavar": metavar, "minimum": minimum, "maximum": maximum,
                                            "form": form, "placeholder": placeholder})


def options() -> list[dataclasses.Field]:
    """The `RunConfig` fields a person sets (flags and form fields), in declaration order."""
    return [f for f in dataclasses.fields(RunConfig) if "help" in f.metadata]


def value_type(option_field: dataclasses.Field) -> type:
    """`int`, `float` or `str`: what a typed value of this field is parsed as (None aside)."""
    names = str(option_field.type).replace(" ", "").split("|")
    return {"int": int, "float": float, "bool": bool}.get(names[0], str)


def flag_for(field_name: str) -> str:
    """The `sst2-tui run` flag of a field: `batch_size` is `--batch-size`."""
    return "--" + field_name.replace("_", "-")


def run_argv(config: RunConfig) -> list[str]:
    """The `sst2-tui run` flags that reproduce `config` (defaults left out)."""
    argv: list[str] = []
    for option in options():
        value = getattr(config, option.name)
        if isinstance(value, bool):
            argv += [flag_for(option.name)] if value else []
        elif value is not None and value != option.default:
            argv += [flag_for(option.name), repr(value) if isinstance(value, float) else str(value)]
    if config.extra:  # the user's labels travel with the run: `--labels JSON`
        argv += ["--labels", json.dumps(config.extra, separators=(",", ":"), sort_keys=True)]
    if config.sweep is not None:  # and so does a sweep point's label
        argv += ["--sweep-label", json.dumps(to_json_value(config.sweep), separators=(",", ":"), sort_keys=True)]
    return argv


def check_data_parallel(config: RunConfig, processes: int) -> None:
    """What a run on `processes` data-parallel processes needs, checked before torchrun starts and
    again by every rank (a hand-started torchrun gets the same one line)."""
    if config.method not in ("full", "lora", "trainer"):
        raise UserError(f"--method {config.method} runs in one process; data-parallel runs are full, lora and trainer")
    if config.batch_size % processes:
        raise UserError(f"--batch-size {config.batch_size} does not split evenly over {processes} processes: "
                        f"use a multiple of {processes}")


def shown_default(option_field: dataclasses.Field) -> str | None:
    """The default as a person reads it (`1`, not `1.0`), or None where there is none."""
    default = option_field.default
    if default is None:
        return None
    return f"{default:g}" if isinstance(default, float) else str(default)


@dataclass(frozen=True)
class ForkLabel:
    """Where a forked run branched off: its parent and the parent's checkpoint it started from."""

    parent: str
    """The parent's run folder name in the same session (`01-full`)."""
    branch_step: int
    """The parent's step whose checkpoint the fork started from: the fork's steps follow it."""
    changed: list[str] = field(default_factory=list)
    """What the fork changed, each as `lr 3e-5 -> 1e-5` (empty: an exact continuation)."""
    applied: dict[str, float] = field(default_factory=dict)
    """The optimizer values set at the branch step (`lr`, `eps`, `weight_decay`): applied as control
    commands whenever the fork starts from its branch checkpoint, on its first start and on a resume
    of a fork killed before it saved a checkpoint of its own."""

    def text(self) -> str:
        changed = f", {', '.join(self.changed)}" if self.changed else ", nothing changed"
        return f"forked from {self.parent} at step {self.branch_step}{changed}"


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides what a run does. Saved as the run's `config.json`."""

    method: str = option("full", "full (hand-written loop), trainer (Hugging Face Trainer), lora, or evaluate only",
                         choices=METHODS, form="method")
    """Which method: `full` (hand-written loop), `trainer` (Hugging Face Trainer), `lora`, or `evaluate`."""
    model: str = option("gpt2", "Hub id, local model folder, or demo", form="model", placeholder="Hub id, model folder or demo")
    """A Hub id, a local model folder, or `demo` (a tiny GPT-2 built locally)."""
    data: str = option("sst2", "sst2 (Hub), a GLUE-style folder, csv/tsv/jsonl/parquet, a saved dataset, or demo",
                       form="data", placeholder="sst2, a folder or file, or demo")
    """`sst2` (Hub), a GLUE-style folder, a csv/tsv/jsonl/parquet file or folder, a saved dataset, or `demo`."""
    text_columns: str | None = option(None, "the data's text column, or two for sentence pairs (default: sentence or "
                                      "text; a pair such as sentence1,sentence2 or premise,hypothesis is recognised)",
                                      metavar="A[,B]", form="text columns", placeholder="recognised (A or A,B)")
    """The column holding the text, or two columns (comma-separated) holding a sentence pair; None: recognised
    (`sentence` or `text`, or a known pair: `sentence1`/`sentence2`, `question`/`sentence`, `premise`/`hypothesis`, ...)."""
    label_column: str | None = option(None, "the data's label column (default: label)", metavar="C", form="label column",
                                      placeholder="label")
    """The column holding each example's label: a class number from 0 or a class name (None: `label`, or
    GLUE's own files' `gold_label`, `is_duplicate` or `Quality`)."""
    validation_split: str | None = option(None, "the split (or a folder's file) that validates, e.g. validation_mismatched "
                                          "or dev_mismatched (default: validation, dev, or MNLI's matched)", metavar="NAME")
    """The validation split of a Hub or saved data set, or the name of a folder's validation file without
    its suffix (None: the first of `validation`, `dev`, `valid`, `val`, `dev_matched`, `validation_matched`)."""
    init: str = option("pretrained", "pretrained weights or random init", choices=INITS, form="init (demo: random)")
    """`pretrained` loads the model's weights; `random` builds the same architecture with fresh weights."""
    train_subset: int | None = option(None, "seeded random subset of N training examples", metavar="N",
                                      form="train subset", placeholder="all")
    """Train on a seeded random subset of this many examples (None: all)."""
    eval_subset: int | None = option(None, "seeded random subset of N validation examples", metavar="N",
                                     form="eval subset", placeholder="all")
    """Evaluate on a seeded random subset of this many validation examples (None: all)."""
    epochs: float = option(1.0, "passes over the training data", metavar="E", form="epochs")
    """Passes over the training data; a fraction trains on part of an epoch."""
    batch_size: int = option(32, "examples per step", metavar="B", form="batch size", maximum=1_000_000)
    """Examples per optimizer step."""
    lr: float | None = option(None, "learning rate (default: 1e-5 full/trainer, 1e-4 lora; demo model: 5e-4 full/trainer, 3e-3 lora)",
                              metavar="LR", form="learning rate", placeholder="default: 1e-5 (lora 1e-4; demo 5e-4, lora 3e-3)")
    """Peak learning rate (None: the method's reference default, see `REFERENCE_LR`)."""
    eps: float | None = option(None, "AdamW eps (default 1e-8; 1e-4 with fp16-pure, where 1e-8 rounds to 0)", metavar="EPS",
                               form="AdamW eps", placeholder="default: 1e-8 (fp16-pure 1e-4)")
    """AdamW's eps (None: 1e-8, or 1e-4 under `fp16-pure` where 1e-8 rounds to zero)."""
    weight_decay: float = option(0.01, "AdamW weight decay", metavar="WD")
    """AdamW weight decay (torch's default)."""
    optimizer: str = option("adamw", "adamw, or sgd (momentum 0.9)", choices=OPTIMIZERS)
    """`adamw` or `sgd` (plain SGD with momentum 0.9)."""
    schedule: str = option("constant", "learning-rate schedule (linear and cosine decay to 0)", choices=SCHEDULES)
    """Learning-rate schedule: `constant`, `linear` decay to 0, or `cosine` decay to 0."""
    precision: str = option("auto", "auto: bf16 autocast on GPUs and CPUs with bf16 instructions, fp16+GradScaler on "
                                    "older GPUs, fp32 elsewhere (sst2-tui doctor says which)",
                            choices=PRECISIONS, form="precision")
    """`auto` (bf16 autocast on GPUs and CPUs with bf16 instructions, fp16 autocast + GradScaler on older GPUs, fp32 elsewhere),
    `fp32`, `fp16`, `bf16`, or `fp16-pure` (the model itself cast to float16)."""
    max_length: int = option(128, "truncate sentences to L tokens", metavar="L", maximum=1_000_000)
    """Longest tokenized sentence; longer ones are truncated."""
    seed: int = option(0, "seeds the data order, dropout and fresh weights", metavar="S", minimum=0, maximum=MAX_SEED,
                       form="seed")
    """Seeds the data order, dropout and fresh weights: what differs from one training run to the next."""
    data_seed: int = option(0, "seeds which examples --train-subset and --eval-subset take and a single file's held-out "
                               "validation share; the same for every --seed, so seeds are scored on the same sentences",
                            metavar="S", minimum=0, maximum=MAX_SEED)
    """Seeds the data itself: the subsets and a single file's held-out share. Independent of `seed`, so runs
    that differ only in `seed` (a sweep's seeds, `--seeds 0,1,2`) train on the same examples and are scored
    on the same validation sentences."""
    eval_every: int | None = option(None, "also evaluate every STEPS steps (always at epoch ends)", metavar="STEPS")
    """Evaluate every this many optimizer steps, besides each epoch end (None: epoch ends only)."""
    save_every: int | None = option(None, "checkpoint every STEPS steps (default: epoch ends and stop)", metavar="STEPS")
    """Write a checkpoint every this many steps (None: at each epoch end and on stop)."""
    lora_r: int = option(8, "LoRA rank", metavar="R", form="LoRA r", maximum=65_536)
    """LoRA rank."""
    lora_alpha: int = option(16, "LoRA scaling numerator: updates are scaled by alpha/r", metavar="ALPHA",
                             form="LoRA alpha")
    """LoRA scaling numerator (the update is scaled by alpha / r)."""
    lora_dropout: float = option(0.05, "dropout on the LoRA branch, in [0, 1)", metavar="P", form="LoRA dropout")
    """Dropout on the LoRA branch."""
    lora_targets: str = option("auto", "modules LoRA wraps: auto (peft's choice; GPT-2: c_attn) or NAME,...",
                               metavar="auto|NAME,...")
    """`auto` (peft's choice for the architecture; GPT-2: `c_attn`) or comma-separated module names."""
    nonfinite: str = option("pause", "on NaN/Inf: pause for a fix (a foreground `run`: stop with the diagnosis), skip the step, or stop",
                            choices=NONFINITE_POLICIES)
    """On a NaN/Inf loss or gradient: `pause` (with a diagnosis and fixes; it waits for one in a run
    started by the app, the queue or --detach, and stops in a foreground `run`), `skip` the step, or `stop`."""
    device: str = option("auto", "where to train", choices=DEVICES)
    """`auto`, `cpu`, `cuda` or `mps`."""
    eval_batch_size: int | None = option(None, "evaluation batch size (default 4x --batch-size)", metavar="B")
    """Examples per evaluation batch (None: 4x the training batch; evaluation keeps no gradients)."""
    log_every: int | None = option(None, "read the loss from the device every STEPS steps (default: 1 CPU, 25 GPU)",
                                   metavar="STEPS")
    """Read loss values back from the device every this many steps (None: 1 on CPU, 25 on a GPU).
    Reading a value from a GPU is a sync point that stalls the pipeline, so it is never done per step."""
    keep_checkpoints: int = option(2, "newest checkpoints to keep; the best one is kept too", metavar="N")
    """How many of the newest checkpoints to keep (the best one is kept as well)."""
    compile: str = option("off", "on: torch.compile the training step (CUDA graphs on a GPU; one-time compile, then faster)",
                          choices=COMPILE_CHOICES, form="compile")
    """`on`: the training step runs through torch.compile (CUDA graphs on a GPU), batches padded to a
    multiple of 8 tokens; a one-time compile of tens of seconds pays back on long GPU runs. `off`: eager."""
    export: str = option("best", "after the run, RUN_DIR/model (lora: RUN_DIR/adapter) holds the best "
                         "validation step's model, the last step's, or none", choices=EXPORTS)
    """`best`: a Hugging Face model folder (lora: a peft adapter) of the best validation step, rewritten
    at each new best; `last`: of the last step, written at the end; `none`: nothing beyond checkpoints."""
    merge: bool = option(False, "lora: also write RUN_DIR/model, the adapter merged into its base")
    """For `lora`: besides `adapter/`, a full `model/` with the adapter folded into the base weights."""
    patience: int | None = option(None, "early stopping: stop after N evaluations without a better validation "
                                  "accuracy", metavar="N")
    """Stop (status finished, stop reason `early_stop`) after this many evaluations without a better accuracy."""
    notify: str | None = option(None, "a shell command run when the run needs you (finished, paused at a NaN or for a full "
                                "disk, failed, died), with the event as one JSON line on stdin", metavar="CMD")
    """E.g. `curl -s -H 'Content-Type: application/json' -d @- $SLACK_WEBHOOK`. Run in the background,
    never waited for: a slow or failing hook never stalls or fails the run. Never changes training."""
    report_to: str | None = option(None, "also report the run to trackers: tensorboard, mlflow, trackio (a comma list; "
                                   "each a pip extra, e.g. pip install 'sst2-tui[mlflow]')", metavar="NAME,...",
                                   form="report to", placeholder="none (tensorboard, mlflow, trackio)")
    """Trackers the run reports to as it trains (`core/trackers/`): TensorBoard (event files in the run
    folder), MLflow (`$MLFLOW_TRACKING_URI`), trackio. Never changes training; a failing tracker is
    said once and left out."""
    tracker_project: str | None = option(None, "the MLflow experiment and trackio project (default: "
                                         "$MLFLOW_EXPERIMENT_NAME for MLflow, else the session's name)", metavar="NAME")
    """Where the trackers file the run: MLflow's experiment, trackio's project (None: the session's name)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form labels carried into reports (`--labels JSON`, the user's own: an open mapping); never
    changes training."""
    sweep: SweepLabel | None = None
    """Which point of which sweep this run is (the grid sets it; None for an ordinary run); never
    changes training. Not a flag a person sets (it travels as `--sweep-label`)."""
    fork: ForkLabel | None = None
    """The run this one was forked from and at which step (`sst2-tui fork`; None for an ordinary run).
    Not a flag: `fork` sets it."""

    def __post_init__(self) -> None:
        for option_field in options():  # one type (and, for whole numbers, range) check for every field
            self._check_type(option_field)
            if value_type(option_field) is int:
                self._check_whole(option_field)
        self._check_choice("method", METHODS)
        self._check_choice("precision", PRECISIONS)
        self._check_choice("schedule", SCHEDULES)
        self._check_choice("optimizer", OPTIMIZERS)
        self._check_choice("init", INITS)
        self._check_choice("nonfinite", NONFINITE_POLICIES)
        self._check_choice("device", DEVICES)
        self._check_choice("compile", COMPILE_CHOICES)
        self._check_choice("export", EXPORTS)
        if self.merge not in (True, False):
            raise ConfigError("merge", f"merge must be true or false, not {quote(self.merge)}")
        if self.merge and self.method != "lora":
            raise ConfigError("merge", "--merge folds a LoRA adapter into its base: it applies to --method lora only")
        if not self.model.strip():
            raise ConfigError("model", "model is empty; give a Hub id, a local folder or `demo`")
        if not self.data.strip():
            raise ConfigError("data", "data is empty; give `sst2`, a local file or folder, or `demo`")
        if not (isinstance(self.epochs, int | float) and not isinstance(self.epochs, bool) and math.isfinite(self.epochs)
                and 0 < self.epochs <= MAX_EPOCHS):
            raise ConfigError("epochs", f"epochs must be a number greater than 0 and at most {MAX_EPOCHS:,}, "
                                        f"not {quote(self.epochs)}")
        for name, what in (("lr", "learning rate"), ("eps", "eps")):
            value = getattr(self, name)
            if value is not None:
                try:
                    parse_rate(value, what)
                except ValueError as error:
                    raise ConfigError(name, str(error)) from None
        if not 0 <= self.lora_dropout < 1:
            raise ConfigError("lora_dropout", f"lora_dropout must be in [0, 1), not {quote(self.lora_dropout)}")
        if not 0 <= self.weight_decay < 1:
            raise ConfigError("weight_decay", f"weight_decay must be in [0, 1), not {quote(self.weight_decay)}")
        if self.method == "trainer" and self.nonfinite == "skip":
            raise ConfigError("nonfinite", "Trainer applies every update and cannot skip a step; "
                                           "use nonfinite pause or stop, or method full")
        if self.report_to is not None:
            try:
                parse_report_to(self.report_to)
            except ValueError as error:
                raise ConfigError("report_to", str(error)) from None
        if self.tracker_project is not None and not self.tracker_project.strip():
            raise ConfigError("tracker_project", "tracker_project is empty; give a name, or leave it out for the session's")
        if self.text_columns is not None:
            names = [name.strip() for name in self.text_columns.split(",")]
            if not 1 <= len(names) <= 2 or not all(names) or len(set(names)) != len(names):
                raise ConfigError("text_columns", f"text_columns must name one column or two different ones (A or A,B), "
                                                  f"not {quote(self.text_columns)}")
        if self.label_column is not None and (not self.label_column.strip() or "," in self.label_column):
            raise ConfigError("label_column", f"label_column must name one column, not {quote(self.label_column)}")
        if self.validation_split is not None and (not self.validation_split.strip() or "/" in self.validation_split):
            raise ConfigError("validation_split", "validation_split must name a split or a file in the data's folder "
                                                  f"(no path), not {quote(self.validation_split)}")
        if not self.lora_targets.strip():
            raise ConfigError("lora_targets", "lora_targets is empty; use `auto` or module names such as c_attn")

    def _check_type(self, option_field: dataclasses.Field) -> None:
        """Text fields hold text, number fields finite numbers (a queue item or config.json may hold
        anything: `"model": 5` once crashed the queue runner)."""
        name, value, kind = option_field.name, getattr(self, option_field.name), value_type(option_field)
        if value is None and option_field.default is None:
            return
        if kind is str and not isinstance(value, str):
            raise ConfigError(name, f"{name} must be text, not {quote(value)}")
        if kind is str and (bad := next((ch for ch in value if not ch.isprintable()), None)) is not None:
            raise ConfigError(name, f"{name} holds a control character ({bad!r}); give it on one line, "
                                    "without tabs, newlines or other control characters")
        if kind is float and name not in ("lr", "eps") and (
                isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)):
            raise ConfigError(name, f"{name} must be a finite number, not {quote(value)}")

    def _check_whole(self, option_field: dataclasses.Field) -> None:
        name, value = option_field.name, getattr(self, option_field.name)
        if value is None and option_field.default is None:
            return  # an optional setting left to its default
        low, high = option_field.metadata["minimum"], option_field.metadata["maximum"]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(name, f"{name} must be a whole number from {low:,} to {high:,}, not {quote(value)}")

    def _check_choice(self, name: str, choices: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if value not in choices:
            raise ConfigError(name, f"{name} must be one of {', '.join(choices)}; got {quote(value)}")

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

    @property
    def lr_value(self) -> float:
        """The learning rate it trains with: `lr`, or the method's default."""
        return float(self.resolved().lr or 0.0)

    @property
    def eps_value(self) -> float:
        """The AdamW eps it trains with: `eps`, or the precision's default."""
        return float(self.resolved().eps or 0.0)

    @property
    def eval_batch_size_value(self) -> int:
        """The evaluation batch size: `eval_batch_size`, or 4x the batch size."""
        return self.eval_batch_size or self.batch_size * 4

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Build from saved JSON, ignoring keys written by a newer version. A config written before
        `data_seed` existed chose its subsets with `seed`: it keeps doing so (its checkpoints need it)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "data_seed" not in data and "seed" in data:
            values["data_seed"] = data["seed"]
        extra = values.get("extra")
        if values.get("sweep") is None and isinstance(extra, Mapping) and "sweep" in extra:
            # before the label was a field, it rode in `extra` (config.json, queue.json, sweep.json of older sweeps)
            values["sweep"], values["extra"] = extra["sweep"], {k: v for k, v in extra.items() if k != "sweep"}
        if isinstance(values.get("fork"), Mapping):
            try:
                values["fork"] = record_from_json(ForkLabel, values["fork"])
            except RecordError as error:
                raise ValueError(f"fork: {error}") from None
        if isinstance(values.get("sweep"), Mapping):
            try:
                values["sweep"] = record_from_json(SweepLabel, values["sweep"])
            except RecordError as error:
                raise ValueError(f"sweep: {error}") from None
        return cls(**values)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RunConfig:
        """As saved in a file (config.json, a `run_started` event): RecordError naming what does not fit."""
        if (problem := record_problem(cls, data)) is not None:
            raise RecordError(problem)
        try:
            return cls.from_dict(dict(data))
        except (TypeError, ValueError) as error:
            raise RecordError(str(error)) from None

    def replace(self, **changes: Any) -> RunConfig:
        return dataclasses.replace(self, **changes)
