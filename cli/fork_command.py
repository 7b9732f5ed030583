"""`sst2-tui fork RUN_DIR`: a new run in the same session from one of RUN_DIR's checkpoints, with lr, eps,
weight decay, patience or epochs changed at the branch step (core/run/fork.py). It trains in the
foreground like `run`, and its last stdout line is its JSON summary. A flag for a setting that cannot
change at a branch point (`--model`, `--lora-r`, ...) is refused in one line saying why."""

from __future__ import annotations

import argparse
import sys

import shtab

from sst2_tui.cli.args import _int_at_least, _number
from sst2_tui.core.config import SCHEDULES, flag_for
from sst2_tui.core.errors import UserError
from sst2_tui.core.storage.checkpoint_state import MAX_STEP
from sst2_tui.core.storage.paths import folder_path


def add_fork_arguments(parser: argparse.ArgumentParser) -> None:
    from sst2_tui.core.run.fork import FIXED

    parser.add_argument("run_dir", type=folder_path, help="the run to fork (sessions/NAME/runs/NN-method); only read, "
                        "once no live run holds its session").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    parser.add_argument("--step", type=_int_at_least(0, MAX_STEP), metavar="N",
                        help="the checkpoint to start from (default: the newest complete one)")
    parser.add_argument("--lr", metavar="LR", help="the learning rate from the branch step on (default: the parent's)")
    parser.add_argument("--eps", metavar="EPS", help="AdamW's eps from the branch step on (default: the parent's)")
    parser.add_argument("--weight-decay", metavar="WD", help="AdamW's weight decay from the branch step on (default: the parent's)")
    parser.add_argument("--patience", type=_int_at_least(0, 1_000_000), metavar="N",
                        help="early stopping from the branch step on: N evaluations without a better accuracy (0: off)")
    parser.add_argument("--epochs", type=_number, metavar="E",
                        help="where the fork ends (default: the parent's); a decaying schedule decays from the branch "
                             "step's lr to the new end")
    parser.add_argument("--schedule", choices=SCHEDULES,
                        help="the lr schedule from the branch step on, starting from the lr there (default: the parent's)")
    parser.add_argument("--lora-dropout", type=_number, metavar="P",
                        help="dropout on the LoRA branch from the branch step on (a lora parent)")
    parser.add_argument("--now", action="store_true",
                        help="fork the live run at its next step: it saves a checkpoint there and trains on; the fork "
                             "starts from it in the background (`ctl RUN_DIR fork ...` does the same)")
    parser.add_argument("--timeout", type=_number, default=60.0, metavar="S",
                        help="with --now: seconds to wait for the run's next step (default 60)")
    parser.add_argument("--detach", action="store_true", help="train the fork in the background: prints {run_dir, session_dir, pid}")
    parser.add_argument("--quiet", action="store_true", help="print only the final JSON summary")
    parser.add_argument("--attachable", action="store_true", help=argparse.SUPPRESS)
    kept = parser.add_argument_group("kept from the parent (each refused, with why: start a new run to change it)")
    for name, why in FIXED.items():  # taken so that they are refused with the reason, not as unknown flags
        kept.add_argument(flag_for(name), dest=f"fixed_{name}", metavar="X", help=why)


def fork_command(args: argparse.Namespace) -> int:
    from sst2_tui.cli.run_command import _on_folder, _progress_printer, _say, signals_end_the_run
    from sst2_tui.core.controls import RunHandle, make_command
    from sst2_tui.core.run.fork import FIXED, ForkChanges, plan_fork
    from sst2_tui.core.run.runner import execute

    for name, why in FIXED.items():
        if getattr(args, f"fixed_{name}") is not None:
            raise UserError(f"fork {flag_for(name)}: cannot change at a branch point ({why}); "
                            "start a new run with `sst2-tui run` to change it")
    values: dict[str, float] = {}
    for flag, kind in (("lr", "set_lr"), ("eps", "set_eps"), ("weight_decay", "set_weight_decay")):
        text = getattr(args, flag)
        if text is not None:
            try:  # the same check as `ctl RUN_DIR lr VALUE` and the app's dialogs
                values[flag] = float(make_command(kind, text).value)  # type: ignore[arg-type]  # a value command has one
            except ValueError as error:
                raise UserError(f"fork {flag_for(flag)}: {error}") from None
    changes = ForkChanges(lr=values.get("lr"), eps=values.get("eps"), weight_decay=values.get("weight_decay"),
                          patience=args.patience, epochs=args.epochs, schedule=args.schedule, lora_dropout=args.lora_dropout)
    if args.now:
        from sst2_tui.cli.fork_now import fork_now

        return fork_now(args, changes)
    plan = plan_fork(args.run_dir, args.step, changes)
    if args.detach:  # checked above, in the foreground; the fork trains in the background
        from sst2_tui.cli.detach import launch_detached

        return launch_detached(args.argv)
    handle = RunHandle()
    if not args.quiet and plan.config.fork is not None:  # what this run is, before the run's own lines
        print(f"sst2-tui fork: {plan.config.fork.text()}", file=sys.stderr, flush=True)
    handle.on_folder = lambda folder: _on_folder(folder, plan.session.path, plan.config)
    with signals_end_the_run(handle.interrupt), _progress_printer(args.quiet) as show:
        outcome = execute(plan.config, plan.session, handle, on_event=show.on_event, headless=not args.attachable,
                          branch=plan.checkpoint)
    _say(outcome)
    return outcome.exit_code
