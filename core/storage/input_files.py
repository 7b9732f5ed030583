"""Every file sst2-tui reads as input from the user (a `--config` file, a data file, predict's
`--file`, a sweep file to plan from) is opened here: a plain file (a link to one is fine) of a
bounded size, checked on the open descriptor before a byte is read, so a link to /dev/zero, a FIFO
or a 5 GB file gets one line naming the flag and the file instead of a hang or a full memory (#46).

The open is non-blocking (opening a FIFO with no writer would wait forever); a plain file reads
the same either way."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from sst2_tui.core.errors import UserError, quote

MB = 1024 * 1024
CONFIG_LIMIT = 1 * MB
"""A config file: a few dozen settings are a few KB."""
SENTENCES_LIMIT = 512 * MB
"""predict's `--file`: read whole, one sentence a line."""
DATA_LIMIT = 16 * 1024 * MB
"""A data file: read row by row; SST-2's train.tsv is 4 MB, the largest text-classification sets a few GB."""

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _size(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size:,} bytes"


def open_input(path: Path, what: str, limit: int, error: type[UserError] = UserError) -> BinaryIO:
    """`path` opened for reading, once it is known to be a plain file of at most `limit` bytes;
    `error` (a UserError) in one line otherwise (`what` is how the user gave it: `--config`, `--data`)."""
    try:
        return _open_input(path, what, limit)
    except UserError as problem:
        raise error(str(problem)) from None


def _open_input(path: Path, what: str, limit: int) -> BinaryIO:
    shown = quote(str(path), 200)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UserError(f"{what} {shown}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{what} {shown}: a folder; give a file") from None
    except OSError as error:
        raise UserError(f"{what} {shown}: cannot open it ({error.strerror})") from None
    try:
        info = os.fstat(descriptor)
        kind = next((name for test, name in _KINDS if test(info.st_mode)), None)
        if kind is not None or not stat.S_ISREG(info.st_mode):
            raise UserError(f"{what} {shown}: {kind or 'not a plain file'}, not a file; give a plain file")
        if info.st_size > limit:
            raise UserError(f"{what} {shown}: {_size(info.st_size)}, more than the {_size(limit)} such a file may be; "
                            "is it the right file?")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_input(path: Path, what: str, limit: int) -> bytes:
    """The whole file, checked as `open_input` checks it (and read no further than `limit`: a file
    that grows while it is read is cut off there, and refused)."""
    with open_input(path, what, limit) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UserError(f"{what} {quote(str(path), 200)}: grew past {_size(limit)} while it was read; give a plain file")
    return data
