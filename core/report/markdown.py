"""The Markdown report. Text from data or models is escaped: it shows literally, never as markup."""

from __future__ import annotations

from typing import Any

from sst2_tui.core.report.blocks import BudgetCharts, Preformatted
from sst2_tui.core.report.charts import text_sparkline
from sst2_tui.core.report.content import SessionReport
from sst2_tui.core.report.layout import Block, Charts, CompareCharts, Facts, Heading, Paragraph, SeedBands, Table, document
from sst2_tui.core.text.markdown_text import md_escape


def render_markdown(data: SessionReport) -> str:
    out: list[str] = []
    for block in document(data):
        out += _render(block)
    return "\n".join(out).rstrip("\n") + "\n"


def _fill(template: str, values: tuple[Any, ...]) -> str:
    return template.format(*(md_escape(v) for v in values))


def _render(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + _fill(block.text, block.values), ""]
    if isinstance(block, Paragraph):
        return [_fill(block.text, block.values), ""]
    if isinstance(block, Facts):
        return [f"- {name}: {_fill(text, values)}" for name, text, values in block.items] + [""]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Preformatted):  # a fence no line can close: backticks in a value are made harmless
        return ["```text", *(line.replace("`", "'") for line in block.lines), "```", ""]
    if isinstance(block, CompareCharts):
        lines = [f"- {md_escape(run_id)}: `{text_sparkline(points)}` {_last(points)}" for run_id, points in block.accuracy.items()]
        return ["Validation accuracy by run, left to right:", "", *lines, ""] if lines else []
    if isinstance(block, SeedBands):
        lines = [f"- {md_escape(band.label)}, {band.seeds} seed(s): `{text_sparkline([(s, m) for s, m, _ in band.points])}` "
                 f"ends at {100 * band.points[-1][1]:.1f} ± {100 * band.points[-1][2]:.1f}" for band in block.bands]
        return ["Mean validation accuracy over seeds, left to right (± one std at the end):", "", *lines, ""]
    if isinstance(block, BudgetCharts):
        return []  # its numbers are the table beside it
    if isinstance(block, Charts):
        lines = [f"Loss: `{text_sparkline(block.loss)}`"] if block.loss else []
        lines += [f"Validation accuracy: `{text_sparkline(block.accuracy)}`"] if block.accuracy else []
        return [*lines, ""] if lines else []
    raise TypeError(f"unknown report block {block!r}")


def _last(points: list[list[float]]) -> str:
    return f"(last {points[-1][1]:.4f})" if points else ""


def _table(table: Table) -> list[str]:
    def cell(index: int, text: str) -> str:
        emphasized = table.emphasized_from_column is not None and index >= table.emphasized_from_column
        return f"**{md_escape(text)}**" if emphasized else md_escape(text)

    lines = ["| " + " | ".join(md_escape(h) for h in table.header) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(cell(i, text) for i, text in enumerate(row)) + " |" for row in table.rows]
    return [*lines, ""]
