"""The blocks a report is made of (headings, paragraphs, facts, tables, charts): what
`layout.py` and `sweep_layout.py` put in order and the Markdown and HTML renderers mark up.
Texts are templates of our own with `{}` slots for values; table cells are all values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    text: str
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Facts:
    """Short `name: text` lines about the session; each text a template with its values."""

    items: list[tuple[str, str, tuple[Any, ...]]]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    emphasized_from_column: int | None = None
    """Cells from this column on are emphasized (settings that differ between runs)."""


@dataclass(frozen=True)
class Preformatted:
    """Lines shown as they are, in a fixed-width font (a lineage tree)."""

    lines: list[str]


@dataclass(frozen=True)
class Charts:
    loss: list[list[float]] = field(default_factory=list)
    accuracy: list[list[float]] = field(default_factory=list)


@dataclass(frozen=True)
class CompareCharts:
    """Every run's curves on one accuracy chart and one loss chart, a labelled line per run."""

    loss: dict[str, list[list[float]]] = field(default_factory=dict)
    accuracy: dict[str, list[list[float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedBand:
    """One method's chosen setting over its seeds: at each step every seed evaluated, the mean
    validation accuracy and its standard deviation (0 with one seed)."""

    label: str
    seeds: int
    points: list[tuple[float, float, float]]
    """(step, mean, std)"""


@dataclass(frozen=True)
class SeedBands:
    """One chart per method: the mean line inside a shaded ±1 std band."""

    bands: list[SeedBand]


@dataclass(frozen=True)
class BudgetCharts:
    """Per method, the expected best validation accuracy against grid points tried and against
    device-hours (HTML charts; Markdown has the same numbers as a table beside them)."""

    by_points: dict[str, list[list[float]]]
    by_hours: dict[str, list[list[float]]]


Block = Heading | Paragraph | Facts | Table | Preformatted | Charts | CompareCharts | SeedBands | BudgetCharts
