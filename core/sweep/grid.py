"""A sweep's grid: every run setting may take a comma list, per method where methods need their own
range (`--lr full=1e-5,3e-5 lora=1e-4,3e-4`), and the grid is the product, seeds innermost.

Each point is an ordinary `RunConfig` whose `extra["sweep"]` names the point (`p001`), its setting
(the values that vary apart from method and seed, e.g. `lr=3e-5`) and its seed: what the verdict
groups by, and what `sweep --resume` matches run folders with."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sst2_tui.core.config import METHODS, ConfigError, RunConfig, format_rate, options, value_type
from sst2_tui.core.errors import UserError, quote

MAX_POINTS = 500
TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
_OPTIONS = {option.name: option for option in options()}


@dataclass(frozen=True)
class Listed:
    """One flag's values: for every method (`general`), or for some methods only (`per_method`)."""

    general: list[str]
    per_method: dict[str, list[str]]


def parse_listed(flag: str, tokens: list[str]) -> Listed:
    """`['1e-5,3e-5']` or `['full=1e-5,3e-5', 'lora=1e-4']` (or both: a general list and overrides)."""
    general: list[str] = []
    per_method: dict[str, list[str]] = {}
    for token in tokens:
        method, _, values = token.rpartition("=") if "=" in token else ("", "", token)
        items = [v.strip() for v in values.split(",") if v.strip()]
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
    except ValueError:
        what = {int: "a whole number", float: "a number", bool: "true or false"}.get(kind, "a value")
        raise UserError(f"{flag}: {quote(text)} is not {what}") from None


def setting_label(values: dict[str, object]) -> str:
    """`lr=3e-5, epochs=2` (or `default` when nothing but method and seed varies)."""
    shown = [f"{k}={format_rate(v) if k in ('lr', 'eps') and isinstance(v, float) else v}" for k, v in values.items()]
    return ", ".join(shown) or "default"


def build_grid(listed: dict[str, Listed], seeds: list[int]) -> list[RunConfig]:
    """Every point of the grid, in order: methods, then each listed setting, then seeds. A bad value
    is refused naming its flag (through `RunConfig`'s own checks), before anything starts."""
    methods = listed.pop("method").general if "method" in listed else ["full"]
    for method in methods:
        if method not in METHODS or method == "evaluate":
            raise UserError(f"--method: {quote(method)} cannot be swept; use full, trainer or lora")
    points: list[RunConfig] = []
    for method in dict.fromkeys(methods):
        axes = {}
        for name, values in listed.items():
            chosen = values.per_method.get(method, values.general)
            if chosen:
                axes[name] = [_value(name, text) for text in dict.fromkeys(chosen)]
        varying = [name for name, values in axes.items() if len(values) > 1 or any(
            listed[name].per_method.get(m) for m in methods)]
        for combination in itertools.product(*axes.values()):
            values = dict(zip(axes, combination, strict=True))
            setting = setting_label({k: v for k, v in values.items() if k in varying})
            for seed in seeds:
                number = len(points) + 1
                try:
                    config = RunConfig(**{**values, "method": method, "seed": seed})
                except ConfigError as error:
                    raise UserError(f"--{error.field.replace('_', '-')}: {str(error).removeprefix(error.field).strip()}") from None
                except (TypeError, ValueError) as error:
                    raise UserError(f"sweep: {error}") from None
                points.append(config.replace(extra={"sweep": {"point": f"p{number:03d}", "setting": setting,
                                                              "seed": seed, "method": method}}))
    if not points:
        raise UserError("sweep: the grid is empty; give at least one value for each listed flag")
    return points
