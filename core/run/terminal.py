"""After a hang-up (SIGHUP: the SSH connection dropped) the terminal is gone, and writing to it
fails with EIO. Pointing the terminal's streams at /dev/null lets a run stop and save without
tripping over its own progress display; a stdout redirected to a file or pipe is kept."""

from __future__ import annotations

import os
import sys

from sst2_tui.core.storage.own_files import open_own


def _is_terminal(fd: int) -> bool:
    try:
        if os.isatty(fd):
            return True
    except OSError:
        pass
    try:  # a hung-up terminal may no longer answer isatty(); its device name still says what it was
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return False
    return target.startswith(("/dev/pts/", "/dev/tty", "/dev/console"))


def detach_from_dead_terminal() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for stream in (sys.__stdin__, sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None and _is_terminal(stream.fileno()):
                    os.dup2(devnull, stream.fileno())
            except (OSError, ValueError):
                pass
    finally:
        os.close(devnull)


def redirect_output_to(path) -> None:
    """This process's stdout and stderr (and its children's) append to the log at `path`."""
    log = open_own(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)  # a log to read: the umask decides
    try:
        os.dup2(log, sys.stdout.fileno())
        os.dup2(log, sys.stderr.fileno())
    finally:
        os.close(log)
