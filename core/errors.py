"""Errors a user can fix. The CLI turns these into one line on stderr and exit code 2."""

from __future__ import annotations

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
