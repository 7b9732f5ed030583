"""A sweep from the new-run form: a field given as a comma list (`3e-4,1e-3`) or per method
(`full=1e-5 lora=1e-4`) makes the form's settings a grid, as `sst2-tui sweep` reads its flags; the
seed field's list is the innermost axis; "Run all three" sweeps the three methods. Each listed
value is checked as the field checks one value, so a message names the field as the form shows it."""

from __future__ import annotations

from dataclasses import dataclass

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.sweep.adaptive import first_round
from sst2_tui.core.sweep.grid import Listed, build_grid, check_tasks, parse_listed
from sst2_tui.core.text.seeds import parse_seeds


@dataclass(frozen=True)
class SweepRequest:
    """What the form hands the app for a sweep: every point, labelled (`RunConfig.sweep`)."""

    points: list[RunConfig]
    until_resolved: bool = False
    """The form's "until resolved": `points` is round 1, the sweep adds the rest (`sweep --until-resolved`)."""
    margin: float | None = None
    """The form's margin field (`sweep --margin`): None for the default the judging sentences can resolve."""


def is_listed(text: str) -> bool:
    return "," in text or "=" in text


def list_items(name: str, text: str) -> list[str]:
    """Every value a listed field names (`full=1e-5,3e-5 lora=1e-4` gives three); UserError if none."""
    listed = parse_listed(name, text.split())
    return [*listed.general, *(v for values in listed.per_method.values() for v in values)]


def form_grid(plain: dict[str, str], listed: dict[str, str], methods: list[str], until_resolved: bool = False) -> list[RunConfig]:
    """The grid of the form's fields: `plain` one value each (empty ones left to their defaults),
    `listed` the fields given as lists, `methods` the one chosen or all three. UserError if it makes
    no sense (an empty grid, a rule across fields). `until_resolved`: round 1 of a sweep that adds its
    own seeds (a seed list is refused)."""
    axes: dict[str, Listed] = {name: Listed([text], {}) for name, text in plain.items() if text and name != "seed"}
    axes.update({name: parse_listed(name, text.split()) for name, text in listed.items() if name != "seed"})
    axes["method"] = Listed(methods, {})
    if until_resolved:
        if "seed" in listed:
            raise UserError("seed: until resolved adds seeds itself, in rounds; give one seed or none")
        points = build_grid(axes, [0])
        check_tasks(points, until_resolved=True)
        return first_round(points)
    seeds = parse_seeds(listed.get("seed") or plain.get("seed") or "0", "seed:")
    points = build_grid(axes, seeds)
    check_tasks(points)
    return points
