"""The `run` flags, built from `RunConfig`'s fields (their defaults, help texts and choices), and
their translation back into a `RunConfig`. Only the flags that are not run settings live here."""

from __future__ import annotations

import argparse
from pathlib import Path

from sst2_tui.core.config import RunConfig, flag_for, options, shown_default, value_type
from sst2_tui.core.errors import UserError, quote
from sst2_tui.core.storage.paths import folder_path
from sst2_tui.core.sweep_label import SweepLabel


def _int_at_least(minimum: int, maximum: int = 10**9):
    """An argparse type: a whole number from `minimum` to `maximum`, refused with the reason otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{quote(text)} is not a whole number") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from {minimum:,} to {maximum:,}, not {quote(value, 30)}")
        return value

    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{quote(text)} is not a number") from None


def _seeds(text: str) -> list[int]:
    from sst2_tui.core.text.seeds import parse_seeds

    try:
        return parse_seeds(text, "--seeds")
    except UserError as error:  # argparse prefixes its own usage line and the flag
        raise argparse.ArgumentTypeError(str(error).removeprefix("--seeds ")) from None


def _labels(text: str) -> dict:
    from sst2_tui.core.text.json_text import parse_json

    try:
        value = parse_json(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or len(text) > 10_000:
        raise argparse.ArgumentTypeError(f"{quote(text, 60)} is not a JSON object (at most 10,000 characters)")
    return value


def _sweep_label(text: str) -> SweepLabel:
    from sst2_tui.core.records import RecordError, record_from_json

    data = _labels(text)
    try:
        return record_from_json(SweepLabel, data)
    except RecordError as error:
        raise argparse.ArgumentTypeError(f"{quote(text, 60)}: {error}") from None


def _processes(text: str) -> int | str:
    if text == "gpu":
        return text
    return _int_at_least(1)(text)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    for option in options():
        meta, kind = option.metadata, value_type(option)
        shown = shown_default(option)
        help_text = meta["help"] + ("" if shown is None or kind is bool else f" (default {shown})")
        kwargs: dict = {"default": option.default, "help": help_text, "dest": option.name}
        if kind is bool:
            kwargs["action"] = "store_true"
        elif meta["choices"]:
            kwargs["choices"] = meta["choices"]
        elif kind is int:
            kwargs.update(type=_int_at_least(meta["minimum"], meta["maximum"]), metavar=meta["metavar"])
        elif kind is float:
            kwargs.update(type=_number, metavar=meta["metavar"])
        else:
            kwargs["metavar"] = meta["metavar"]
        parser.add_argument(flag_for(option.name), **kwargs)
    a = parser.add_argument
    add_config_arguments(parser, "run")
    a("--labels", type=_labels, default=None, metavar="JSON",
      help="a JSON object of your own labels carried into reports (never changes training)")
    a("--seeds", type=_seeds, metavar="S,S,...", help="repeat the run once per seed in the same session, e.g. 0,1,2")
    a("--session", metavar="NAME", help="session folder name (default: timestamp and a short slug)")
    a("--sessions-dir", type=folder_path, dest="run_sessions_dir", metavar="DIR",
      help="where sessions are stored (default: $SST2_TUI_SESSIONS; else ./sessions if the current folder has one; "
           "else the per-user data folder, e.g. ~/.local/share/sst2-tui/sessions)")
    a("--resume", type=folder_path, metavar="RUN_DIR",
      help="continue an interrupted or stopped full, lora or trainer run from its newest complete checkpoint")
    a("--from-scratch", action="store_true",
      help="with --resume: start a run that was stopped before its first checkpoint again from step 0, in its folder")
    a("--quiet", action="store_true", help="no progress bar")
    a("--verbose", action="store_true", help="also the libraries' own output: transformers' loading bars and load report, "
                                             "deprecation warnings")
    a("--detach", action="store_true",
      help="train in the background, away from this terminal: print {run_dir, session_dir, pid} and return")
    parallel = parser.add_argument_group("data-parallel (torchrun)")
    p = parallel.add_argument
    p("--nproc-per-node", type=_processes, metavar="N|gpu",
      help="train on N processes of this machine through torchrun (gpu: one per visible GPU); full, lora and trainer; "
           "--batch-size stays the global batch")
    p("--nnodes", type=_int_at_least(1, 100_000), default=1, metavar="M", help="machines taking part (default 1); with --node-rank "
      "and --rdzv-endpoint")
    p("--node-rank", type=_int_at_least(0, 100_000), default=0, metavar="R", help="this machine's number, 0 to M-1 (default 0)")
    p("--rdzv-endpoint", metavar="HOST:PORT", help="where the machines meet: node 0's address and a free port")
    # Set on every run started away from a terminal (--detach, the app, the queue runner): someone
    # may attach later, so a NaN pause waits for a fix (`sst2-tui attach`, or `ctl`) instead of
    # stopping as a foreground run does, where no one can press a key.
    a("--attachable", action="store_true", help=argparse.SUPPRESS)
    # A sweep point's label, as the queue runner, a SLURM task and --print-commands pass it.
    a("--sweep-label", type=_sweep_label, default=None, help=argparse.SUPPRESS)


def config_from_args(args: argparse.Namespace, seed: int | None = None) -> RunConfig:
    values = {option.name: getattr(args, option.name) for option in options()}
    if seed is not None:
        values["seed"] = seed
    return RunConfig(**values, extra=getattr(args, "labels", None) or {}, sweep=getattr(args, "sweep_label", None))


def add_config_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """`--config FILE.toml` and `--print-config`, for `run` and `sweep` alike."""
    parser.add_argument("--config", type=Path, metavar="FILE.toml", action="append",
                        help=f"{command} settings from a TOML file, each key a run setting (lr = 1e-5, batch_size = 32"
                             + (", or lists: lr = [1e-5, 3e-5]" if command == "sweep" else "") + "); give it again for "
                             "more files, merged in order (a later one wins); .json and .yaml (with PyYAML) are read "
                             "too; flags given override them")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append",
                        help="one setting over the --config files, as a file's key = value (--set lr=3e-5"
                             + (", --set lr=[1e-5,3e-5]" if command == "sweep" else "") + "); give it again for more")
    parser.add_argument("--print-config", action="store_true",
                        help="print the resolved settings as a TOML file for --config, and start nothing")
