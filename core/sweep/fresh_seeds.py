"""Seeds no run of the same setting has used, for the runs a verdict judges (#45: "seeds already used").

A confirmation run exists to judge a chosen setting on seeds that played no part in choosing it. A
seed that a run of the same method and setting already used anywhere in the sessions folder (this
sweep's grid, or an earlier sweep that chose the same setting on it) carries that choice's luck with
it: re-running a setting chosen earlier on the same seeds kept the whole winner's curse (+0.6 to +5.4
points, a false "better" 4-8% of the time, in the audit). So every judged seed is one that no run
of that setting in the folder has had."""

from __future__ import annotations

import json
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.storage.validated import read_config

NOT_TRAINING = frozenset({"seed", "sweep", "notify", "report_to", "tracker_project", "device", "eval_batch_size",
                          "log_every", "keep_checkpoints", "compile", "export", "merge", "save_every", "extra"})
"""Settings that do not change what a run learns or how its step is chosen: two runs that differ only
in these are runs of the same setting."""


def setting_key(config: RunConfig) -> str:
    """What makes two runs runs of the same setting (every training setting but the seed), as text."""
    return json.dumps({k: v for k, v in config.to_dict().items() if k not in NOT_TRAINING}, sort_keys=True, default=str)


def seeds_used(sessions_dir: Path, config: RunConfig) -> set[int]:
    """The seeds of every run in the sessions folder with `config`'s setting (unreadable configs skipped:
    they are said where they are read)."""
    key, found = setting_key(config), set()
    for config_path in sessions_dir.glob("*/runs/*/config.json"):
        if config_path.is_symlink():
            continue
        other, _ = read_config(config_path)
        if other is not None and setting_key(other) == key:
            found.add(other.seed)
    return found


def fresh_seeds(sessions_dir: Path, config: RunConfig, count: int, after: int, taken: set[int] | None = None) -> list[int]:
    """`count` seeds above `after` that no run of `config`'s setting in the folder has used (nor `taken`)."""
    used = seeds_used(sessions_dir, config) | (taken or set())
    seeds: list[int] = []
    seed = after + 1
    while len(seeds) < count:
        if seed not in used:
            seeds.append(seed)
        seed += 1
    return seeds
