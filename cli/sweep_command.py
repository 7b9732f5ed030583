"""`sst2-tui sweep`: a grid of runs in one session, every run flag a comma list, seeds innermost.

    sst2-tui sweep --model gpt2 --data sst2 --method full,lora --lr full=1e-5,3e-5 lora=1e-4,3e-4 \\
                   --seeds 0,1,2 --epochs 3 --parallel gpus

Each point is an ordinary run folder of the sweep's session, queued in its queue.json and started
by its scheduler (the session's queue runner, with `--parallel` slots). In the foreground it prints
one line as each point ends and then the verdict; Ctrl-C leaves it (the scheduler goes on: attach,
sessions, report work on it; `sweep --resume SESSION_DIR` re-queues what did not finish).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

from sst2_tui.core.config import flag_for, options
from sst2_tui.core.errors import EXIT_FAILED, EXIT_OK, UserError, quote
from sst2_tui.core.storage.paths import folder_path
from sst2_tui.core.storage.queue_file import NewRun
from sst2_tui.core.storage.sweep_file import point_label


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    for option in options():
        meta = option.metadata
        parser.add_argument(flag_for(option.name), nargs="+", dest=option.name, metavar=meta["metavar"] or "V,V",
                            help=f"{meta['help']}; a comma list, or METHOD=V,V for one method")
    a = parser.add_argument
    a("--seeds", default="0", metavar="S,S,...", help="the seeds of every setting, innermost (default 0)")
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


def _parallel(text: str) -> int | str:
    """`--parallel`: `gpus` only where a GPU is visible; a number above the cores is said (the points
    would share them and each go slower), not refused."""
    import os
    import sys

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


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        seeds = []
    if not seeds or any(s < 0 for s in seeds):
        raise UserError(f"--seeds {quote(text)}: give a comma list of whole numbers, e.g. 0,1,2")
    return list(dict.fromkeys(seeds))


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


def slurm_options(args: argparse.Namespace):
    """The `--slurm-*` flags, checked before anything is created or submitted."""
    from sst2_tui.core.sweep.slurm import SlurmOptions, parse_params, parse_time

    return SlurmOptions(partition=args.slurm_partition, gpus_per_task=_count("--slurm-gpus-per-task", args.slurm_gpus_per_task, 0),
                        time_min=parse_time(args.slurm_time),
                        array_parallelism=_count("--slurm-array-parallelism", args.slurm_array_parallelism, 1),
                        extra=parse_params(args.slurm_param))


def _check_executor(args: argparse.Namespace) -> None:
    if args.executor == "slurm":
        if args.parallel != "1":
            raise UserError("sweep --executor slurm: SLURM decides how many points run at once; "
                            "drop --parallel (use --slurm-array-parallelism N to cap it)")
        if args.print_commands:
            raise UserError("sweep: --print-commands prints the lines for another scheduler; drop --executor slurm")
    elif any(getattr(args, name) for name in ("slurm_partition", "slurm_gpus_per_task", "slurm_array_parallelism",
                                               "slurm_param")):
        raise UserError("sweep: the --slurm-* flags need --executor slurm")


def sweep_command(args: argparse.Namespace, sessions_dir: Path) -> int:
    from sst2_tui.core.run.queue_runner import ensure_queue_runner
    from sst2_tui.core.sweep.grid import MAX_POINTS, build_grid, parse_listed
    from sst2_tui.core.sweep.start import create_sweep, describe_grid

    parallel = _parallel(args.parallel)
    _check_executor(args)
    if args.resume is not None:
        return resume_sweep(args.resume, args.detach)
    listed = {o.name: parse_listed(flag_for(o.name), getattr(args, o.name)) for o in options() if getattr(args, o.name)}
    if "seed" in listed:
        raise UserError("sweep: give seeds with --seeds 0,1,2 (they are the innermost axis of the grid)")
    points = build_grid(listed, _seeds(args.seeds), limit=None if args.yes else MAX_POINTS)
    slurm = slurm_options(args) if args.executor == "slurm" else None
    if args.print_commands:  # every line into one session (points share it), for any scheduler
        session_path = sessions_dir / (args.session or time.strftime("sweep-%Y%m%d-%H%M%S"))
        for config in points:  # the line the queue runner and a SLURM task run for a new point
            print(shlex.join(["sst2-tui", *NewRun(config).argv(session_path)]))
        return EXIT_OK
    if slurm:
        from sst2_tui.core.sweep.slurm import check_cluster

        check_cluster()
    session = create_sweep(sessions_dir, args.session, points, parallel, slurm.to_dict() if slurm else None)
    how = "as a SLURM job array" if slurm else f"{parallel} at once"
    print(f"sst2-tui sweep: {describe_grid(points)}, {how}, in {session.path}", flush=True)
    if slurm:
        try:
            _submitted(session.path, submit_points(session.path, [point for c in points if (point := point_label(c))], slurm), len(points))
        except UserError:
            shutil.rmtree(session.path, ignore_errors=True)  # nothing ran: leave no empty sweep behind
            raise
    else:
        ensure_queue_runner(session.path)
    if args.detach:
        print(json.dumps({"session_dir": str(session.path), "runs": len(points)}), flush=True)
        sys.stderr.write(f"sst2-tui sweep: it runs on; watch it with `sst2-tui attach {session.path}`\n")
        return EXIT_OK
    return follow_sweep(session.path)


def submit_points(session_path: Path, points: list[str], slurm) -> str:
    from sst2_tui.core.sweep.slurm import submit

    return submit(session_path, points, slurm)


def _submitted(session_path: Path, job_id: str, count: int) -> None:
    from sst2_tui.core.sweep.slurm import SLURM_FOLDER

    print(f"sst2-tui sweep: submitted SLURM job array {job_id} ({count} task(s)); "
          f"each task's log in {session_path / SLURM_FOLDER}/{job_id}_<task>/", flush=True)


def resume_sweep(path: Path, detach: bool) -> int:
    """`sweep --resume SESSION_DIR`: each point that goes on said in one line (continued from its
    checkpoint, started again from scratch, or started), each one left alone said with why."""
    from sst2_tui.core.sweep.sweep import Sweep

    sweep = Sweep.open(path)
    resumed = sweep.resume()
    for refused in resumed.refused:
        print(f"sst2-tui sweep: {refused.point} left alone: {refused.reason}", flush=True)
    for requeued in resumed.requeued:
        print(f"sst2-tui sweep: {requeued.line()}", flush=True)
    print(f"sst2-tui sweep: {len(resumed.requeued)} point(s) to run again in {sweep.path}", flush=True)
    if resumed.job_id:
        _submitted(sweep.path, resumed.job_id, len(resumed.requeued))
    if detach:
        print(f"sst2-tui sweep: it runs on; watch it with `sst2-tui attach {sweep.path}`", flush=True)
        return EXIT_OK
    return follow_sweep(sweep.path, only_changes=True) if resumed.requeued or not resumed.job_id else EXIT_OK


def follow_sweep(session_path: Path, only_changes: bool = False) -> int:
    """One line per point as it ends (again, when a resumed point ends anew); then the verdict.
    `only_changes` (after a resume): what had ended before is not said again. Returns 1 if a point
    did not finish."""
    from sst2_tui.core.report.sweep_verdict import sweep_verdict
    from sst2_tui.core.storage.sessions import Session, load_run
    from sst2_tui.core.summary import Status
    from sst2_tui.core.sweep.work import has_work_left

    session = Session.open(session_path)

    def ended() -> dict[tuple[Path, object], str]:
        """Each ended run, keyed by its folder and its summary's time (a resumed run ends anew)."""
        found: dict[tuple[Path, object], str] = {}
        for folder in session.run_folders():
            record = load_run(folder)
            if record.status.is_live or not (folder.summary_path.exists() or record.status == Status.DIED):
                continue
            best = record.summary.best_val_accuracy if record.summary else None
            accuracy = f"  best {best:.4f}" if isinstance(best, float) else ""
            when = folder.summary_path.stat().st_mtime if folder.summary_path.exists() else record.status
            found[(folder.path, when)] = f"{folder.run_id:>10}  {record.status:<11}{accuracy}"
        return found

    told = set(ended()) if only_changes else set()
    try:
        while True:
            for key, line in ended().items():
                if key not in told:
                    told.add(key)
                    print(line, flush=True)
            if not has_work_left(session_path):
                break
            time.sleep(1.0)
    except KeyboardInterrupt:
        print(f"\nsst2-tui sweep: left it running; follow it with `sst2-tui attach {session_path}`, "
              f"`sst2-tui report {session_path}`", flush=True)
        return EXIT_OK
    verdict = sweep_verdict(session)
    for line in verdict.lines():
        print(line, flush=True)
    print(f"Report: sst2-tui report {session_path}", flush=True)
    return EXIT_OK if verdict.all_finished else EXIT_FAILED
