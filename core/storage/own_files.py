"""Every file sst2-tui appends to or rewrites inside a run or session folder is opened here: never
through a symbolic link, only a plain file, only in a folder this user owns, and only a file this
user owns. Another local user who plants `RUN/control.jsonl -> /root/.bashrc` in a folder of
theirs, then asks root to `ctl` that run, gets a one-line refusal, never an appended line.

Lock files, the control file, the event log, the queue runner's and the `--notify` hook's logs go
through `open_own`; files rewritten whole (`atomic_write_text`: a temporary file then a rename,
which replaces a planted link instead of following it) check their folder with `check_own_folder`."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from sst2_tui.core.errors import UserError


def _refuse_foreign(path: Path, info: os.stat_result, what: str) -> None:
    if info.st_uid != os.geteuid():
        raise UserError(f"{path}: this {what} belongs to another user (uid {info.st_uid}); sst2-tui writes only into "
                        "its own folders: use your own --sessions-dir")


def check_own_folder(folder: Path) -> None:
    """UserError unless `folder` (followed, as every path here is resolved) belongs to this user."""
    _refuse_foreign(folder, os.stat(folder), "folder")


def open_own(path: Path, flags: int, mode: int = 0o666) -> int:
    """`os.open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode)` in a folder of ours, refusing a symbolic
    link, anything but a plain file, and a file of another user, each in one line (UserError)."""
    check_own_folder(path.parent)
    try:
        descriptor = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UserError(f"{path} is a symbolic link; sst2-tui writes only plain files in its folders "
                            "(someone may have planted it): remove the link and try again") from None
        raise
    info = os.fstat(descriptor)
    try:
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{path} is not a plain file; remove it and try again")
        _refuse_foreign(path, info, "file")
    except UserError:
        os.close(descriptor)
        raise
    return descriptor


def append_own(path: Path, data: bytes, mode: int = 0o666) -> None:
    """One `write` of `data` at the end of `path` (created with `mode` less the umask)."""
    descriptor = open_own(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)
