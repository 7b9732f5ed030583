"""A sweep point's label, typed: which point of which sweep a run is. It is stored in the run's
config as `extra["sweep"]` (so a config.json from any version reads back), and read in one place:
`sweep_label`, whatever holds the config (a `RunConfig` or the dict a run folder gave back)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sst2_tui.core.records import RecordError, record_from_json, to_json_value


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

    def to_extra(self) -> dict[str, object]:
        """As a config's `extra` holds it."""
        return {"sweep": to_json_value(self)}

    def words(self) -> str:
        """`lr=3e-4, seed 1`: the setting (unless default) and the seed."""
        return ", ".join([*([self.setting] if self.setting != "default" else []), f"seed {self.seed}"])


def sweep_label(config: Any) -> SweepLabel | None:
    """The label of a sweep's point, or None for a run that is not one (or a label damaged by hand)."""
    extra = config.get("extra") if isinstance(config, Mapping) else getattr(config, "extra", None)
    found = extra.get("sweep") if isinstance(extra, Mapping) else None
    if not isinstance(found, Mapping):
        return None
    try:
        return record_from_json(SweepLabel, found)
    except RecordError:
        return None
