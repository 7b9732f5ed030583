"""A full disk (ENOSPC, or a quota: EDQUOT) is a pause, not a crash.

Writers turn the OS error into `DiskFullError` naming the path; the run pauses, and it continues
once there is room again (the runner's `DiskWatcher` checks every few seconds) or when the user
resumes it. Every write is atomic or truncated back, so no good file is replaced by a partial one.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from sst2_tui.core.events import DiskFull

DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
MB = 1_000_000


class DiskFullError(OSError):
    def __init__(self, path: Path | str, what: str, needed_bytes: int = 16 * MB) -> None:
        super().__init__(errno.ENOSPC, "No space left on device", str(path))
        self.path = Path(path)
        self.what = what
        self.needed_bytes = needed_bytes


def is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
        return True
    # safetensors reports the Rust io error as text: "... Os { code: 28, kind: StorageFull ..."
    text = str(error)
    return "StorageFull" in text or "No space left on device" in text or "Disk quota exceeded" in text


def free_bytes(path: Path) -> int:
    """Free space on the file system holding `path` (or its nearest existing parent)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return shutil.disk_usage(".").free


def disk_full_event(step: int, error: DiskFullError, what: str, stopping: bool = False) -> DiskFull:
    """The `disk_full` event for a failed write of `what` (events | checkpoint | predictions)."""
    return DiskFull(step=step, path=str(error.path), what=what, needed_mb=round(error.needed_bytes / MB, 1),
                    message=_message(error.path, "event log" if what == "events" else what, error.needed_bytes, stopping))


def _message(path: Path, what: str, needed_bytes: int, stopping: bool) -> str:
    needed = f"{needed_bytes / MB:.0f} MB"
    if stopping:
        return f"disk full writing {path}: the {what} was not written; free space and resume the run later"
    return (f"disk full writing {path}: the run is paused; free at least {needed} there and it continues "
            f"by itself (or resume it)")
