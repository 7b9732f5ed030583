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

    def words(self) -> str:
        """`lr=3e-4, seed 1`: the setting (unless default) and the seed (`confirmation seed 3`)."""
        seed = f"confirmation seed {self.seed}" if self.confirmation else f"seed {self.seed}"
        return ", ".join([*([self.setting] if self.setting != "default" else []), seed])


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
