"""Session reports: structure of each format, escaping of data, statistics, damaged sessions."""

from __future__ import annotations

import csv
import io
import json
import math
from html.parser import HTMLParser

from sst2_tui.core.config import RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import (
    Checkpoint,
    CommandSpec,
    Control,
    Eval,
    Nonfinite,
    Paused,
    Resumed,
    RunFailed,
    RunFinished,
    RunStarted,
    Step,
)
from sst2_tui.core.report.content import CSV_COLUMNS, mean_std, standard_error
from sst2_tui.core.report.files import write_report
from sst2_tui.core.storage.files import EventLog
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Summary

NASTY = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[bold]x[/bold] *not bold* | pipe"]


def record_run(session: Session, method: str, seed: int, accuracy: float | None, status: str = "finished",
               torn: bool = False, data: str = "demo") -> None:
    config = RunConfig(method=method, model="demo", data=data, seed=seed).resolved()
    folder = session.new_run(config)
    log = EventLog(folder.events_path)
    log.append(RunStarted(run_id=folder.run_id, method=method, config=config,
                          effective={"max_grad_norm": 1.0 if method == "trainer" else None}, device=DeviceInfo("cpu", "CPU"),
                          precision="fp32", trainable_params=100, total_params=100, versions={"torch": "x"},
                          train_examples=10, eval_examples=3, total_steps=4, steps_per_epoch=4, time=0.0))
    for step in (1, 2, 3):
        log.append(Step(step=step, epoch=step / 4, loss=1.0 / step, lr=1e-3, eps=1e-8, samples_per_second=1.0,
                        tokens_per_second=1.0, memory_mb=None, time=0.0))
    log.append(Control(step=2, command=CommandSpec("set_lr", 2e-5), old=1e-3, new=2e-5, time=0.0))
    log.append(Paused(step=2, time=0.0))
    log.append(Resumed(step=2, time=0.0))
    log.append(Nonfinite(step=3, what="loss", diagnosis="eps rounds to 0", suggestions=[], action="skipped", time=0.0))
    if accuracy is not None:
        log.append(Eval(step=3, epoch=0.75, accuracy=accuracy, loss=0.5, n=3, best_accuracy=accuracy, seconds=0.0, time=0.0))
        log.append(Checkpoint(step=3, path="x", reason="final", time=0.0))
    if status == "finished":
        summary = Summary(run_id=folder.run_id, best_val_accuracy=accuracy, final_val_accuracy=accuracy, steps=3,
                          precision="fp32", export_step=2 if seed == 0 else 3)
        log.append(RunFinished(summary=summary, time=0.0))
        folder.summary_path.write_text(json.dumps(summary.to_json()))
    elif status == "failed":
        log.append(RunFailed(error="boom <b>", hint="h", time=0.0))
    log.close()
    if torn:
        with folder.events_path.open("ab") as handle:
            handle.write(b'{"type":"step","st\xff\xfe')
    rows = [{"text": text, "label": 1, "p_positive": 0.01 * (i + 1)} for i, text in enumerate(NASTY)]
    (folder.path / "predictions.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def build_session(tmp_path) -> Session:
    session = Session.create(tmp_path, "report-test")
    record_run(session, "full", 0, 0.9)
    record_run(session, "full", 1, 0.8)
    record_run(session, "trainer", 0, 0.7)
    record_run(session, "lora", 0, None, status="failed")
    record_run(session, "lora", 1, 0.6, status="died", torn=True)
    return session


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


def test_all_formats_and_escaping(tmp_path):
    session = build_session(tmp_path)
    written = write_report(session.path).paths
    assert {p.name for p in written} == {"report.md", "report.html", "session.json", "results.csv"}

    html = (session.path / "report.html").read_text()
    parser = Collector()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags, "no element comes from the data"
    assert not [a for a in parser.attributes if a[0] in ("src", "href", "onerror")], "no network references"
    assert parser.tags.count("svg") == 2 + 2 * 5, "the two compare charts, then a loss and an accuracy chart per run"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html

    markdown = (session.path / "report.md").read_text()
    assert "<script>" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in markdown
    assert "\\[bold\\]x\\[/bold\\] \\*not bold\\* \\| pipe" in markdown
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings == ["# Session report\\-test", "## Results (validation accuracy)",
                        "## Repeated configurations (mean ± std over their finished runs)", "## Settings that differ between runs",
                        "## Noise", "## Run 01\\-full: full (finished)", "## Run 02\\-full: full (finished)",
                        "## Run 03\\-trainer: trainer (finished)", "## Run 04\\-lora: lora (failed)",
                        "## Run 05\\-lora: lora (died)"]
    assert "85.00 ± 7.07" in markdown, "mean ± std of the two seeded full runs"
    assert "lr 1e\\-3 \\-&gt; 2e\\-5" in markdown
    assert "unreadable line(s)" in markdown
    mistakes = [line for line in markdown.splitlines() if line.startswith("Most confidently misclassified")]
    assert mistakes[0].endswith("by the final weights (step 3; the exported model is step 2):")
    assert mistakes[1].endswith("by the final weights (step 3):"), "no second step named when the export is the last"

    rows = list(csv.DictReader(io.StringIO((session.path / "results.csv").read_text())))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [r["status"] for r in rows] == ["finished", "finished", "finished", "failed", "died"]
    assert rows[0]["group"] == rows[1]["group"] != rows[2]["group"]

    data = json.loads((session.path / "session.json").read_text())
    assert data["schema_version"] == 1 and data["name"] == "report-test" and len(data["runs"]) == 5
    # chosen (lora's lr, the seeds) and hidden (Trainer's clipping) settings; the failed lora run that
    # never started has no settings, and does not make the ~30 others "differ"
    assert data["differing_settings"] == ["lr", "seed", "max_grad_norm"]
    first = data["runs"][0]
    assert first["misclassified"][0]["text"] == NASTY[0] and first["misclassified"][0]["confidence"] == 0.99
    assert [item["kind"] for item in first["timeline"]] == ["set lr", "paused", "resumed", "nonfinite", "checkpoint"]
    assert Session.open(session.path).meta["created"], "the session's own fields survive the report"


def test_repeated_configurations_hold_finished_runs_and_say_over_what(tmp_path):
    """#34 app item 11: no empty group from failed runs; two runs of one seed are not "over seeds";
    the data is among the settings that differ."""
    from sst2_tui.core.report.content import session_report

    session = Session.create(tmp_path, "s")
    record_run(session, "full", 0, 0.9)
    record_run(session, "full", 0, 0.8)  # the same seed twice
    record_run(session, "lora", 0, None, status="failed")
    record_run(session, "lora", 1, None, status="failed")  # a group none of whose runs finished
    record_run(session, "trainer", 0, 0.7, data="other.tsv")
    data = session_report(Session.open(session.path))
    assert [(g.method, g.n, g.over) for g in data.groups] == [("full", 2, "repeats of one seed")]
    assert "data" in data.differing_settings
    written = write_report(session.path, ("md",)).paths
    markdown = written[0].read_text()
    assert "repeats of one seed" in markdown and "over seeds" not in markdown.split("## Settings")[0]


def test_statistics_on_known_numbers():
    mean, std = mean_std([0.9, 0.8])
    assert math.isclose(mean, 0.85) and math.isclose(std, 0.0707106781, rel_tol=1e-6)
    assert mean_std([0.5]) == (0.5, None), "one run: no spread, not a spread of 0"
    assert mean_std([]) == (None, None)
    assert math.isclose(standard_error(0.9, 872), 0.01016, rel_tol=1e-3)


def test_report_command_on_a_damaged_log(tmp_path, capsys):
    from sst2_tui.cli.main import main

    session = build_session(tmp_path)
    assert main(["report", str(session.path), "--format", "md", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "report.md").exists()
    assert main(["report", str(tmp_path / "missing")]) == 2


def test_results_csv_neutralises_spreadsheet_formulas_and_keeps_numbers():
    from sst2_tui.core.report.content import RunReport, SessionReport
    from sst2_tui.core.report.files import render_csv
    from sst2_tui.core.summary import Status, Summary

    run = RunReport(run_id="=HYPERLINK(\"http://x\")", status=Status.FINISHED, group="@SUM(A1)",
                    config=RunConfig(model="+cmd|' /C calc'!A0", method="full", lr=1e-5),
                    summary=Summary(run_id="r", best_val_accuracy=0.9, final_lr=-1e-5), effective={}, device=None, versions={},
                    evaluation_only=False, loss_curve=[], accuracy_curve=[], validation_n=None, standard_error=None, timeline=[],
                    misclassified=[], unusable_files=[], bad_log_lines=0, failure=None, row={})
    data = SessionReport(1, "s", None, None, None, {}, [run], [], None, [], [], [])
    import csv
    import io

    row = next(csv.DictReader(io.StringIO(render_csv(data))))
    assert row["run_id"].startswith("'=") and row["model"].startswith("'+") and row["group"].startswith("'@")
    assert row["final_lr"] == "-1e-05" and row["best_val_accuracy"] == "0.9", "numbers are not text"


def test_a_run_that_never_started_makes_no_setting_differ():
    from sst2_tui.core.report.compare import differing_settings, setting_text, settings_of

    config = RunConfig(model="demo", data="demo").resolved()
    started = settings_of(config, {"max_grad_norm": None})
    assert settings_of(config, {}) == {}, "no effective settings: it never started"
    assert differing_settings([started, {}, dict(started)]) == []
    assert differing_settings([started, {**started, "lr": 3e-4}, {}]) == ["lr"]
    assert setting_text("lr", 3e-4) == "3e-4" and setting_text("max_grad_norm", None) == "none"


def test_a_run_that_did_not_finish_says_why_and_one_run_has_no_spread(tmp_path):
    """#28 rough edges: failed runs had no error text; "mean ± std" was shown for single runs."""
    session = build_session(tmp_path)
    write_report(session.path, ("md", "json"))
    report = (session.path / "report.md").read_text()
    failed = report[report.index("## Run 04\\-lora"):report.index("## Run 05\\-lora")]
    assert "Why it ended: boom &lt;b&gt;. h" in failed
    died = report[report.index("## Run 05\\-lora"):]
    assert "Why it ended: its process ended without finishing" in died and "sst2\\-tui run \\-\\-resume" in died
    record_run(session, "trainer", 1, None, status="failed")  # a repeat of 03-trainer that did not finish
    write_report(session.path, ("md", "json"))
    report = (session.path / "report.md").read_text()
    trainer_row = next(line for line in report.splitlines() if line.startswith("| g") and "| trainer |" in line)
    assert "70.00 \\(n=1: no spread\\)" in trainer_row and "±" not in trainer_row
    groups = json.loads((session.path / "session.json").read_text())["groups"]
    assert next(g for g in groups if g["method"] == "trainer")["best_std"] is None


def test_a_sweeps_report_opens_with_its_verdict_and_report_prints_it(tmp_path, capsys):
    from sst2_tui.cli.main import main
    from tests.sweep_session import recorded_sweep

    sweep = recorded_sweep(tmp_path / "sessions", "sw")
    assert main(["report", str(sweep.path), "--format", "md"]) == 0
    printed = capsys.readouterr().out
    assert "Verdict: can't tell yet whether full or lora is better: full − lora" in printed, "the answer on stdout"
    headings = [line for line in (sweep.path / "report.md").read_text().splitlines() if line.startswith("#")]
    assert headings[1:3] == ["## Sweep: which method is better",
                             "### Verdict: on the judging half (20 sentences), intervals over seeds and sentences, 95% for "
                             "all pairs together"]
    assert headings.index("## Results (validation accuracy)") > 2, "the runs come after the answer"
