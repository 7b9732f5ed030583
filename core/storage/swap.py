"""A folder replaced whole (a run's `model/` or `adapter/` export): written beside its final name,
then swapped in by two renames. A kill between the renames leaves no `final`, but a complete copy
in a hidden sibling; `recover` puts the newest complete one back, so every reader sees the old
export or the new one, never none (a marker file written last says a copy is complete)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from sst2_tui.core.storage.files import fsync_dir
from sst2_tui.core.text.json_text import parse_json


def swap_in(final: Path, write: Callable[[Path], None], marker: str) -> None:
    """`write(folder)` fills a sibling folder (ending with `marker`, written last); then it becomes `final`."""
    recover(final, marker)
    for stale in _siblings(final):  # from a killed earlier writer (one writer per run: the run's lock)
        shutil.rmtree(stale, ignore_errors=True)
    temporary = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    for name in (temporary, old):  # a link planted at a name we are about to use: removed, never written through
        if name.is_symlink():
            name.unlink()
    try:
        write(temporary)
        if not (temporary / marker).is_file():
            raise OSError(f"{temporary}: written without {marker}")
        fsync_dir(temporary)
        if final.exists():
            final.rename(old)
        temporary.rename(final)  # between these two renames a reader finds `old` through recover()
        fsync_dir(final.parent)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def recover(final: Path, marker: str) -> bool:
    """Put back the newest complete hidden copy when `final` is missing; whether `final` exists now."""
    if final.is_dir():
        return True
    complete = [folder for folder in _siblings(final) if (folder / marker).is_file()]
    if not complete:
        return False
    newest = max(complete, key=lambda folder: (_step(folder / marker), ".tmp-" in folder.name))
    try:
        newest.rename(final)
    except OSError:  # another reader was first, or this folder is not ours to change
        pass
    return final.is_dir()


def tidy(final: Path, marker: str) -> None:
    """After a writer died (a killed export): put back the newest complete copy if `final` is
    missing, then remove every hidden sibling left (`.model.tmp-123`), complete or not."""
    recover(final, marker)
    for stale in _siblings(final):
        shutil.rmtree(stale, ignore_errors=True)


def _siblings(final: Path) -> list[Path]:
    return [p for p in final.parent.glob(f".{final.name}.*-*") if p.is_dir() and not p.is_symlink()]


def _step(marker: Path) -> int:
    try:
        step = parse_json(marker.read_bytes()).get("step")
    except (OSError, ValueError, AttributeError):
        return -1
    return step if isinstance(step, int) else -1
