"""The flags of `sst2-tui sweep` and their checks: every run flag a comma list (or METHOD=V,V), the
seeds, the slots, the executor and its `--slurm-*` options. Parsed and checked here, before
anything is created or submitted; what a sweep then does is `core/sweep/sweep.Sweep`'s."""

from __future__ import annotations

import argparse
import os
import sys

from sst2_tui.core.config import flag_for, options
from sst2_tui.core.errors import UserError, quote
from sst2_tui.core.storage.paths import folder_path
from sst2_tui.core.storage.sweep_file import SlurmOptions, UntilResolved
from sst2_tui.core.sweep.margin import margin_points

__all__ = ["margin_points"]  # `sweep` and `report` read --margin alike


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    for option in options():
        meta = option.metadata
        parser.add_argument(flag_for(option.name), nargs="+", dest=option.name, metavar=meta["metavar"] or "V,V",
                            help=f"{meta['help']}; a comma list, or METHOD=V,V for one method")
    from sst2_tui.cli.args import add_config_arguments

    add_config_arguments(parser, "sweep")
    a = parser.add_argument
    a("--seeds", default="0", metavar="S,S,...|fresh:N", help="the seeds of every setting, innermost (default 0); "
      "fresh:N: the N smallest seeds no run of these settings in the sessions folder has used")
    a("--confirm-seeds", metavar="N", help="after the grid, train each method's chosen setting again on N fresh seeds "
      "and judge those (default: as many as --seeds when methods are compared, else 0; 0: none, and the verdict says "
      "its numbers include selection optimism); a method given one setting needs none")
    a("--until-resolved", action="store_true", help="add points in rounds and stop when the answer is clear: race "
      "each method's settings on the tuning half, then add seeds of the chosen ones until every pair of methods is "
      "won, practically equivalent or unresolvable here, or the budget ends (every decision kept in decisions.jsonl)")
    a("--max-runs", metavar="N", help="--until-resolved: no round starts that would pass N runs in all (default 48)")
    a("--max-hours", metavar="H", help="--until-resolved: no round starts once the finished runs used H device-hours")
    a("--margin", metavar="POINTS", help="two methods within ±POINTS accuracy points are practically the same "
      "(default: the smallest margin the judging sentences can resolve with 10 seeds of each, said when the sweep starts)")
    a("--plan-from", type=folder_path, metavar="SESSION_DIR", help="say what the grid can tell apart from how the runs "
      "of a finished sweep spread (seed to seed, and between methods), instead of a stated default")
    a("--parallel", default="1", metavar="N|gpus",
      help="points at once: N sharing this machine's cores, or gpus: one per visible GPU (default 1)")
    a("--yes", action="store_true", help="start a grid of more than 500 runs")
    a("--print-commands", action="store_true",
      help="print one `sst2-tui run ...` line per point and start nothing (for GNU parallel, a cluster's own scheduler)")
    a("--resume", type=folder_path, metavar="SESSION_DIR", help="re-queue the points of a sweep that did not finish "
      "(interrupted or died ones continue from their checkpoint) and start its scheduler")
    a("--session", metavar="NAME", help="the sweep's session folder name (default: timestamp and sweep)")
    a("--sessions-dir", type=folder_path, dest="sub_sessions_dir", metavar="DIR", help="where sessions are stored")
    a("--detach", action="store_true", help="print the session and return; the scheduler runs on")
    a("--executor", choices=("local", "slurm"), default="local",
      help="local: this machine's queue runner (--parallel); slurm: one SLURM job array through submitit, "
           "one point per task, into this session on the shared filesystem")
    a("--slurm-partition", metavar="NAME", help="the partition (default: the cluster's default)")
    a("--slurm-gpus-per-task", metavar="N", help="GPUs for each point (default: none)")
    a("--slurm-time", metavar="TIME", default="60",
      help="each point's time limit: minutes, HH:MM:SS or D-HH:MM (default 60); a point cut off resumes on --resume")
    a("--slurm-array-parallelism", metavar="N", help="points running at once (default: as many as SLURM allows)")
    a("--slurm-param", action="append", default=[], metavar="KEY=VALUE",
      help="any other submitit parameter, e.g. cpus_per_task=4, mem_gb=16, slurm_account=myproject (repeatable)")


def parallel_slots(text: str) -> int | str:
    """`--parallel`: `gpus` only where a GPU is visible; a number above the cores is said (the points
    would share them and each go slower), not refused."""
    if text == "gpus":
        import torch

        if not torch.cuda.is_available() or torch.cuda.device_count() == 0:
            raise UserError("--parallel gpus: no GPU is visible here; give how many points run at once "
                            "on this machine's cores instead, e.g. --parallel 2")
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1024:
        raise UserError(f"--parallel {quote(text)}: give a whole number from 1 to 1024, or gpus")
    cores = os.cpu_count() or 1
    if value > cores:
        sys.stderr.write(f"sst2-tui sweep: warning: --parallel {value} on {cores} core(s): the points share them, one thread "
                         f"each, and every one goes slower; --parallel {cores} finishes about as soon\n")
    return value


def confirm_seeds(text: str | None, grid_seeds: int, methods: int) -> int:
    """`--confirm-seeds`: a whole number from 0 to 100 (default: as many as the grid's seeds where
    methods are compared; none for a grid of one method, which has no pair to judge)."""
    from sst2_tui.core.storage.sweep_file import MAX_CONFIRM_SEEDS
    from sst2_tui.core.sweep.confirmation import default_confirm_seeds

    if text is None:
        return default_confirm_seeds(grid_seeds, methods)
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_CONFIRM_SEEDS:
        raise UserError(f"--confirm-seeds {quote(text)}: give a whole number from 0 to {MAX_CONFIRM_SEEDS} "
                        "(0: no confirmation runs)")
    return value


MIN_HOURS = 0.01
"""36 device-seconds: less than any run takes (1e-300 was accepted: a budget no round could start in)."""
MAX_HOURS = 1_000_000


def until_resolved(args: argparse.Namespace) -> UntilResolved | None:
    """`--until-resolved` and its budget; the flags that make no sense with it refused in one line."""
    if not args.until_resolved:
        for flag, given in (("--max-runs", args.max_runs), ("--max-hours", args.max_hours)):
            if given is not None:
                raise UserError(f"{flag} goes with --until-resolved (sst2-tui sweep ... --until-resolved {flag} ...)")
        return None
    if args.seeds != "0":
        raise UserError("--until-resolved adds seeds itself, in rounds; drop --seeds")
    if args.confirm_seeds is not None:
        raise UserError("--until-resolved trains the chosen settings on fresh seeds itself; drop --confirm-seeds")
    if args.print_commands:
        raise UserError("--until-resolved decides each round from the last one; it has no fixed list of commands to print")
    max_runs = _count("--max-runs", args.max_runs, 2)
    hours = None
    if args.max_hours is not None:
        try:
            hours = float(args.max_hours)
        except ValueError:
            hours = -1.0
        if not MIN_HOURS <= hours <= MAX_HOURS:  # also NaN
            raise UserError(f"--max-hours {quote(args.max_hours)}: give device-hours from {MIN_HOURS} to {MAX_HOURS:,}, "
                            "e.g. 2.5")
    return UntilResolved(max_runs=max_runs if max_runs is not None else UntilResolved.max_runs, max_hours=hours)


def _count(flag: str, text: str | None, low: int) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= 100_000:
        raise UserError(f"{flag} {quote(text)}: give a whole number from {low} to 100000")
    return value


def slurm_options(args: argparse.Namespace) -> SlurmOptions | None:
    """The `--slurm-*` flags (None without `--executor slurm`), checked before anything is created or submitted."""
    from sst2_tui.core.sweep.slurm import parse_params, parse_time

    if args.executor != "slurm":
        return None
    return SlurmOptions(partition=args.slurm_partition, gpus_per_task=_count("--slurm-gpus-per-task", args.slurm_gpus_per_task, 0),
                        time_min=parse_time(args.slurm_time),
                        array_parallelism=_count("--slurm-array-parallelism", args.slurm_array_parallelism, 1),
                        extra=parse_params(args.slurm_param))


def check_executor(args: argparse.Namespace) -> None:
    if args.executor == "slurm":
        if args.parallel != "1":
            raise UserError("sweep --executor slurm: SLURM decides how many points run at once; "
                            "drop --parallel (use --slurm-array-parallelism N to cap it)")
        if args.print_commands:
            raise UserError("sweep: --print-commands prints the lines for another scheduler; drop --executor slurm")
    elif any(getattr(args, name) for name in ("slurm_partition", "slurm_gpus_per_task", "slurm_array_parallelism",
                                               "slurm_param")):
        raise UserError("sweep: the --slurm-* flags need --executor slurm")
