"""The `run` flags and their translation into a `RunConfig` (the one place flags meet fields)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.config import COMPILE_CHOICES, DEVICES, INITS, METHODS, NONFINITE_POLICIES, OPTIMIZERS, PRECISIONS, SCHEDULES, RunConfig


def _int_at_least(minimum: int):
    """An argparse type: a whole number of at least `minimum`, refused with the reason otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers, e.g. 0,1,2") from None
    if not seeds or any(s < 0 for s in seeds):
        raise argparse.ArgumentTypeError(f"{text!r}: give seeds of at least 0, e.g. 0,1,2")
    return seeds


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    a = parser.add_argument
    a("--method", choices=METHODS, default="full", help="full | trainer | lora | evaluate (default full)")
    a("--model", default="gpt2", help="Hub id, local model folder, or demo (default gpt2)")
    a("--data", default="sst2", help="sst2 (Hub), a GLUE-style folder, csv/tsv/jsonl/parquet, a saved dataset, or demo")
    a("--init", choices=INITS, default="pretrained", help="pretrained weights or random init (default pretrained)")
    a("--train-subset", type=_positive_int, metavar="N", help="seeded random subset of N training examples")
    a("--eval-subset", type=_positive_int, metavar="N", help="seeded random subset of N validation examples")
    a("--epochs", type=_number, default=1.0, metavar="E", help="passes over the training data (default 1)")
    a("--batch-size", type=_positive_int, default=32, metavar="B", help="examples per step (default 32)")
    a("--lr", type=_number, metavar="LR", help="learning rate (default: 1e-5 full/trainer, 1e-4 lora; demo: 1e-3/3e-3)")
    a("--eps", type=_number, metavar="EPS", help="AdamW eps (default 1e-8; 1e-4 with fp16-pure)")
    a("--weight-decay", type=_number, default=0.01, metavar="WD", help="AdamW weight decay (default 0.01)")
    a("--optimizer", choices=OPTIMIZERS, default="adamw")
    a("--schedule", choices=SCHEDULES, default="constant")
    a("--precision", choices=PRECISIONS, default="auto",
      help="auto: bf16 autocast where supported, fp16+GradScaler on older GPUs, fp32 on CPU")
    a("--max-length", type=_positive_int, default=128, metavar="L", help="truncate sentences to L tokens (default 128)")
    a("--seed", type=_non_negative_int, default=0, metavar="S")
    a("--seeds", type=_seeds, metavar="S,S,...", help="repeat the run once per seed in the same session, e.g. 0,1,2")
    a("--eval-every", type=_positive_int, metavar="STEPS", help="also evaluate every STEPS steps (always at epoch ends)")
    a("--save-every", type=_positive_int, metavar="STEPS", help="checkpoint every STEPS steps (default: epoch ends and stop)")
    a("--log-every", type=_positive_int, metavar="STEPS", help="read the loss from the device every STEPS steps (default: 1 CPU, 25 GPU)")
    a("--eval-batch-size", type=_positive_int, metavar="B", help="evaluation batch size (default 4x --batch-size)")
    a("--lora-r", type=_positive_int, default=8)
    a("--lora-alpha", type=_positive_int, default=16)
    a("--lora-dropout", type=_number, default=0.05)
    a("--lora-targets", default="auto", metavar="auto|NAME,...")
    a("--nonfinite", choices=NONFINITE_POLICIES, default="pause",
      help="on NaN/Inf: pause (headless: stop with the diagnosis), skip the step, or stop")
    a("--device", choices=DEVICES, default="auto")
    a("--compile", choices=COMPILE_CHOICES, default="off",
      help="on: torch.compile the training step (CUDA graphs on a GPU; one-time compile, then faster)")
    a("--session", metavar="NAME", help="session folder name (default: timestamp and a short slug)")
    a("--sessions-dir", type=Path, dest="run_sessions_dir", metavar="DIR",
      help="where sessions are stored (default: $SST2_TUI_SESSIONS or ./sessions)")
    a("--resume", type=Path, metavar="RUN_DIR", help="continue an interrupted full/lora run from its newest complete checkpoint")
    a("--quiet", action="store_true", help="no progress bar")


FLAG_OF_FIELD = {"lr": "--lr", "eps": "--eps"}


def flag_for(field_name: str) -> str:
    return FLAG_OF_FIELD.get(field_name, "--" + field_name.replace("_", "-"))


def config_from_args(args: argparse.Namespace, seed: int | None = None) -> RunConfig:
    return RunConfig(
        method=args.method, model=args.model, data=args.data, init=args.init, train_subset=args.train_subset,
        eval_subset=args.eval_subset, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, eps=args.eps,
        weight_decay=args.weight_decay, optimizer=args.optimizer, schedule=args.schedule, precision=args.precision,
        max_length=args.max_length, seed=args.seed if seed is None else seed, eval_every=args.eval_every,
        save_every=args.save_every, lora_r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
        lora_targets=args.lora_targets, nonfinite=args.nonfinite, device=args.device,
        eval_batch_size=args.eval_batch_size, log_every=args.log_every, compile=args.compile,
    )
