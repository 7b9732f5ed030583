"""Every folder path enters the tool once, here: absolute, `~` expanded, `..` and symlinks resolved.

Paths are compared as strings in places that cannot do otherwise (the session a scheduler holds
for its runs, a queue entry's run folder, the run folders a sweep has seen), and written into JSON
that other processes read from other working folders. A relative `../w/sweep` typed by a person
and the absolute form another process builds must therefore be the same string: `folder_path`
makes them so, and `Session`, `RunFolder` and every path flag go through it."""

from __future__ import annotations

import os
from pathlib import Path


def folder_path(path: str | os.PathLike[str]) -> Path:
    """`path` absolute and normalized (`~` expanded, `.`/`..` and symlinks resolved). A path that
    does not exist (yet) is resolved as far as it exists and made absolute beyond that."""
    return Path(os.path.expanduser(os.fspath(path))).resolve()
