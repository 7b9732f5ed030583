"""`sst2-tui`: the app with no subcommand (or `attach`), or one of `run`, `sweep`, `ctl`,
`queue-runner`, `doctor`, `sessions`, `predict`, `report`, `export-tracker`.

Only argparse is imported at the top: `sst2-tui --help` answers without loading torch.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shtab

from sst2_tui import __version__
from sst2_tui.cli.args import add_run_arguments
from sst2_tui.cli.control_characters import control_character_problem
from sst2_tui.cli.ctl_command import add_ctl_arguments
from sst2_tui.cli.fork_command import add_fork_arguments
from sst2_tui.cli.predict_command import add_predict_arguments
from sst2_tui.cli.sweep_flags import add_sweep_arguments
from sst2_tui.core.storage.paths import folder_path

PROG = "sst2-tui"
MAX_MESSAGE = 300
PATH_ERRORS = {errno.ENAMETOOLONG: "give a shorter path (at most 255 bytes a name, 4,096 in all)",
               errno.ELOOP: "a symbolic link loops; give the real path",
               errno.ENOTDIR: "a part of the path is a file, not a folder",
               errno.EACCES: "you may not use it (another user's run or folder, or its permissions)",
               errno.EPERM: "you may not use it (another user's run or folder, or its permissions)"}
SESSIONS_DIR_HELP = ("where sessions are stored (default: $SST2_TUI_SESSIONS; else ./sessions if the current folder "
                     "has one; else the per-user data folder: ~/.local/share/sst2-tui/sessions on Linux, "
                     "~/Library/Application Support/sst2-tui/sessions on macOS)")

if TYPE_CHECKING:
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.storage.queue_file import QueueEntry


class OneLineParser(argparse.ArgumentParser):
    """Bad flags get one line on stderr (naming the flag) and exit 2, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse quotes the offending value whole: a pasted 10 MB value must not come back whole.
        message = " ".join(message.split())
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 3] + "..."
        sys.stderr.write(f"{self.prog}: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def build_parser(file_settings: dict[str, dict[str, object]] | None = None) -> argparse.ArgumentParser:
    """`file_settings`: per command (`run`, `sweep`), the settings its `--config` file gave: they
    are the flags' defaults, so a flag on the command line wins."""
    parser = OneLineParser(
        prog=PROG,
        description="Fine-tune a transformer on SST-2 with full fine-tuning, the HF Trainer and LoRA, and compare them. "
                    "With no command, opens the terminal app.",
    )
    parser.add_argument("--demo", action="store_true",
                        help="open the app and queue the offline demo (full, trainer, lora, and a pure-fp16 run that turns NaN)")
    parser.add_argument("--demo-epochs", metavar="E", type=float, default=None,
                        help="with --demo: E epochs per run instead of 4 (a quicker look; the curves climb less)")
    parser.add_argument("--sessions-dir", type=folder_path, default=None, help=SESSIONS_DIR_HELP).complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    parser.add_argument("--notify", metavar="CMD", default=None,
                        help="every run this window queues runs CMD when it needs you (finished, NaN or full-disk pause, "
                             "failed, died), with the event as one JSON line on stdin (see `run --notify`)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    shtab.add_argument_to(parser, ["--print-completion"], help="print a completion script for bash, zsh or tcsh "
                          "(e.g. sst2-tui --print-completion bash > ~/.local/share/bash-completion/completions/sst2-tui)")
    commands = parser.add_subparsers(dest="command", parser_class=OneLineParser, metavar="COMMAND")
    run = commands.add_parser("run", help="one headless run; the last stdout line is a JSON summary",
                              description="Run one method headless. The last line on stdout is a JSON summary.")
    add_run_arguments(run)
    run.set_defaults(**(file_settings or {}).get("run", {}))
    sweep = commands.add_parser("sweep", help="a grid of runs (comma lists, seeds), several at once, and which method is "
                                "better", description="Run a grid of runs in one session and say which method is better, "
                                "with paired 95% intervals. Every run flag takes a comma list, or METHOD=V,V for one method.")
    add_sweep_arguments(sweep)
    sweep.set_defaults(**(file_settings or {}).get("sweep", {}))
    _add_steering_commands(commands)
    _add_reading_commands(commands)
    return parser


def _add_steering_commands(commands: argparse._SubParsersAction[OneLineParser]) -> None:
    """The commands that watch, steer or start runs already made: ctl, attach, queue-runner, doctor."""
    ctl = commands.add_parser("ctl", help="steer a live run from any shell: pause, resume, stop, lr VALUE, eps VALUE",
                              description="Send a command to a live run through its folder and wait until it applies.")
    add_ctl_arguments(ctl)
    fork = commands.add_parser("fork", help="a new run from a run's checkpoint, with lr or eps changed there",
                               description="Start a new run in the same session from one of a run's checkpoints (its "
                                           "weights, optimizer, schedule, data position and random state), with lr or eps "
                                           "changed at that step; the parent is only read.")
    add_fork_arguments(fork)
    attach = commands.add_parser("attach", help="open the app on a live run (the newest, or the one given)",
                                 description="Watch and steer a run that trains in the background.")
    attach.add_argument("path", nargs="?", type=folder_path,
                        help="a run folder, a session folder, or a sessions folder").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    runner = commands.add_parser("queue-runner", help="start a session's queued runs one by one (the app starts it)",
                                 description="Start a session's queued runs one by one; the app and --demo start it.")
    runner.add_argument("session_dir", type=folder_path, help="the session folder whose queue.json to run").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    runner.add_argument("--start", action="store_true",
                        help="start it detached and return (restarts a stalled queue; nothing happens if one runs)")
    commands.add_parser("doctor", help="device, precision, whether --compile can work, versions, Hub reachability",
                        description="Say what this machine offers: device, precision, --compile, versions, the Hub.")


def _add_reading_commands(commands: argparse._SubParsersAction[OneLineParser]) -> None:
    """The commands that read what runs left: sessions, predict, report, export-tracker."""
    sessions = commands.add_parser("sessions", help="list saved sessions",
                                   description="List the saved sessions and each run's state (live, paused, died, finished...).")
    sessions.add_argument("--sessions-dir", type=folder_path, default=None, dest="sub_sessions_dir", metavar="DIR",
                          help=SESSIONS_DIR_HELP).complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    sessions.add_argument("--json", action="store_true", help="print every session and run as one JSON document")
    predict = commands.add_parser("predict", help="classify sentences with a trained model: one JSON line each",
                                  description="Classify sentences with a run's exported model (or a folder, Hub name, demo).")
    add_predict_arguments(predict)
    report = commands.add_parser("report", help="export a session report (md, html, json, csv)",
                                 description="Write a session's report: report.md, report.html, results.csv, session.json.")
    report.add_argument("session_dir", type=folder_path, help="the session folder").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    report.add_argument("--format", default="all", choices=["md", "html", "json", "csv", "all"],
                        help="which files: md (report.md), html (report.html), json (session.json), csv (results.csv), "
                             "or all (default all)")
    report.add_argument("--margin", metavar="POINTS", help="a sweep's verdict: two methods within ±POINTS accuracy points "
                        "are practically the same (default: the sweep's own --margin, or what its judging sentences can resolve)")
    report.add_argument("--out", type=folder_path, default=None,
                        help="the folder to write them to (default: the session folder)").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    mcp = commands.add_parser("mcp", help="serve the tool to a coding agent (Model Context Protocol, stdio)",
                              description="Serve sst2-tui's verbs (sessions, start_run, start_sweep, run_status, "
                                          "metric_history, steer, verdict, report, predict) as an MCP server on stdio, "
                                          "for a coding agent; needs `pip install 'sst2-tui[mcp]'`.")
    mcp.add_argument("--sessions-dir", type=folder_path, default=None, dest="sub_sessions_dir", metavar="DIR",
                     help=SESSIONS_DIR_HELP + "; every path a tool takes stays inside it").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    tracker = commands.add_parser("export-tracker", help="write a finished session to TensorBoard, MLflow or trackio",
                                  description="Write every ended run of a session (and a sweep's verdict) to a tracker, "
                                              "as --report-to would have live.")
    tracker.add_argument("session_dir", type=folder_path, help="the session folder").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it
    tracker.add_argument("--to", required=True, choices=("tensorboard", "mlflow", "trackio"),
                         help="the tracker (MLflow: $MLFLOW_TRACKING_URI; trackio: $TRACKIO_DIR or a Space)")
    tracker.add_argument("--project", metavar="NAME", help="MLflow experiment / trackio project (default: the session's name)")
    tracker.add_argument("--logdir", type=folder_path, metavar="DIR", help="tensorboard: write under DIR/SESSION/RUN "
                         "instead of each run folder's tensorboard/").complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab reads it


def _with_config_file(args: argparse.Namespace) -> argparse.Namespace:
    """The command line read again with its `--config` file's settings as the defaults (checked,
    one line naming the file and key when one is wrong)."""
    from sst2_tui.core.storage.config_file import read_config_files

    settings = read_config_files(args.config or [], args.set or [], sweep=args.command == "sweep")
    if args.command == "sweep" and "seed" in settings:  # a sweep's seeds are its innermost axis, `--seeds`
        words = settings.pop("seed")
        assert isinstance(words, list)
        if len(words) != 1 or "=" in words[0]:
            from sst2_tui.core.errors import UserError

            raise UserError("--config seed: the seeds are every method's; give a list such as seed = [0, 1, 2]")
        settings["seeds"] = words[0]
    again, _ = build_parser({args.command: settings}).parse_known_args(args.argv)
    again.argv = args.argv
    return again


def sessions_dir_from(args: argparse.Namespace) -> Path:
    from sst2_tui.core.storage.sessions import default_sessions_dir

    chosen = getattr(args, "sub_sessions_dir", None) or args.sessions_dir
    # absolute: every path the tool prints (sessions, run folders, reports) can be copied from any folder
    return folder_path(chosen) if chosen is not None else default_sessions_dir()


def session_with_work(path: Path) -> bool:
    """A session folder with none of its runs live yet and work left (runs queued, its queue runner
    or SLURM tasks on their way), or a sweep (all done: its grid and curves are still worth a look):
    attach then watches the session."""
    from sst2_tui.core.run.launch import live_runs
    from sst2_tui.core.storage.sweep_file import is_sweep
    from sst2_tui.core.sweep.work import has_work_left

    return (path / "runs").is_dir() and not live_runs(path) and (is_sweep(path) or has_work_left(path))


def _lazy(module: str, function: str) -> Callable[..., int]:
    """A command's function, imported when it runs: `sst2-tui --help` loads neither torch nor Textual."""
    return getattr(importlib.import_module(f"sst2_tui.cli.{module}"), function)


def _queue_runner(args: argparse.Namespace) -> int:
    from sst2_tui.core.run.queue_runner import ensure_queue_runner, run_queue
    from sst2_tui.core.storage.sessions import Session

    session = Session.open(args.session_dir)  # a missing folder is one line
    if args.start:
        ensure_queue_runner(session.path)
        return 0
    return run_queue(session.path, when_done=lambda: _after_points_end(session.path))


def _after_points_end(session_path: Path) -> list[QueueEntry]:
    """The queue runner's turn at a sweep's step after its points end (`Sweep.after_points_end`, the
    one home of that step): what it added, to queue; what it said, to the runner's log."""
    from sst2_tui.core.errors import UserError
    from sst2_tui.core.storage.queue_file import NewRun
    from sst2_tui.core.storage.sweep_file import is_sweep
    from sst2_tui.core.sweep.sweep import Sweep

    if not is_sweep(session_path):
        return []
    try:
        end = Sweep.open(session_path).after_points_end()
    except UserError as error:  # a damaged sweep.json is one line in the runner's log
        print(f"the next runs were not added: {error}", flush=True)
        return []
    for line in [*end.said, *([end.problem] if end.problem else [])]:
        print(line, flush=True)
    return [NewRun(config) for config in end.added]


def _app(args: argparse.Namespace) -> int:
    """No subcommand (the app, `--demo`) or `attach`."""
    from sst2_tui.tui.launching import launch

    if args.command == "attach" and args.path is not None and session_with_work(args.path):
        # a session whose queue runner has runs to start (a sweep before its first point): watch it
        return launch(sessions_dir=args.path.parent, watch=args.path, notify=args.notify)
    if getattr(args, "demo_epochs", None) is not None and not args.demo:
        from sst2_tui.core.errors import UserError

        raise UserError("--demo-epochs goes with --demo (sst2-tui --demo --demo-epochs 1)")
    if args.command == "attach" or not args.demo:
        from sst2_tui.core.run.launch import live_runs

        where = (args.path if args.command == "attach" else None) or sessions_dir_from(args)
        live = live_runs(where)  # the newest first
        if live:
            return launch(sessions_dir=sessions_dir_from(args), attach=live[0], notify=args.notify)
        if args.command == "attach":
            from sst2_tui.core.errors import UserError

            raise UserError(f"attach: no live run under {where}; see `sst2-tui sessions` (start one with `run --detach`)")
    return launch(sessions_dir=sessions_dir_from(args), queue=_demo_runs(args) if args.demo else None, notify=args.notify)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": lambda args: _lazy("run_command", "run_command")(args),
    "sweep": lambda args: _lazy("sweep_command", "sweep_command")(args, sessions_dir_from(args)),
    "queue-runner": _queue_runner,
    "ctl": lambda args: _lazy("ctl_command", "ctl_command")(args),
    "fork": lambda args: _lazy("fork_command", "fork_command")(args),
    "doctor": lambda args: _lazy("doctor", "doctor")(),
    "sessions": lambda args: _lazy("sessions_command", "sessions_command")(sessions_dir_from(args), as_json=args.json),
    "predict": lambda args: _lazy("predict_command", "predict_command")(args),
    "report": lambda args: _lazy("report_command", "report_command")(args),
    "export-tracker": lambda args: _lazy("export_tracker_command", "export_tracker_command")(args),
    "mcp": lambda args: _lazy("mcp_server", "mcp_command")(sessions_dir_from(args)),
}
"""Each subcommand and what runs it; anything else (no subcommand, `attach`) opens the app."""


def _ctl_fork_as_fork_now(argv: list[str]) -> list[str]:
    """`ctl RUN_DIR fork [--lr X ...]` is `fork RUN_DIR --now [--lr X ...]`: one way to fork a live run,
    two places a user looks for it."""
    if len(argv) >= 3 and argv[0] == "ctl" and argv[2] == "fork":
        return ["fork", argv[1], "--now", *argv[3:]]
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, stray = parser.parse_known_args(_ctl_fork_as_fork_now(list(sys.argv[1:] if argv is None else argv)))
    if stray and args.command == "predict" and not any(word.startswith("-") for word in stray):
        # `predict MODEL --batch-size 8 "a fine film"`: argparse leaves sentences after an option
        # unmatched (the TEXT list was already closed); they are sentences, in the order typed.
        args.texts = [*args.texts, *stray]
    elif stray:
        parser.error(f"unrecognized arguments: {' '.join(stray)}")
    if (problem := control_character_problem(parser, args)) is not None:
        parser.error(problem)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # `run --detach` runs the same line again
    try:
        if getattr(args, "config", None) or getattr(args, "set", None):
            args = _with_config_file(args)
        return COMMANDS.get(args.command, _app)(args)
    except BrokenPipeError:  # `sst2-tui sessions --json | head`: the reader left; so do we, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        from sst2_tui.core.errors import EXIT_INTERRUPTED

        sys.stderr.write(f"{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as error:
        from sst2_tui.core.errors import UserError

        if isinstance(error, UserError):
            sys.stderr.write(f"{PROG}: {error}\n")
            return error.exit_code
        if isinstance(error, OSError) and error.errno in PATH_ERRORS:  # a path the user typed (every command)
            from sst2_tui.core.errors import EXIT_BAD_INPUT, quote

            where = quote(str(error.filename), 80) if error.filename else "a path"
            sys.stderr.write(f"{PROG}: {where}: {error.strerror}; {PATH_ERRORS[error.errno]}\n")
            return EXIT_BAD_INPUT
        raise


if __name__ == "__main__":
    raise SystemExit(main())


def _demo_runs(args: argparse.Namespace) -> list[RunConfig]:
    """`--demo`'s queue, `--demo-epochs` long when given (checked as `run --epochs` is)."""
    from sst2_tui.core.config import ConfigError
    from sst2_tui.core.errors import UserError
    from sst2_tui.core.run.demo_runs import demo_queue

    try:
        return demo_queue(args.demo_epochs)
    except ConfigError as error:
        raise UserError(f"--demo-epochs: {error}") from None

