"""A sweep point's label, typed: which point of which sweep a run is. It is a field of the run's
config (`RunConfig.sweep`; older sweeps kept it in `extra["sweep"]`, read back the same), and read in
one place: `sweep_label`, whatever holds the config (a `RunConfig`, or a mapping as a file gave it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sst2_tui.core.records import RecordError, record_from_json


@dataclass(frozen=True)
class SweepLabel:
    point: str
    """The point's name in its sweep (`p003`)."""
    method: str
    """full, trainer or lora."""
    setting: str
    """What varies between the method's points, e.g. `lr=3e-4` (`default` when nothing does)."""
    seed: int
    """The training seed."""
    confirmation: bool = False
    """A confirmation run: the method's chosen setting trained again on a fresh seed after the grid
    (`sweep --confirm-seeds`), what the verdict judges; False: a point of the grid."""
    round: int = 0
    """`sweep --until-resolved`: the round that added the point (1: the first); 0 in a fixed grid."""
    task: str = ""
    """A sweep across tasks (`sweep --data A,B`): the task's short name (`tickets`, `mrpc`), what its
    verdict is grouped by; empty in a sweep of one task."""

    def words(self) -> str:
        """`lr=3e-4, seed 1`: the setting (unless default) and the seed (`confirmation seed 3`)."""
        seed = f"confirmation seed {self.seed}" if self.confirmation else f"seed {self.seed}"
        return ", ".join([*([self.task] if self.task else []), *([self.setting] if self.setting != "default" else []), seed])


_DATA_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".parquet", ".txt")


def task_names(datas: list[str]) -> dict[str, str]:
    """Each `--data` value's short name in a sweep across tasks: a Hub config or the file or folder's
    name without its suffix (`nyu-mll/glue:rte` -> `rte`, `data/tickets.csv` -> `tickets`); the whole
    value where two would share a name."""
    def short(data: str) -> str:
        tail = data.rstrip("/\\").rsplit(":", 1)[-1] if ":" in data and "://" not in data else data.rstrip("/\\")
        name = tail.replace("\\", "/").rsplit("/", 1)[-1]
        for suffix in _DATA_SUFFIXES:
            name = name.removesuffix(suffix)
        return name or data

    shorts = {data: short(data) for data in datas}
    counts = {name: list(shorts.values()).count(name) for name in shorts.values()}
    return {data: name if counts[name] == 1 else data for data, name in shorts.items()}


def sweep_label(config: Any) -> SweepLabel | None:
    """The label of a sweep's point, or None for a run that is not one (or a label damaged by hand)."""
    if isinstance(found := getattr(config, "sweep", None), SweepLabel):  # a RunConfig
        return found
    if not isinstance(config, Mapping):
        return None
    extra = config.get("extra")
    found = config.get("sweep") or (extra.get("sweep") if isinstance(extra, Mapping) else None)
    if not isinstance(found, Mapping):
        return None
    try:
        return record_from_json(SweepLabel, found)
    except RecordError:
        return None
