"""`sst2-tui export-tracker SESSION_DIR --to tensorboard|mlflow|trackio [--project NAME] [--logdir DIR]`:
a finished session written to a tracker after the fact, as `--report-to` would have written it live."""

from __future__ import annotations

import argparse
import sys

from sst2_tui.core.errors import EXIT_FAILED, UserError, shown_path


def export_tracker_command(args: argparse.Namespace) -> int:
    from sst2_tui.core.storage.sessions import Session
    from sst2_tui.core.tracker_names import check_installed

    if not args.session_dir.is_dir():
        raise UserError(f"{shown_path(args.session_dir)}: no such session folder; see `sst2-tui sessions`")
    if args.logdir is not None and args.to != "tensorboard":
        raise UserError(f"export-tracker: --logdir is where TensorBoard's files go; {args.to} keeps its own (drop --logdir)")
    if args.project is not None and not args.project.strip():
        raise UserError("export-tracker: --project is empty; give a name, or leave it out for the session's")
    if args.to == "tensorboard" and args.logdir is None:  # its files go into the session's run folders
        from sst2_tui.core.storage.own_files import check_own_base

        try:
            check_own_base(args.session_dir)
        except UserError:
            raise UserError(f"{shown_path(args.session_dir)}: belongs to another user; sst2-tui writes only into its own "
                            "folders: give --logdir DIR, a folder of yours, for TensorBoard's files") from None
    check_installed((args.to,))
    from sst2_tui.core.trackers.session_export import export_session

    outcome = export_session(Session.open(args.session_dir), args.to, args.project, args.logdir)
    for line in outcome.written:
        print(line)
    for line in outcome.skipped:
        sys.stderr.write(f"sst2-tui export-tracker: skipped {line}\n")
    for line in dict.fromkeys(outcome.failures):  # a tracker that failed for every run: said once
        sys.stderr.write(f"sst2-tui export-tracker: {line}\n")
    if not outcome.written:
        raise UserError(f"{shown_path(args.session_dir)}: no ended run to export")
    return EXIT_FAILED if outcome.failures else 0
