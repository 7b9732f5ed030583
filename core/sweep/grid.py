"""A sweep's grid: every run setting may take a comma list, per method where methods need their own
range (`--lr full=1e-5,3e-5 lora=1e-4,3e-4`), and the grid is the product, seeds innermost.

Each point is an ordinary `RunConfig` whose `sweep` label names the point (`p001`), its setting
(the values that vary apart from method and seed, e.g. `lr=3e-5`) and its seed: what the verdict
groups by, and what `sweep --resume` matches run folders with.

What splits: a comma separates values, except one written `\\,`, which is a comma inside a value
(`--lora-targets c_attn\\,c_proj` is one setting, `c_attn,c_proj` two). `--notify` is one shell
command for every point and never splits; nor do `--report-to` and `--tracker-project` (where every
point reports). `METHOD=` before a list gives it to that method only;
before a text value it is read as such only when METHOD is a method. Values are compared as values:
`--lr 1e-3,0.001` is one setting. The grid is counted before any point is built, so a grid too
large is refused at once."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

from sst2_tui.core.config import METHODS, NOT_SWEPT, ConfigError, RunConfig, format_rate, options, value_type
from sst2_tui.core.errors import UserError, quote
from sst2_tui.core.sweep_label import SweepLabel, task_names

MAX_POINTS = 500
TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
_OPTIONS = {option.name: option for option in options()}
ONE_VALUE = NOT_SWEPT
"""Fields that are never a grid axis: one value for every point, commas and all."""
_SEPARATOR = re.compile(r"(?<!\\),")


@dataclass(frozen=True)
class Listed:
    """One flag's values: for every method (`general`), or for some methods only (`per_method`)."""

    general: list[str]
    per_method: dict[str, list[str]]


def _field(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def split_values(text: str) -> list[str]:
    """`a,b\\,c` -> ['a', 'b,c']: commas separate, `\\,` is a comma inside a value; blanks dropped."""
    return [part.replace("\\,", ",").strip() for part in _SEPARATOR.split(text) if part.strip()]


def parse_listed(flag: str, tokens: list[str]) -> Listed:
    """`['1e-5,3e-5']` or `['full=1e-5,3e-5', 'lora=1e-4']` (or both: a general list and overrides)."""
    name = _field(flag)
    if name in ONE_VALUE:
        if len(tokens) != 1 or not tokens[0].strip():
            raise UserError(f"{flag}: give one value (quote a command with spaces), not {len(tokens)}")
        return Listed([tokens[0]], {})
    free_text = name in _OPTIONS and value_type(_OPTIONS[name]) is str and not _OPTIONS[name].metadata["choices"]
    general: list[str] = []
    per_method: dict[str, list[str]] = {}
    for token in tokens:
        method, equals, values = token.partition("=")
        if not equals or (free_text and method not in METHODS):
            method, values = "", token  # a path or id may hold '='
        items = split_values(values)
        if not items:
            raise UserError(f"{flag} {quote(token)}: no values; give a comma list such as 1e-5,3e-5")
        if method:
            if method not in METHODS:
                raise UserError(f"{flag} {quote(token)}: {quote(method)} is not a method ({', '.join(METHODS)})")
            per_method[method] = items
        else:
            general += items
    return Listed(general, per_method)


def _value(name: str, text: str) -> object:
    kind = value_type(_OPTIONS[name])
    flag = "--" + name.replace("_", "-")
    try:
        if kind is bool:
            if text.lower() not in TRUE + FALSE:
                raise ValueError
            return text.lower() in TRUE
        return kind(text)
    except (ValueError, OverflowError):
        what = {int: "a whole number", float: "a number", bool: "true or false"}.get(kind, "a value")
        raise UserError(f"{flag}: {quote(text)} is not {what}") from None


def _distinct(values: list[object]) -> list[object]:
    """Each value once, by value (`1e-3` and `0.001` are one), in the order first given."""
    seen: dict[tuple[type, object], object] = {}  # by type too: True and 1 are not one value
    for value in values:
        seen.setdefault((type(value), value), value)
    return list(seen.values())


def setting_label(values: dict[str, object]) -> str:
    """`lr=3e-5, epochs=2` (or `default` when nothing but method and seed varies)."""
    shown = [f"{k}={format_rate(v) if k in ('lr', 'eps') and isinstance(v, float) else v}" for k, v in values.items()]
    return ", ".join(shown) or "default"


def _methods(listed: dict[str, Listed]) -> list[str]:
    methods = list(dict.fromkeys(listed["method"].general)) if "method" in listed else ["full"]
    for method in methods:
        if method not in METHODS or method == "evaluate":
            raise UserError(f"--method: {quote(method)} cannot be swept; use full, trainer or lora")
    for name, values in listed.items():
        for method in values.per_method:
            if method not in methods:
                flag = "--" + name.replace("_", "-")
                raise UserError(f"{flag} {method}=...: {method} is not among the sweep's methods ({', '.join(methods)}); "
                                f"add it to --method or drop its values")
    return methods


def _axes(listed: dict[str, Listed], method: str) -> dict[str, list[object]]:
    axes = {}
    for name, values in listed.items():
        chosen = values.per_method.get(method, values.general)
        if chosen:
            axes[name] = _distinct([_value(name, text) for text in chosen])
    return axes


def grid_axes(listed: dict[str, Listed]) -> dict[str, dict[str, list[object]]]:
    """Each listed field's values per method of the grid (typed): what `sweep --print-config` writes."""
    methods = _methods(listed)
    fields: dict[str, dict[str, list[object]]] = {"method": {m: [m] for m in methods}} if "method" in listed else {}
    for method in methods:
        for name, values in _axes({k: v for k, v in listed.items() if k != "method"}, method).items():
            fields.setdefault(name, {})[method] = values
    if "method" in fields:
        fields["method"] = {"all": list(methods)}
    return fields


PER_TASK = ("text_columns", "label_column", "validation_split", "eval_subset", "data_seed")
"""What decides a task's validation sentences and labels besides the data: one value for every point, so
each task's verdict compares its methods on one set of sentences (the data itself may be an axis:
`--data A,B` is a sweep across tasks, with a verdict for each)."""


def tasks_of(points: list[RunConfig]) -> list[str]:
    """The sweep's data sets, in the order given (one for a sweep of one task)."""
    return list(dict.fromkeys(point.data for point in points))


def check_tasks(points: list[RunConfig], until_resolved: bool = False) -> None:
    """Each task's verdict compares its methods on one set of sentences: a grid whose points differ in
    what decides them is refused, naming the flag; across tasks, every method runs on every task, and
    the grid runs as given (`until_resolved`, which decides one task's rounds, is refused)."""
    for name in PER_TASK:
        values = list(dict.fromkeys(str(getattr(point, name)) for point in points))
        if len(values) > 1:
            flag = "--" + name.replace("_", "-")
            raise UserError(f"sweep: {flag} has {len(values)} values ({', '.join(values[:3])}); a sweep compares methods "
                            "on one set of validation sentences per task, so it takes one: run one sweep for each")
    tasks = tasks_of(points)
    for method in dict.fromkeys(point.method for point in points):
        own = [data for data in tasks if any(p.method == method and p.data == data for p in points)]
        if own != tasks:
            raise UserError(f"sweep: --data {method}=...: a sweep across tasks runs every method on every task "
                            f"({', '.join(tasks)}); give --data without a method")
    if until_resolved and len(tasks) > 1:
        raise UserError(f"sweep: --until-resolved decides one task's rounds; a sweep across {len(tasks)} tasks "
                        "(--data A,B) runs its grid as given: drop --until-resolved, or sweep one task")


def count_grid(listed: dict[str, Listed], seeds: list[int]) -> int:
    """How many points the grid has, without building any (a million is counted at once)."""
    rest = {k: v for k, v in listed.items() if k != "method"}
    return sum(math.prod(len(v) for v in _axes(rest, method).values()) for method in _methods(listed)) * len(seeds)


def build_grid(listed: dict[str, Listed], seeds: list[int], limit: int | None = None) -> list[RunConfig]:
    """Every point of the grid, in order: methods, then each listed setting, then seeds. A bad value
    is refused naming its flag (through `RunConfig`'s own checks), before anything starts; with
    `limit`, a grid of more points is refused before one is built."""
    methods = _methods(listed)
    rest = {k: v for k, v in listed.items() if k != "method"}
    if limit is not None and (total := count_grid(listed, seeds)) > limit:
        raise UserError(f"sweep: {total:,} runs; a grid over {limit} runs needs --yes")
    points: list[RunConfig] = []
    datas = list(dict.fromkeys(str(v) for m in methods for v in _axes(rest, m).get("data", [])))
    names = task_names(datas) if len(datas) > 1 else {}  # a sweep across tasks: the data is the task, not a setting
    for method in methods:
        axes = _axes(rest, method)
        varying = [name for name, values in axes.items() if name != "data" and (len(values) > 1 or any(
            rest[name].per_method.get(m) for m in methods))]
        for combination in itertools.product(*axes.values()):
            values: dict[str, Any] = dict(zip(axes, combination, strict=True))  # each checked by RunConfig below
            setting = setting_label({k: v for k, v in values.items() if k in varying})
            task = names.get(str(values.get("data")), "")
            for seed in seeds:
                number = len(points) + 1
                try:
                    config = RunConfig(**{**values, "method": method, "seed": seed})
                except ConfigError as error:
                    raise UserError(f"--{error.field.replace('_', '-')}: {str(error).removeprefix(error.field).strip()}") from None
                except (TypeError, ValueError) as error:
                    raise UserError(f"sweep: {error}") from None
                points.append(config.replace(sweep=SweepLabel(f"p{number:03d}", method, setting, seed, task=task)))
    if not points:
        raise UserError("sweep: the grid is empty; give at least one value for each listed flag")
    return points
