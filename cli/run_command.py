"""`sst2-tui run`: one headless run (or one per `--seeds` entry) with a progress bar on stderr."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator

from sst2_tui.cli.args import config_from_args, flag_for
from sst2_tui.cli.library_noise import quiet_libraries
from sst2_tui.core.config import ConfigError, RunConfig
from sst2_tui.core.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK
from sst2_tui.core.run.terminal import detach_from_dead_terminal


@contextlib.contextmanager
def signals_end_the_run(on_signal: Callable[[], None]) -> Iterator[None]:
    """While the command runs: SIGINT, SIGTERM, SIGHUP (a dropped SSH connection), SIGUSR2 (a
    cluster's warning before a time limit or a preemption: SLURM signals the task's whole process
    group, this run included) finish the step, evaluate, save, exit 130; a second Ctrl-C kills at
    once. The handlers before it are back afterwards (a caller in the same process keeps its own)."""

    def handler(signum, frame) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            detach_from_dead_terminal()
        on_signal()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    names = [name for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2") if hasattr(signal, name)]
    before = {name: signal.getsignal(getattr(signal, name)) for name in names}
    for name in names:
        signal.signal(getattr(signal, name), handler)
    try:
        yield
    finally:
        for name, previous in before.items():
            signal.signal(getattr(signal, name), previous if previous is not None else signal.SIG_DFL)


def _say(outcome) -> None:
    """How a run ended, as every `run` says it: its error and what to do (stderr), its summary (stdout)."""
    if outcome.error:
        sys.stderr.write(f"sst2-tui run: {outcome.error}\n")
        if outcome.exit_code != EXIT_BAD_INPUT and outcome.hint:  # a bad input's one line says what to do
            sys.stderr.write(f"hint: {outcome.hint}\n")
    print(json.dumps(outcome.summary.to_json()), flush=True)


def resume_command(args: argparse.Namespace) -> int:
    from sst2_tui.core.controls import RunHandle

    handle = RunHandle()
    with signals_end_the_run(handle.interrupt):
        return _resume(args, handle)


def _resume(args: argparse.Namespace, handle) -> int:
    from sst2_tui.core.run.resume import plan_resume
    from sst2_tui.core.run.runner import execute

    plan = plan_resume(args.resume)
    if args.nproc_per_node is not None:
        from sst2_tui.cli.parallel_launch import check_launch

        check_launch(args, plan.config)
    if args.detach:  # checked above, in the foreground; the resumed run trains in the background
        from sst2_tui.cli.detach import launch_detached

        return launch_detached(args.argv)
    if args.nproc_per_node is not None:
        from sst2_tui.cli.parallel_launch import launch_parallel

        return launch_parallel(args, plan.config)
    handle.on_folder = lambda folder: _on_folder(folder, plan.session.path, plan.config)
    with _progress_printer(args.quiet) as show:
        outcome = execute(plan.config, plan.session, handle, on_event=show.on_event, headless=not args.attachable,
                          resume=plan.folder, from_scratch=args.from_scratch)
    _say(outcome)
    return outcome.exit_code


def _on_folder(folder, session_path, config) -> None:
    """The run folder exists and is locked: a detached run tells its parent where; rank 0 of a
    data-parallel run tells the other ranks what to run and where."""
    from sst2_tui.core.parallel.world import current
    from sst2_tui.core.run.data_parallel import share_setup
    from sst2_tui.core.run.launch import announce_and_leave_the_terminal

    announce_and_leave_the_terminal(folder, session_path)
    share_setup(current(), config, folder.path)


def _join_torchrun() -> int | None:
    """Under torchrun: join the process group; a rank other than 0 follows rank 0 and returns its
    exit code here. None: this process runs the run (alone, or as rank 0)."""
    from sst2_tui.core.parallel.world import from_env, join

    world = from_env()
    if not world.parallel:
        return None
    world = join(world)
    if world.leader:
        return None
    from sst2_tui.core.run.data_parallel import follow_leader

    return follow_leader(world)


def run_command(args: argparse.Namespace) -> int:
    quiet_libraries(args.verbose)
    if args.nproc_per_node is None:
        code = _join_torchrun()
        if code is not None:
            return code
    try:
        code = _run_command(args)
    finally:
        from sst2_tui.core.parallel.world import leave

        leave()
    if code != EXIT_BAD_INPUT and os.environ.get("SST2_TUI_TORCHRUN_LAUNCHER"):
        # Rank 0 under our launcher: its summary is out and the launcher exits with the code it
        # implies; torchrun, seeing a non-zero exit, would print a report and a traceback.
        return EXIT_OK
    return code


def _run_command(args: argparse.Namespace) -> int:
    if args.resume is not None:
        return resume_command(args)
    if args.from_scratch:
        sys.stderr.write("sst2-tui run: --from-scratch goes with --resume RUN_DIR (a run to start again in its folder)\n")
        return EXIT_BAD_INPUT
    from sst2_tui.core.controls import RunHandle

    # First, before the slow imports: a signal while torch loads still ends the run cleanly (130).
    handle = RunHandle()
    with signals_end_the_run(handle.interrupt):
        return _new_runs(args, handle)


def _new_runs(args: argparse.Namespace, handle) -> int:
    seeds = args.seeds or [args.seed]
    try:
        configs = [config_from_args(args, seed=seed) for seed in seeds]
    except ConfigError as error:
        sys.stderr.write(f"sst2-tui run: {flag_for(error.field)}: {error}\n")
        return EXIT_BAD_INPUT
    if args.print_config:
        from sst2_tui.core.storage.config_file import config_text

        sys.stdout.write(config_text(configs[0]))
        if args.seeds:
            sys.stdout.write(f"# --seeds {','.join(map(str, args.seeds))}: one run per seed (give it as a flag)\n")
        return EXIT_OK
    _check_before_starting(args, configs[0])
    if args.detach:
        from sst2_tui.cli.detach import launch_detached

        return launch_detached(args.argv)
    if args.nproc_per_node is not None:
        from sst2_tui.cli.parallel_launch import launch_parallel

        return launch_parallel(args, configs[0])
    return _train_here(args, configs, handle)


def _check_before_starting(args: argparse.Namespace, first: RunConfig) -> None:
    """What is checked in the foreground before a run starts elsewhere (trackers installed, a
    data-parallel launch that can work, the model and data of a detached or parallel run): a typo
    is one line now, not a run that fails where no one looks."""
    if first.report_to:  # a tracker not installed: one line, before anything starts
        from sst2_tui.core.tracker_names import check_installed, parse_report_to

        check_installed(parse_report_to(first.report_to))
    if args.nproc_per_node is not None:
        from sst2_tui.cli.parallel_launch import check_launch

        check_launch(args, first)
    if args.detach or args.nproc_per_node is not None:
        check_model_and_data(first)  # in the foreground: a typo is one line now


def check_model_and_data(config: RunConfig) -> None:
    """A run that starts elsewhere (detached, data-parallel, from an agent) has its model path and data
    checked here first: UserError in one line naming the file, row or field."""
    from sst2_tui.core.data.files import DataChoice
    from sst2_tui.core.data.loading import load_splits
    from sst2_tui.core.errors import ModelError
    from sst2_tui.core.hub import model_path_problem

    problem = model_path_problem(config.model)
    if problem:
        raise ModelError(problem)
    load_splits(config.data, seed=config.seed, train_subset=config.train_subset, eval_subset=config.eval_subset,
                columns=DataChoice.of(config.text_columns, config.label_column, config.validation_split))


def _train_here(args: argparse.Namespace, configs: list[RunConfig], handle) -> int:
    """Each seed's run in this process, one after the other, in a new session."""
    from sst2_tui.core.parallel.world import current

    if current().parallel and len(configs) > 1:
        sys.stderr.write("sst2-tui run: --seeds under torchrun: start one data-parallel run per seed\n")
        return EXIT_BAD_INPUT

    from sst2_tui.core.data.loading import data_path_problem
    from sst2_tui.core.errors import ModelError, UserError
    from sst2_tui.core.hub import model_path_problem
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.paths import folder_path
    from sst2_tui.core.storage.sessions import Session, default_sessions_dir

    if problem := model_path_problem(configs[0].model):  # a typo is one line, and leaves no session behind
        raise ModelError(problem)
    if problem := data_path_problem(configs[0].data):
        raise UserError(problem)
    chosen = args.run_sessions_dir or args.sessions_dir
    sessions_dir = folder_path(chosen) if chosen else default_sessions_dir()
    label = f"{configs[0].method}-{configs[0].model.rstrip('/').split('/')[-1]}"
    session = Session.create(sessions_dir, args.session, label=label)
    handle.on_folder = lambda folder: _on_folder(folder, session.path, configs[0])
    exit_code = EXIT_OK
    for config in configs:
        show = _progress_printer(args.quiet)
        with show:
            outcome = execute(config, session, handle, on_event=show.on_event, headless=not args.attachable)
        _say(outcome)
        exit_code = max(exit_code, outcome.exit_code) if exit_code != EXIT_INTERRUPTED else EXIT_INTERRUPTED
        if outcome.exit_code in (EXIT_BAD_INPUT, EXIT_INTERRUPTED):
            return outcome.exit_code
    return exit_code


def _progress_printer(quiet: bool):
    from sst2_tui.cli.progress import ProgressPrinter

    return ProgressPrinter(enabled=not quiet)
