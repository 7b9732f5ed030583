"""The HTML report: one self-contained file, inline SVG charts, no scripts and nothing fetched.
Every piece of text from data or models goes through `html.escape`."""

from __future__ import annotations

from html import escape
from typing import Any

from sst2_tui.core.report.blocks import BudgetCharts, Preformatted
from sst2_tui.core.report.charts import svg_band_chart, svg_chart
from sst2_tui.core.report.content import SessionReport
from sst2_tui.core.report.layout import Block, Charts, CompareCharts, Facts, Heading, Paragraph, SeedBands, Table, document

STYLE = ("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}th{background:#f4f4f4}.diff{font-weight:bold;"
         "background:#fff3c4}.charts svg{margin-right:1em}")


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def render_html(data: SessionReport) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Session {_e(data.session)}</title><style>{STYLE}</style></head><body>"]
    parts += [_render(block) for block in document(data)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _fill(template: str, values: tuple[Any, ...]) -> str:
    return _e(template).format(*(_e(v) for v in values))


def _render(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_fill(block.text, block.values)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_fill(block.text, block.values)}</p>"
    if isinstance(block, Facts):
        return "<p>" + "<br>".join(f"{_e(name)}: {_fill(text, values)}" for name, text, values in block.items) + "</p>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Preformatted):
        return "<pre>" + "\n".join(_e(line) for line in block.lines) + "</pre>"
    if isinstance(block, CompareCharts):
        if not block.accuracy and not block.loss:
            return ""
        return ('<div class="charts">' + svg_chart(block.accuracy, "validation accuracy by step", y_range=(0.0, 1.0))
                + svg_chart(block.loss, "training loss by step (smoothed)") + "</div>")
    if isinstance(block, SeedBands):
        return '<div class="charts">' + "".join(svg_band_chart(band) for band in block.bands) + "</div>"
    if isinstance(block, BudgetCharts):
        return ('<div class="charts budget">'
                + svg_chart(block.by_points, "expected best validation accuracy by grid points tried", y_range=(0.0, 1.0),
                            x_label="grid points tried")
                + svg_chart(block.by_hours, "expected best validation accuracy by device-hours", y_range=(0.0, 1.0),
                            x_label="device-hours")
                + "</div>")
    if isinstance(block, Charts):
        return ('<div class="charts">' + svg_chart({"": block.loss}, "training loss", width=360, height=160)
                + svg_chart({"": block.accuracy}, "validation accuracy", y_range=(0.0, 1.0), width=360, height=160) + "</div>")
    raise TypeError(f"unknown report block {block!r}")


def _table(table: Table) -> str:
    def cell(index: int, text: str) -> str:
        emphasized = table.emphasized_from_column is not None and index >= table.emphasized_from_column
        return f'<td class="diff">{_e(text)}</td>' if emphasized else f"<td>{_e(text)}</td>"

    rows = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in table.header) + "</tr>"]
    rows += ["<tr>" + "".join(cell(i, text) for i, text in enumerate(row)) + "</tr>" for row in table.rows]
    return "<table>" + "\n".join(rows) + "</table>"
