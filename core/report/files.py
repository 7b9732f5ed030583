"""Write a session's report files: report.md, report.html, results.csv, session.json (atomically)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.report.content import CSV_COLUMNS, SessionReport, session_report
from sst2_tui.core.report.html import render_html
from sst2_tui.core.report.markdown import render_markdown
from sst2_tui.core.report.sweep_verdict import SweepVerdict
from sst2_tui.core.storage.files import atomic_write_text
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Summary

FORMATS = ("md", "html", "json", "csv")


def render_csv(data: SessionReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for run in data.runs:
        config, summary = run.config, run.summary or Summary(run_id=run.run_id)

        def chosen(name: str, config: RunConfig | None = config) -> object:  # empty where the settings do not read
            return getattr(config, name) if config else None

        writer.writerow({name: _cell(value) for name, value in {
            "run_id": run.run_id, "method": chosen("method"), "model": chosen("model"), "init": chosen("init"),
            "seed": chosen("seed"), "lr": chosen("lr"), "eps": chosen("eps"),
            "final_lr": summary.final_lr, "final_eps": summary.final_eps,
            "precision": summary.precision or chosen("precision"), "epochs": chosen("epochs"),
            "batch_size": chosen("batch_size"), "status": run.status.value, "steps": summary.steps,
            "best_val_accuracy": summary.best_val_accuracy, "final_val_accuracy": summary.final_val_accuracy,
            "seconds_per_epoch": summary.seconds_per_epoch, "train_samples_per_second": summary.train_samples_per_second,
            "trainable_params": summary.trainable_params, "total_params": summary.total_params,
            "nonfinite_events": summary.nonfinite_events, "group": run.group, "metric_name": summary.metric_name,
            "best_val_metric": summary.best_val_metric, "final_val_metric": summary.final_val_metric,
        }.items()})
    return buffer.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (a model path or run name starting with `=`,
    `+`, `-`, `@`) gets a leading apostrophe, OWASP's advice; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class ReportWritten:
    paths: list[Path]
    skipped: list[str]
    """The session's files skipped as unreadable, each naming its path."""
    verdict: SweepVerdict | None
    """A sweep's verdict (`report` prints it), else None."""


def write_report(session_dir: Path, formats: tuple[str, ...] = FORMATS, out: Path | None = None,
                 margin: float | None = None) -> ReportWritten:
    if not ((session_dir / "session.json").is_file() or (session_dir / "runs").is_dir()):
        raise UserError(f"{session_dir}: not a session folder (no session.json or runs/); see `sst2-tui sessions`")
    session = Session.open(session_dir)
    data = session_report(session, margin)
    target = out or session_dir
    target.mkdir(parents=True, exist_ok=True)
    renderers = {"md": ("report.md", render_markdown), "html": ("report.html", render_html),
                 # session.json keeps the session's own fields (name, created, host) and adds the report's data
                 "json": ("session.json", lambda d: json.dumps({**session.meta, **d.to_json()}, indent=2, default=str) + "\n"),
                 "csv": ("results.csv", render_csv)}
    written = []
    for name in formats:
        filename, render = renderers[name]
        path = target / filename
        atomic_write_text(path, render(data))  # a full disk leaves the previous report whole
        written.append(path)
    return ReportWritten(written, data.skipped_files, data.sweep)
