"""The HTML report: one self-contained file, inline SVG charts, no scripts and nothing fetched.
Every piece of text from data or models goes through `html.escape`."""

from __future__ import annotations

from html import escape
from typing import Any

from core.report.charts import svg_line_chart
from core.report.compare import COLUMNS

STYLE = ("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}th{background:#f4f4f4}.diff{font-weight:bold;"
         "background:#fff3c4}.charts svg{margin-right:1em}")


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def render_html(data: dict[str, Any]) -> str:
    device = data.get("device") or {}
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Session {_e(data['session'])}</title><style>{STYLE}</style></head><body>",
             f"<h1>Session {_e(data['session'])}</h1>",
             f"<p>Created {_e(data.get('created') or '-')} on {_e(data.get('host') or '-')}; device "
             f"{_e(device.get('name', '-'))} ({_e(device.get('kind', '-'))}).</p>",
             "<p>Versions: " + ", ".join(f"{_e(k)} {_e(v)}" for k, v in (data.get("versions") or {}).items()) + "</p>",
             "<h2>Results (validation accuracy)</h2><table><tr>" + "".join(f"<th>{_e(c)}</th>" for c in COLUMNS) + "</tr>"]
    for run in data["runs"]:
        parts.append("<tr>" + "".join(f"<td>{_e(run['row'][c])}</td>" for c in COLUMNS) + "</tr>")
    parts.append("</table><h2>Repeated configurations (mean &plusmn; std over seeds)</h2><table><tr><th>group</th>"
                 "<th>method</th><th>model</th><th>runs</th><th>seeds</th><th>best acc %</th><th>final acc %</th></tr>")
    for group in data["groups"]:
        best = "-" if group["best_mean"] is None else f"{100 * group['best_mean']:.2f} &plusmn; {100 * group['best_std']:.2f}"
        final = "-" if group["final_mean"] is None else f"{100 * group['final_mean']:.2f} &plusmn; {100 * group['final_std']:.2f}"
        parts.append(f"<tr><td>{_e(group['id'])}</td><td>{_e(group['method'])}</td><td>{_e(group['model'])}</td>"
                     f"<td>{group['n']}</td><td>{_e(','.join(str(s) for s in group['seeds']))}</td><td>{best}</td>"
                     f"<td>{final}</td></tr>")
    parts.append("</table><h2>Effective settings that differ between runs</h2>")
    if data["differing_settings"]:
        parts.append("<table><tr><th>setting</th>" + "".join(f"<th>{_e(r['run_id'])}</th>" for r in data["runs"]) + "</tr>")
        for key in data["differing_settings"]:
            cells = "".join(f'<td class="diff">{_e(r["effective"].get(key))}</td>' for r in data["runs"])
            parts.append(f"<tr><td>{_e(key)}</td>{cells}</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No differences.</p>")
    parts.append("<h2>Noise</h2><p>One run's validation accuracy on n sentences has a standard error of sqrt(p(1-p)/n): "
                 "about one point at 90% on SST-2's 872. Differences smaller than two standard errors are not evidence.</p>")
    for run in data["runs"]:
        parts += _run_section(run)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _run_section(run: dict[str, Any]) -> list[str]:
    parts = [f"<h2>Run {_e(run['run_id'])}: {_e(run['config'].get('method'))} ({_e(run['status'])})</h2>"]
    if run["evaluation_only"]:
        parts.append("<p>Evaluation only: no training.</p>")
    final, se = run["summary"].get("final_val_accuracy"), run.get("standard_error")
    if final is not None:
        noise = f" &plusmn; {100 * se:.2f} (standard error, n={run['validation_n']})" if se is not None else ""
        parts.append(f"<p>Final validation accuracy {100 * final:.2f}%{noise}.</p>")
    parts.append('<div class="charts">' + svg_line_chart(run["loss_curve"], "training loss")
                 + svg_line_chart(run["accuracy_curve"], "validation accuracy", (0.0, 1.0)) + "</div>")
    if run["timeline"]:
        parts.append("<table><tr><th>step</th><th>event</th></tr>")
        parts += [f"<tr><td>{item['step']}</td><td>{_e(item['detail'])}</td></tr>" for item in run["timeline"]]
        parts.append("</table>")
    if run["misclassified"]:
        parts.append("<p>Most confidently misclassified validation sentences:</p><table><tr><th>confidence</th>"
                     "<th>label</th><th>sentence</th></tr>")
        parts += [f"<tr><td>{m['confidence']:.3f}</td><td>{m['label']}</td><td>{_e(m['text'])}</td></tr>"
                  for m in run["misclassified"]]
        parts.append("</table>")
    if run["bad_log_lines"]:
        parts.append(f"<p>{run['bad_log_lines']} unreadable line(s) in this run's log were skipped.</p>")
    return parts
