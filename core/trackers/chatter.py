"""What a tracker library prints is kept apart from the run's own output.

trackio prints a banner, the dashboard's command in colour and every alert on stdout (`[TRACKIO
WARN]`); MLflow prints a line per run it ends. Under `--quiet` that was the only text on the
terminal, and on stdout it sat between `run`'s JSON summary and whoever reads it. The library is
called on the tracker thread while the run prints on its own, so redirecting `sys.stdout` for the
call (process-wide) would also swallow the run's own lines: `kept_apart` routes by thread instead,
and only the calling thread's writes are kept (returned to the caller, never printed). What a user
needs of it (where trackio's dashboard is) the command line says itself, in its own words.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

_local = threading.local()
_install = threading.Lock()


class _ByThread:
    """Stands in for sys.stdout or sys.stderr: a thread inside `kept_apart` writes to its list, any
    other thread to the stream as before."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        kept: list[str] | None = getattr(_local, "kept", None)
        if kept is not None:
            kept.append(text)
            return len(text)
        return self.stream.write(text)

    def flush(self) -> None:
        if getattr(_local, "kept", None) is None:
            self.stream.flush()

    def isatty(self) -> bool:
        return getattr(_local, "kept", None) is None and self.stream.isatty()

    def __getattr__(self, name: str) -> object:  # encoding, fileno, buffer...: the stream's own
        return getattr(self.stream, name)


@contextlib.contextmanager
def kept_apart() -> Iterator[list[str]]:
    """Within: what this thread writes to sys.stdout or sys.stderr (print, warnings) goes to the
    list yielded, not to the terminal."""
    with _install:
        if not isinstance(sys.stdout, _ByThread):
            sys.stdout = _ByThread(sys.stdout)
        if not isinstance(sys.stderr, _ByThread):
            sys.stderr = _ByThread(sys.stderr)
    outer = getattr(_local, "kept", None)
    kept: list[str] = []
    _local.kept = kept
    try:
        yield kept
    finally:
        _local.kept = outer
