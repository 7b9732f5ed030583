"""Every file sst2-tui appends to or rewrites inside a run or session folder is opened here: never
through a symbolic link, only a plain file, only in a folder this user owns, and only a file this
user owns. Another local user who plants `RUN/control.jsonl -> /root/.bashrc` in a folder of
theirs, then asks root to `ctl` that run, gets a one-line refusal, never an appended line.

Lock files, the control file, the event log, the evaluation log, the decisions file, the queue
runner's and the `--notify` hook's logs go through `open_own`; files rewritten whole
(`atomic_write_text`: a temporary file then a rename, which replaces a planted link instead of
following it) check their folder with `check_own_folder`; every folder sst2-tui makes inside one of
its own (checkpoints, TensorBoard's, a report's) is made by `own_folder`, which follows no link
below the folder it starts from (sst2-tui never makes one there) and accepts a link at that folder
only if this user made it and it leads to a folder of this user's (#46: a planted
`runs/02-full/tensorboard` link once took root's `export-tracker` into a root-only folder)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from sst2_tui.core.errors import UserError


def _refuse_foreign(path: Path, info: os.stat_result, what: str) -> None:
    if info.st_uid != os.geteuid():
        raise UserError(f"{path}: this {what} belongs to another user (uid {info.st_uid}); sst2-tui writes only into "
                        "its own folders: use your own --sessions-dir")


def check_own_folder(folder: Path) -> None:
    """UserError unless `folder` (followed, as every path here is resolved) belongs to this user."""
    _refuse_foreign(folder, os.stat(folder), "folder")


class PlantedLink(OSError):
    """A symbolic link where sst2-tui keeps a file of its own (it never makes one there)."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.ELOOP, "a symbolic link: sst2-tui never makes one there (someone may have planted it)",
                         str(path))


def open_plain(path: Path) -> BinaryIO:
    """A file sst2-tui wrote in a run or session folder, opened for reading without following a link
    and only if it is a plain file: a planted link is `PlantedLink` (an OSError, so each reader's
    "unreadable" path names it); a FIFO never blocks (#46: `report` read a root-only file through
    another user's planted `evaluations.jsonl`)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PlantedLink(path) from None
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a plain file", str(path))
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def read_plain(path: Path, limit: int | None = None) -> bytes:
    """The bytes (the first `limit`, if given) of a file opened by `open_plain`."""
    with open_plain(path) as handle:
        return handle.read() if limit is None else handle.read(limit)


def check_own_base(folder: Path) -> None:
    """`folder` (which exists) is this user's, and if it is a link, this user made it: a link another
    user planted is refused even when it leads to a folder of ours (root's, say)."""
    info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode):
        _refuse_foreign(folder, info, "link")
    check_own_folder(folder)


def own_folder(path: Path, base: Path) -> Path:
    """`path` (inside `base`) as a folder of this user's, made where missing with its parents up to
    `base`; a link, a file or another user's folder on the way is refused in one line (UserError)."""
    relative = path.relative_to(base)
    check_own_base(base)
    current = base
    for part in relative.parts:
        current = current / part
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        info = os.lstat(current)
        if stat.S_ISLNK(info.st_mode):
            raise UserError(f"{current} is a symbolic link; sst2-tui makes only plain folders in its own "
                            "(someone may have planted it): remove the link and try again")
        if not stat.S_ISDIR(info.st_mode):
            raise UserError(f"{current} is not a folder; remove it and try again")
        _refuse_foreign(current, info, "folder")
    return path


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


def append_own(path: Path, data: bytes, mode: int = 0o666, sync: bool = False) -> None:
    """`data` at the end of `path` (created with `mode` less the umask), on disk before it returns
    when `sync` (a record the next step rests on)."""
    descriptor = open_own(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        view = memoryview(data)
        while view:  # a regular file takes it in one write; a signal may cut it short
            view = view[os.write(descriptor, view):]
        if sync:
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def drop_torn_tail(path: Path) -> int:
    """A line without its newline at the end of an append-only file (a kill or a full disk while
    appending) cut off, so the next line appended is whole; how many bytes were cut (0: none, or no
    file). Opened through `open_own`: never truncated through a planted link."""
    try:
        descriptor = open_own(path, os.O_RDWR)
    except FileNotFoundError:
        return 0
    with os.fdopen(descriptor, "rb+") as file:
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        file.seek(size - 1)
        if file.read(1) == b"\n":
            return 0
        keep, end = 0, size
        while end > 0:  # back from the end a block at a time to the last newline (a torn line may be long)
            start = max(0, end - 65536)
            file.seek(start)
            newline = file.read(end - start).rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            end = start
        file.truncate(keep)
        return size - keep
