"""`sst2-tui report SESSION_DIR [--format md|html|json|csv|all] [--out DIR] [--margin POINTS]`."""

from __future__ import annotations

import argparse
import sys

from sst2_tui.core.errors import UserError, shown_path, why_not_written


def report_command(args: argparse.Namespace) -> int:
    from sst2_tui.core.report.files import FORMATS, write_report

    if not args.session_dir.is_dir():
        raise UserError(f"{shown_path(args.session_dir)}: no such session folder; see `sst2-tui sessions`")
    from sst2_tui.cli.sweep_flags import margin_points

    margin = margin_points(args.margin)
    formats = FORMATS if args.format == "all" else (args.format,)
    try:
        report = write_report(args.session_dir, formats, args.out, margin)
    except OSError as error:
        where = shown_path(error.filename or args.out or args.session_dir)
        raise UserError(f"cannot write the report to {where}: {why_not_written(error)}; "
                        "or choose another folder with --out") from None
    for path in report.paths:
        print(path)
    if report.verdict is not None:  # a sweep's answer, where the user looks (the files hold it in full)
        print("\n".join(["", *report.verdict.lines()]))
    for problem in report.skipped:
        sys.stderr.write(f"sst2-tui report: warning: {problem}\n")
    return 0

