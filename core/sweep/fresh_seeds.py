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


FRESH = "fresh:"


def fresh_count(text: str) -> int | None:
    """`--seeds fresh:N` -> N (1 to 100); None for an ordinary seed list. UserError for a bad N."""
    from sst2_tui.core.errors import UserError, quote

    if not text.strip().startswith(FRESH):
        return None
    try:
        count = int(text.strip()[len(FRESH):])
    except ValueError:
        count = 0
    if not 1 <= count <= 100:
        raise UserError(f"--seeds {quote(text)}: give fresh:N with N a whole number from 1 to 100, e.g. fresh:3 "
                        "(N seeds no run of these settings in the sessions folder has used)")
    return count


def grid_fresh_seeds(sessions_dir: Path, templates: list[RunConfig], count: int) -> list[int]:
    """The `count` smallest seeds that no run of any of these settings in the folder has used."""
    used: set[int] = set()
    for template in templates:
        used |= seeds_used(sessions_dir, template)
    return fresh_seeds(sessions_dir, templates[0], count, -1, used) if templates else list(range(count))


def reused_seeds(sessions_dir: Path, points: list[RunConfig]) -> dict[str, list[int]]:
    """Per setting (its words, e.g. `lora lr=3e-4`), the seeds of `points` that a run of the same setting
    already in the folder used: judged again on them, a setting chosen then keeps that choice's luck."""
    found: dict[str, list[int]] = {}
    by_key: dict[str, set[int]] = {}
    for config in points:
        key = setting_key(config)
        if key not in by_key:
            by_key[key] = seeds_used(sessions_dir, config)
        if config.seed in by_key[key]:
            setting = config.sweep.setting if config.sweep else "default"
            words = config.method + ("" if setting == "default" else f" {setting}")
            found.setdefault(words, []).append(config.seed)
    return found
