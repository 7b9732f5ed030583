"""A run's control file: commands from other processes, one JSON object per line, appended.

    {"id": "c-3f2a9c1e", "kind": "set_lr", "value": 2e-05, "source": "cli", "time": 1795702046.1}

A file needs no port, survives restarts and is an audit trail. Writers append a whole line with
one `write` on an O_APPEND descriptor, so lines from several writers never interleave. The run
reads only the new bytes from where it stopped, at each step boundary (one `stat` when nothing
changed); a torn last line waits for its newline; a line that is not a valid command is skipped
and reported as a warning naming the file and line. Commands written before the run started
are never applied (a resumed run does not replay its predecessor's commands).
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import time
from pathlib import Path

from sst2_tui.core.controls import KINDS, Command, make_command
from sst2_tui.core.errors import quote
from sst2_tui.core.storage.own_files import append_own, open_own
from sst2_tui.core.text.json_text import parse_json

MAX_LINE_BYTES = 4096
SOURCES = ("app", "cli", "agent")


def append_command(path: Path, command: Command, source: str) -> str:
    """Append `command` for the run that owns `path`; returns its id. Owner-only permissions."""
    command_id = "c-" + secrets.token_hex(4)
    record = {"id": command_id, **command.spec.to_json(), "source": source, "time": round(time.time(), 3)}
    append_own(path, (json.dumps(record, separators=(",", ":")) + "\n").encode(), 0o600)
    return command_id


class ControlFileReader:
    """The run's side: `poll()` returns the commands appended since the last call, and problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.close(open_own(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))  # exists, owner-only
        info = path.stat()
        self._offset = info.st_size  # what was written before this run is history
        self._inode = info.st_ino
        self._said_link: int | None = None
        self._line = path.read_bytes().count(b"\n") if self._offset else 0

    def poll(self) -> tuple[list[Command], list[str]]:
        try:
            info = os.stat(self.path, follow_symlinks=False)
        except OSError:
            return [], []
        if stat.S_ISLNK(info.st_mode):  # planted: never read, said once; a plain file there later is read again
            if self._said_link == info.st_ino:
                return [], []
            self._said_link = info.st_ino
            return [], [f"{self.path}: a symbolic link; commands are not taken from it until it is a plain file again"]
        if info.st_ino != self._inode:  # replaced by another file (a link removed, the file recreated): read it whole
            self._inode, self._offset, self._line = info.st_ino, 0, 0
        size = info.st_size
        if size <= self._offset:
            return [], []
        try:
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)  # never a planted link's target
        except OSError as error:
            self._offset = size  # said once, not at every step
            return [], [f"{self.path}: cannot be read ({error.strerror}); commands are not taken from it"]
        try:
            chunk = os.pread(descriptor, size - self._offset, self._offset)
        finally:
            os.close(descriptor)
        commands: list[Command] = []
        problems: list[str] = []
        *lines, tail = chunk.split(b"\n")
        self._offset += sum(len(line) + 1 for line in lines)
        if len(tail) > MAX_LINE_BYTES:  # a line that never ends: skip what is there
            self._offset += len(tail)
            problems.append(f"{self.path}: an unterminated line of {len(tail)} bytes; ignored")
        for raw in lines:
            self._line += 1
            if not raw.strip():
                continue
            command, problem = self._parse(raw)
            if command is not None:
                commands.append(command)
            else:
                problems.append(f"{self.path} line {self._line}: {problem}; ignored")
        return commands, problems

    @staticmethod
    def _parse(raw: bytes) -> tuple[Command | None, str]:
        if len(raw) > MAX_LINE_BYTES:
            return None, f"a line of {len(raw)} bytes (at most {MAX_LINE_BYTES})"
        try:
            record = parse_json(raw)
        except ValueError as error:
            return None, f"not a JSON object: {error}"
        if not isinstance(record, dict):
            return None, "not a JSON object"
        kind, command_id = record.get("kind"), record.get("id")
        if kind not in KINDS:
            return None, f"unknown command {quote(kind, 40)} (known: {', '.join(KINDS)})"
        if not isinstance(command_id, str) or not 0 < len(command_id) <= 64:
            return None, "no command id"
        value = record.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float | str)):
            return None, f"value {quote(value, 40)} is not a number"
        try:
            command = make_command(kind, value, record.get("text"))
        except ValueError as error:
            return None, str(error)
        source = str(record.get("source")) if record.get("source") in SOURCES else "cli"
        return command.with_origin(source, command_id), ""
