"""What a report says and in which order, written once: a list of blocks (headings, paragraphs,
tables, charts) that the Markdown and HTML renderers turn into their own markup.

Texts are templates of our own with `{}` slots for values from data or models; each renderer
escapes the values for its format (and, in HTML, the template too). Table cells are all values."""

from __future__ import annotations

from sst2_tui.core.config import LABEL_NAMES
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.report.blocks import Block, Charts, CompareCharts, Facts, Heading, Paragraph, Preformatted, SeedBands, Table
from sst2_tui.core.report.charts import finite
from sst2_tui.core.report.compare import COLUMNS, session_notes, setting_text, settings_of
from sst2_tui.core.report.content import GroupReport, RunReport, SessionReport
from sst2_tui.core.report.forks import ONE_PAIR, Family
from sst2_tui.core.report.sweep_layout import sweep_blocks
from sst2_tui.core.summary import Summary
from sst2_tui.core.text.words import mean_std_text

NOISE_NOTE = ("One run's validation accuracy on n sentences has a standard error of sqrt(p(1-p)/n): about one point "
              "at 90% on SST-2's 872. Differences smaller than two standard errors are not evidence.")

__all__ = ["Block", "Charts", "CompareCharts", "Facts", "Heading", "Paragraph", "SeedBands", "Table"]  # the renderers import them here

SHORT_PATH = 32


def short_path(text: str, limit: int = SHORT_PATH) -> str:
    """`…/checkpoints/gpt2-medium` for a long path: the last parts that fit, the last one always whole."""
    if len(text) <= limit or "/" not in text:
        return text
    parts = text.rstrip("/").split("/")
    kept = parts.pop()
    while parts and len(parts[-1]) + len(kept) + 3 <= limit:
        kept = f"{parts.pop()}/{kept}"
    return "…/" + kept


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def _world(device: DeviceInfo) -> str:
    """", 2 processes (gloo)" for a data-parallel run's device; nothing for one process."""
    return f", {device.world_size} processes ({device.backend or '?'})" if device.world_size > 1 else ""


def _best(run: RunReport) -> float | None:
    return run.summary.best_val_accuracy if run.summary else None


def document(data: SessionReport) -> list[Block]:
    device = data.device
    versions = ", ".join(f"{k} {v}" for k, v in data.versions.items())
    blocks: list[Block] = [
        Heading(1, "Session {}", (data.session,)),
        Facts([("created", "{}; host: {}", (data.created or "-", data.host or "-")),
               ("device", "{} ({}){}", (device.name, device.kind, _world(device)) if device else ("-", "-", "")),
               ("versions", "{}", (versions or "-",))]),
        *(sweep_blocks(data.sweep, data.runs) if data.sweep else []),  # a sweep's report opens with its answer
        Heading(2, "Results (validation accuracy)"),
        Table(list(COLUMNS), [[_cell(c, run.row[c]) for c in COLUMNS] for run in data.runs]),
        *_full_paths(data.runs),
        *(Paragraph("{}", (note,)) for note in session_notes([(run.run_id, run.config, _best(run)) for run in data.runs])),
        CompareCharts({r.run_id: bucket_means(r.loss_curve) for r in data.runs if r.loss_curve},
                      {r.run_id: r.accuracy_curve for r in data.runs if r.accuracy_curve}),
        *_repeated(data.groups),
        *_families(data.families, data.runs),
        Heading(2, "Settings that differ between runs"),
    ]
    if data.differing_settings:
        blocks.append(Table(["setting", *(r.run_id for r in data.runs)],
                            [[key, *(_setting(r, key) for r in data.runs)] for key in data.differing_settings],
                            emphasized_from_column=1))
    else:
        blocks.append(Paragraph("No differences."))
    blocks += [Heading(2, "Noise"), Paragraph(NOISE_NOTE)]
    if data.skipped_files:
        blocks += [Heading(2, "Skipped files"), Table(["why"], [[problem] for problem in data.skipped_files])]
    for run in data.runs:
        blocks += run_blocks(run)
    return blocks


def _repeated(groups: list[GroupReport]) -> list[Block]:
    """The same settings run more than once: mean ± std over their finished runs, and over what."""
    if not groups:
        return []
    return [Heading(2, "Repeated configurations (mean ± std over their finished runs)"),
            Table(["group", "method", "model", "runs", "seeds", "spread over", "best acc %", "final acc %"],
                  [[g.id, str(g.method), short_path(str(g.model)), str(g.n), ",".join(str(s) for s in g.seeds),
                    g.over, mean_std_text(g.best_mean, g.best_std, 2), mean_std_text(g.final_mean, g.final_std, 2)]
                   for g in groups])]


def _families(families: list[Family], runs: list[RunReport]) -> list[Block]:
    """Forked runs: per family its lineage tree, its curves on one chart (the parent's whole run and each
    fork from its branch step) and each fork against its parent."""
    if not families:
        return []
    by_id = {run.run_id: run for run in runs}
    blocks: list[Block] = [Heading(2, "Forked runs (sst2-tui fork)"),
                           Paragraph("A fork is its own setting: never counted as another seed of its parent's, "
                                     "in the repeated configurations or a sweep's verdict.")]
    for family in families:
        members = [by_id[m] for m in family.members if m in by_id]
        blocks += [Heading(3, "{} and its forks", (family.root,)), Preformatted(family.tree),
                   CompareCharts({r.run_id: bucket_means(r.loss_curve) for r in members if r.loss_curve},
                                 {r.run_id: r.accuracy_curve for r in members if r.accuracy_curve}),
                   *(Paragraph("{}", (answer.text(),)) for answer in family.answers), Paragraph(ONE_PAIR)]
    return blocks


def bucket_means(points: list[list[float]], buckets: int = 40) -> list[list[float]]:
    """At most `buckets` points, each the mean of its span's finite values at the span's last step:
    per-step losses of several runs on one chart are noise; their trend is what compares."""
    kept = finite(points)
    if len(kept) <= buckets:
        return [list(p) for p in kept]
    size = len(kept) / buckets
    spans = [kept[round(i * size):round((i + 1) * size)] for i in range(buckets)]
    return [[span[-1][0], sum(y for _, y in span) / len(span)] for span in spans if span]


def _cell(column: str, value: str) -> str:
    return short_path(value) if column == "model" else value


def _full_paths(runs: list[RunReport]) -> list[Block]:
    """The footnote for shortened model paths: each in full, once."""
    long = [(r.run_id, r.row["model"]) for r in runs if short_path(r.row["model"]) != r.row["model"]]
    if not long:
        return []
    return [Facts([("model of " + run_id, "{}", (path,)) for run_id, path in long])]


def run_blocks(run: RunReport) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Run {}: {} ({})", (run.run_id, run.config.method if run.config else "?", run.status))]
    if run.failure:
        blocks.append(Paragraph("Why it ended: {}. {}", (run.failure.error, run.failure.hint or "")))
    if run.evaluation_only:
        blocks.append(Paragraph("Evaluation only: no training."))
    summary = run.summary or Summary(run_id=run.run_id)
    final, se = summary.final_val_accuracy, run.standard_error
    if final is not None:
        noise = f" ± {100 * se:.2f} (standard error, n={run.validation_n})" if se is not None else ""
        blocks.append(Paragraph(f"Final validation accuracy {_pct(final)}%{noise}."))  # numbers only
    if summary.stop_reason == "early_stop":
        blocks.append(Paragraph("Stopped early: {} evaluations without a better validation accuracy (--patience).",
                                (run.config.patience if run.config else "?",)))
    if summary.export_path:
        blocks.append(Paragraph("Exported model (step {}): {} (load it with from_pretrained, or `sst2-tui predict`).",
                                (summary.export_step, summary.export_path)))
    blocks.append(Charts(run.loss_curve, run.accuracy_curve))
    if run.timeline:
        blocks.append(Table(["step", "event"], [[str(item.step), item.detail] for item in run.timeline]))
    if run.misclassified:
        steps, exported = summary.steps, summary.export_step
        # predictions.jsonl is the final evaluation's; the export may be an earlier, better step.
        blocks += [Paragraph("Most confidently misclassified validation sentences, by the final weights (step {}):", (steps,))
                   if exported in (None, steps) else
                   Paragraph("Most confidently misclassified validation sentences, by the final weights (step {}; the "
                             "exported model is step {}):", (steps, exported)),
                   _mistakes_table(run)]
        if len(run.label_names) > 2 and run.confusions:
            blocks.append(Paragraph("Mixed up most: {}.", ("; ".join(f"{label} taken for {taken} {count} time(s)"
                                                                    for label, taken, count in run.confusions),)))
    if run.bad_log_lines:
        blocks.append(Paragraph("{} unreadable line(s) in this run's log were skipped.", (run.bad_log_lines,)))
    return blocks


def _mistakes_table(run: RunReport) -> Table:
    """SST-2's labels by number, as always; a task's own labels by name, with the answer given."""
    if run.label_names == list(LABEL_NAMES):
        return Table(["confidence", "label", "sentence"], [[f"{m.confidence:.3f}", str(m.label), m.text] for m in run.misclassified])

    def name(k: int) -> str:
        return run.label_names[k] if 0 <= k < len(run.label_names) else f"LABEL_{k}"

    return Table(["confidence", "label", "answered", "sentence"],
                 [[f"{m.confidence:.3f}", name(m.label), name(m.predicted), m.text] for m in run.misclassified])


def _setting(run: RunReport, key: str) -> str:
    settings = settings_of(run.config, run.effective)
    return setting_text(key, settings.get(key)) if settings else "- (never started)"
