"""Errors a user can fix. The CLI turns these into one line on stderr and exit code 2."""

from __future__ import annotations

import errno

# The exit codes of every command: done; failed (a bug or a fault: the error and a hint); bad input
# (one line naming what to fix); interrupted by a signal or a stop (saved, can be resumed).
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """Bad input from the user: a flag, a file, a model name. Never shown with a traceback."""

    exit_code = EXIT_BAD_INPUT


class DataError(UserError):
    """A data file or folder that cannot be used; the message names the file, row and field."""


class ModelError(UserError):
    """A model name or folder that cannot be loaded."""


class HubUnreachable(UserError):
    """The Hugging Face Hub is needed but cannot be reached (offline, or HF_HUB_OFFLINE=1)."""


def quote(value: object, limit: int = 80) -> str:
    """A user's value inside a message: repr'd and cut to about `limit` characters, so a 10 MB
    field never becomes a 10 MB error message (nor a 5,000-digit number a crash)."""
    if isinstance(value, str):
        value = value[: limit + 1]
    try:
        text = repr(value)
    except ValueError:  # an int past Python's digit limit for text conversion
        return "a number too long to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown_path(path: object, limit: int = 120) -> str:
    """A path inside a message, its middle cut (`/tmp/a…/report.md`) when longer than `limit`: the
    start says where, the end says what, and a 4,000-character path never floods a terminal."""
    text = str(path)
    if len(text) <= limit:
        return text
    head = limit // 3
    return f"{text[:head]}…{text[-(limit - head - 1):]}"


def why_not_written(error: OSError) -> str:
    """The reason a file could not be written and what to do, by the kind of failure: not every
    write error is a full disk."""
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{reason}: free some space"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{reason}: the folder is not writable for you"
    if error.errno == errno.EEXIST:
        return f"{reason}: something else is in the way; remove it"
    return reason
