"""`sst2-tui sweep`: a grid of runs in one session, every run flag a comma list, seeds innermost.

    sst2-tui sweep --model gpt2 --data sst2 --method full,lora --lr full=1e-5,3e-5 lora=1e-4,3e-4 \\
                   --seeds 0,1,2 --epochs 3 --parallel gpus

Each point is an ordinary run folder of the sweep's session, queued in its queue.json and started
by its scheduler (the session's queue runner, with `--parallel` slots, or a SLURM job array). In the
foreground it prints one line as each point ends and then the verdict; Ctrl-C leaves it (the
scheduler goes on: attach, sessions, report work on it; `sweep --resume SESSION_DIR` re-queues what
did not finish). This module parses and prints; `core/sweep/sweep.Sweep` decides.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sst2_tui.cli.sweep_flags import (
    check_executor,
    confirm_seeds,
    margin_points,
    parallel_slots,
    slurm_options,
    until_resolved,
)
from sst2_tui.core.config import RunConfig, flag_for, options
from sst2_tui.core.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, UserError
from sst2_tui.core.storage.decisions_file import DecisionKind
from sst2_tui.core.storage.queue_file import NewRun
from sst2_tui.core.text.seeds import parse_seeds

if TYPE_CHECKING:
    from sst2_tui.core.storage.sweep_file import UntilResolved
    from sst2_tui.core.sweep.grid import Listed
    from sst2_tui.core.sweep.sweep import Sweep


def sweep_command(args: argparse.Namespace, sessions_dir: Path) -> int:
    from sst2_tui.core.report.spread import measured_spread
    from sst2_tui.core.sweep.adaptive import first_round
    from sst2_tui.core.sweep.grid import MAX_POINTS, parse_listed
    from sst2_tui.core.sweep.start import start_lines
    from sst2_tui.core.sweep.sweep import Sweep

    parallel = parallel_slots(args.parallel)
    check_executor(args)
    if args.resume is not None:
        return resume_sweep(Sweep.open(args.resume), args.detach)
    listed = {o.name: parse_listed(flag_for(o.name), getattr(args, o.name)) for o in options() if getattr(args, o.name)}
    if "seed" in listed:
        raise UserError("sweep: give seeds with --seeds 0,1,2 (they are the innermost axis of the grid)")
    rounds = until_resolved(args)
    margin = margin_points(args.margin)
    from sst2_tui.core.sweep.fresh_seeds import fresh_count

    fresh = fresh_count(args.seeds)
    seeds = parse_seeds(args.seeds, "--seeds") if fresh is None else list(range(fresh))
    spread = measured_spread(args.plan_from) if args.plan_from is not None else None  # one line when it cannot
    if args.print_config:
        return _print_config(listed, seeds, limit=None if args.yes else MAX_POINTS)
    points, seeds = _seeded_points(listed, seeds, fresh, sessions_dir, limit=None if args.yes else MAX_POINTS,
                                   until_resolved=rounds is not None)
    if not args.print_commands:  # a model or data path that cannot be: one line, before anything is created
        check_paths(points)
    if points and points[0].report_to:  # a tracker not installed: one line, before anything is created
        from sst2_tui.core.tracker_names import check_installed, parse_report_to

        check_installed(parse_report_to(points[0].report_to))
    methods = len({config.method for config in points})
    confirming = 0 if rounds else confirm_seeds(args.confirm_seeds, len(seeds), methods)
    if confirming and args.confirm_seeds is not None and not _any_choice(points):
        raise UserError(f"--confirm-seeds {args.confirm_seeds}: every method has one setting, so no setting is chosen "
                        "and none needs confirming (its grid seeds are judged as they are); drop --confirm-seeds, or "
                        "add seeds with --seeds")
    if rounds is not None:
        points = first_round(points)
        if len(points) > rounds.max_runs:  # before anything is created: round 1 alone would pass the budget
            raise UserError(f"--max-runs {rounds.max_runs}: round 1 alone is {len(points)} runs (5 seeds of a method "
                            f"with one setting, a seed of each setting to race); give --max-runs {len(points)} or more, or fewer settings")
    slurm = slurm_options(args)
    if args.print_commands:  # every line into one session (points share it), for any scheduler
        return _print_commands(points, sessions_dir / (args.session or time.strftime("sweep-%Y%m%d-%H%M%S")), confirming)
    sweep, job_id = Sweep.begin(sessions_dir, args.session, points, parallel, slurm, confirming, rounds, margin)
    how = "as a SLURM job array" if slurm else f"{parallel} at once"
    for line in _start_lines(points, how, sweep.path, rounds, start_lines(points, confirming, spread, rounds is not None, margin)):
        print(f"sst2-tui sweep: {line}", flush=True)
    if job_id:
        _submitted(sweep.path, job_id, len(points))
    if args.detach:
        planned, exact = sweep.file.planned_runs()  # the grid and its confirmation runs (8 were said where 12 ran)
        print(json.dumps({"session_dir": str(sweep.path), "runs": planned, "runs_exact": exact,
                          "grid_runs": len(points)}), flush=True)
        sys.stderr.write(f"sst2-tui sweep: it runs on; watch it with `sst2-tui attach {sweep.path}`\n")
        return EXIT_OK
    return follow_sweep(sweep)


def _seeded_points(listed: dict[str, Listed], seeds: list[int], fresh: int | None, sessions_dir: Path,
                   limit: int | None, until_resolved: bool = False) -> tuple[list[RunConfig], list[int]]:
    """The grid on its seeds: `fresh` (`--seeds fresh:N`) seeds no run of these settings in the
    folder has used; given seeds that such runs used are warned about (a choice's luck carries over)."""
    from sst2_tui.core.sweep.fresh_seeds import grid_fresh_seeds, reused_seeds
    from sst2_tui.core.sweep.grid import build_grid, check_tasks

    points = build_grid(listed, seeds, limit=limit)
    check_tasks(points, until_resolved)
    if fresh is not None:
        seeds = grid_fresh_seeds(sessions_dir, [c for c in points if c.seed == 0], fresh)
        return build_grid(listed, seeds, limit=limit), seeds
    for setting, used in reused_seeds(sessions_dir, points).items():
        sys.stderr.write(f"sst2-tui sweep: warning: {setting} already ran on seed(s) {','.join(map(str, used))} in "
                         f"{sessions_dir}: a setting chosen on those seeds before keeps that choice's luck when judged "
                         f"on them again; --seeds fresh:{len(seeds)} picks seeds no run of these settings used\n")
    return points, seeds


def _print_config(listed: dict[str, Listed], seeds: list[int], limit: int | None) -> int:
    """`--print-config`: the sweep as a TOML file, every value checked as for a real sweep."""
    from sst2_tui.core.storage.config_file import sweep_config_text
    from sst2_tui.core.sweep.grid import build_grid, grid_axes

    axes = grid_axes(listed)
    build_grid(listed, seeds, limit=limit)
    sys.stdout.write(sweep_config_text(axes, [str(m) for m in axes.get("method", {}).get("all", ["full"])], seeds))
    return EXIT_OK


def _print_commands(points: list[RunConfig], session_path: Path, confirming: int) -> int:
    """`--print-commands`: the line the queue runner and a SLURM task run for each new point."""
    for config in points:
        print(shlex.join(["sst2-tui", *NewRun(config).argv(session_path)]))
    if confirming and _any_choice(points):  # they depend on the grid's results: no line can be printed for them
        sys.stderr.write(f"sst2-tui sweep: these are the grid's {len(points)} runs only; the confirmation runs "
                         f"({confirming} fresh seed(s) of each method's chosen setting) depend on their results: "
                         "once they have finished, "
                         f"`sst2-tui report {session_path}` names each method's best setting; run it on fresh seeds "
                         f"(`sst2-tui sweep ... --seeds fresh:{confirming}`) to judge it without its selection's luck\n")
    return EXIT_OK


def _start_lines(points: list[RunConfig], how: str, path: Path, rounds: UntilResolved | None, more: list[str]) -> list[str]:
    """What a sweep says as it starts: the grid (or round 1 and the budget), then `more` (power, margin...)."""
    from sst2_tui.core.sweep.start import describe_grid

    if rounds is None:
        return [f"{describe_grid(points)}, {how}, in {path}", *more]
    budget = f"at most {rounds.max_runs} runs" + (f" or {rounds.max_hours:g} device-hours" if rounds.max_hours else "")
    return [f"until resolved: round 1 is {len(points)} runs, {how}, in {path}; then a round at a time, {budget}", *more]


def _any_choice(points: list[RunConfig]) -> bool:
    """Whether some method of the grid has several settings (one is chosen, so confirmation runs judge it)."""
    settings: dict[str, set[str]] = {}
    for config in points:
        if config.sweep is not None:
            settings.setdefault(config.method, set()).add(config.sweep.setting)
    return any(len(found) > 1 for found in settings.values())


def check_paths(points: list[RunConfig]) -> None:
    """What `run` checks before its session exists, for each model and data the grid names: a sweep
    whose points all failed to start said "0 of 0 runs finished", the cause only in queue-runner.log."""
    from sst2_tui.core.data.loading import data_path_problem
    from sst2_tui.core.errors import ModelError
    from sst2_tui.core.hub import model_path_problem

    for model in dict.fromkeys(config.model for config in points):
        if problem := model_path_problem(model):
            raise ModelError(problem)
    for data in dict.fromkeys(config.data for config in points):
        if problem := data_path_problem(data):
            raise UserError(problem)


def _submitted(session_path: Path, job_id: str, count: int) -> None:
    from sst2_tui.core.sweep.slurm import SLURM_FOLDER

    print(f"sst2-tui sweep: submitted SLURM job array {job_id} ({count} task(s)); "
          f"each task's log in {session_path / SLURM_FOLDER}/{job_id}_<task>/", flush=True)


def resume_sweep(sweep: Sweep, detach: bool) -> int:
    """`sweep --resume SESSION_DIR`: each point that goes on said in one line (continued from its
    checkpoint, started again from scratch, or started), each one left alone said with why."""
    resumed = sweep.resume()
    for refused in resumed.refused:
        print(f"sst2-tui sweep: {refused.point} left alone: {refused.reason}", flush=True)
    for requeued in resumed.requeued:
        print(f"sst2-tui sweep: {requeued.line()}", flush=True)
    for line in resumed.said:
        print(f"sst2-tui sweep: {line}", flush=True)
    if resumed.problem:  # the sweep cannot go on until the file is mended: said, and not a success
        sys.stderr.write(f"sst2-tui sweep: {resumed.problem}\n")
        return EXIT_BAD_INPUT
    print(f"sst2-tui sweep: {len(resumed.requeued)} point(s) to run again in {sweep.path}", flush=True)
    if resumed.job_id:
        _submitted(sweep.path, resumed.job_id, len(resumed.requeued))
    if detach:
        print(f"sst2-tui sweep: it runs on; watch it with `sst2-tui attach {sweep.path}`", flush=True)
        return EXIT_OK
    return follow_sweep(sweep, only_changes=True) if resumed.requeued or not resumed.job_id else EXIT_OK


def _say_decisions(sweep: Sweep, told: int) -> int:
    """`--until-resolved`: each decision once, as the sweep makes it (a round's are made when it ends)."""
    decisions = sweep.decisions()
    for decision in decisions[told:]:
        whose = f"{decision.method} {decision.setting} " if decision.kind == DecisionKind.DROPPED else ""
        print(f"  round {decision.round}: {whose}{decision.text}", flush=True)
    return max(told, len(decisions))


def follow_sweep(sweep: Sweep, only_changes: bool = False) -> int:
    """One line per point as it ends, then the verdict; 1 if a point did not finish. Ctrl-C leaves it."""
    told = len(sweep.decisions()) if only_changes else 0
    try:
        for ended in sweep.points_as_they_end(only_changes):
            print(ended.line(), flush=True)
            told = _say_decisions(sweep, told)
        told = _say_decisions(sweep, told)
        for line in sweep.said:  # what the step after its points said (a SLURM sweep's follower takes it)
            print(f"sst2-tui sweep: {line}", flush=True)
    except KeyboardInterrupt:
        print(f"\nsst2-tui sweep: left it running; follow it with `sst2-tui attach {sweep.path}`, "
              f"`sst2-tui report {sweep.path}`", flush=True)
        return EXIT_OK
    verdict = sweep.verdict()
    for line in verdict.lines():
        print(line, flush=True)
    print(f"Report: sst2-tui report {sweep.path}", flush=True)
    return EXIT_OK if verdict.all_finished else EXIT_FAILED
