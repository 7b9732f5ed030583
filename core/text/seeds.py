"""A list of seeds as a user types it (`0,1,2`): the one parser behind `run --seeds`, `sweep --seeds`
and the app's seed field, so the three accept and refuse the same text with the same words."""

from __future__ import annotations

from sst2_tui.core.config import MAX_SEED
from sst2_tui.core.errors import UserError, quote


def parse_seeds(text: str, where: str) -> list[int]:
    """`0,1,2` -> [0, 1, 2], repeats dropped in order; UserError naming `where` (a flag or a field)
    for anything but whole numbers from 0 to MAX_SEED."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        seeds = []
    if not seeds or any(not 0 <= seed <= MAX_SEED for seed in seeds):
        raise UserError(f"{where} {quote(text)}: give a comma list of whole numbers from 0 to {MAX_SEED}, e.g. 0,1,2")
    return list(dict.fromkeys(seeds))
