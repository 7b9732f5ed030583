"""Locks that die with their holder: an `flock` on a file in a session or run folder ("live" is
"this lock is held"; a kill -9 frees it, a reused PID cannot fake it).

Every lock file is opened without following a symlink and must be a regular file of ours in a
folder of ours: another local user who plants `SESSION/.lock -> ~/.bashrc` gets a one-line
refusal, never a truncated file."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sst2_tui.core.storage.own_files import open_own


def open_lock_file(path: Path) -> int:
    """`path` opened read-write (created 0600 if absent), refusing symlinks and others' files."""
    return open_own(path, os.O_RDWR | os.O_CREAT, 0o600)


@contextlib.contextmanager
def held(path: Path, wait: bool = False, shared: bool = False) -> Iterator[bool]:
    """An exclusive lock on `path` for the block, its holder written in it (`shared`: one of many
    holders, written by none). Yields False, holding nothing, when another process has it and
    `wait` is False."""
    descriptor = open_lock_file(path)
    try:
        try:
            fcntl.flock(descriptor, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        if not shared:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"sst2-tui pid {os.getpid()}".encode())
        yield True
    finally:
        os.close(descriptor)


def holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it ("sst2-tui pid N"); empty when unknown."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        return os.read(descriptor, 64).decode("utf-8", "replace").strip()[:40]
    finally:
        os.close(descriptor)


def is_held(path: Path) -> bool:
    """Whether a process holds the lock now (tested with a shared lock, dropped at once). A lock
    file this user may not open (another user's run) is looked up in /proc/locks instead."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except PermissionError:
        return _held_by_anyone(path)
    except OSError:
        return False  # a symlink or worse: not a lock of a live run
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def _held_by_anyone(path: Path) -> bool:
    try:
        info = os.stat(path, follow_symlinks=False)
        table = Path("/proc/locks").read_text()
    except OSError:
        return False
    suffix = f":{info.st_ino}"
    return any(line.split()[1] == "FLOCK" and line.split()[5].endswith(suffix)
               for line in table.splitlines() if len(line.split()) > 5)
