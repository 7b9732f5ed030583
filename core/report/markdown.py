"""The Markdown report. Text from data or models is escaped: it shows literally, never as markup."""

from __future__ import annotations

import re
from typing import Any

from core.report.charts import text_sparkline
from core.report.compare import COLUMNS

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md_escape(text: Any) -> str:
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", value).replace("\n", " ")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def render_markdown(data: dict[str, Any]) -> str:
    out: list[str] = [f"# Session {md_escape(data['session'])}", ""]
    device = data.get("device") or {}
    out.append(f"- created: {md_escape(data.get('created') or '-')}; host: {md_escape(data.get('host') or '-')}")
    out.append(f"- device: {md_escape(device.get('name', '-'))} ({md_escape(device.get('kind', '-'))})")
    versions = ", ".join(f"{md_escape(k)} {md_escape(v)}" for k, v in (data.get("versions") or {}).items())
    out.append(f"- versions: {versions or '-'}")
    out += ["", "## Results (validation accuracy)", ""]
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "---|" * len(COLUMNS))
    for run in data["runs"]:
        out.append("| " + " | ".join(md_escape(run["row"][c]) for c in COLUMNS) + " |")
    out += ["", "## Repeated configurations (mean ± std over seeds)", ""]
    out.append("| group | method | model | runs | seeds | best acc % | final acc % |")
    out.append("|---|---|---|---|---|---|---|")
    for group in data["groups"]:
        best = "-" if group["best_mean"] is None else f"{100 * group['best_mean']:.2f} ± {100 * group['best_std']:.2f}"
        final = "-" if group["final_mean"] is None else f"{100 * group['final_mean']:.2f} ± {100 * group['final_std']:.2f}"
        seeds = ",".join(str(s) for s in group["seeds"])
        out.append(f"| {group['id']} | {md_escape(group['method'])} | {md_escape(group['model'])} | {group['n']} | {seeds} | "
                   f"{best} | {final} |")
    out += ["", "## Effective settings that differ between runs", ""]
    if data["differing_settings"]:
        out.append("| setting | " + " | ".join(md_escape(r["run_id"]) for r in data["runs"]) + " |")
        out.append("|---|" + "---|" * len(data["runs"]))
        for key in data["differing_settings"]:
            cells = " | ".join(f"**{md_escape(r['effective'].get(key))}**" for r in data["runs"])
            out.append(f"| {md_escape(key)} | {cells} |")
    else:
        out.append("No differences.")
    out += ["", "## Noise", "",
            "One run's validation accuracy on n sentences has a standard error of sqrt(p(1-p)/n): about one point "
            "at 90% on SST-2's 872. Differences smaller than two standard errors are not evidence.", ""]
    for run in data["runs"]:
        out += _run_section(run)
    return "\n".join(out) + "\n"


def _run_section(run: dict[str, Any]) -> list[str]:
    out = [f"## Run {md_escape(run['run_id'])}: {md_escape(run['config'].get('method'))} ({md_escape(run['status'])})", ""]
    if run["evaluation_only"]:
        out.append("Evaluation only: no training.")
    se = run.get("standard_error")
    final = run["summary"].get("final_val_accuracy")
    if final is not None:
        noise = f" ± {100 * se:.2f} (standard error, n={run['validation_n']})" if se is not None else ""
        out.append(f"Final validation accuracy {_pct(final)}%{noise}.")
    if run["loss_curve"]:
        out += ["", f"Loss: `{text_sparkline(run['loss_curve'])}`"]
    if run["accuracy_curve"]:
        out.append(f"Validation accuracy: `{text_sparkline(run['accuracy_curve'])}`")
    if run["timeline"]:
        out += ["", "| step | event |", "|---|---|"]
        out += [f"| {item['step']} | {md_escape(item['detail'])} |" for item in run["timeline"]]
    if run["misclassified"]:
        out += ["", "Most confidently misclassified validation sentences:", "", "| confidence | label | sentence |",
                "|---|---|---|"]
        out += [f"| {m['confidence']:.3f} | {m['label']} | {md_escape(m['text'])} |" for m in run["misclassified"]]
    if run["bad_log_lines"]:
        out.append(f"\n{run['bad_log_lines']} unreadable line(s) in this run's log were skipped.")
    out.append("")
    return out
