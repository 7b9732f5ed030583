"""The trackers a run can report to (`--report-to`), the pip extra each needs, and the one check of
the flag's value (layer 0: the config checks it; `core/trackers/` does the reporting)."""

from __future__ import annotations

import importlib.util

from sst2_tui.core.errors import UserError, quote

TRACKERS = ("tensorboard", "mlflow", "trackio")
MODULE_OF = {"tensorboard": "tensorboard", "mlflow": "mlflow", "trackio": "trackio"}
"""What must import for each tracker (TensorBoard's writer is torch's own; it needs the package)."""


def parse_report_to(text: str) -> tuple[str, ...]:
    """`tensorboard,mlflow` -> ('tensorboard', 'mlflow'): each a known tracker, once; ValueError
    naming what is wrong otherwise. `none` (or an empty list) reports nowhere."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if names == ["none"]:
        return ()
    for name in names:
        if name not in TRACKERS:
            raise ValueError(f"{quote(name, 40)} is not a tracker; give a comma list of "
                             f"{', '.join(TRACKERS)} (or none)")
    if len(set(names)) != len(names):
        raise ValueError(f"{quote(text, 60)} names a tracker twice")
    return tuple(names)


def check_installed(names: tuple[str, ...]) -> None:
    """One line naming the extra to install for the first tracker that does not import here."""
    for name in names:
        if importlib.util.find_spec(MODULE_OF[name]) is None:
            raise UserError(f"--report-to {name}: {MODULE_OF[name]} is not installed here; "
                            f"pip install 'sst2-tui[{name}]' (or give --report-to without it)")
