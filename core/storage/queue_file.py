"""A session's queue on disk: the runs waiting to start, in order, whoever added them.

    <session>/queue.json   {"items": [{"id": "q-3f2a", "config": {...}},
                                      {"id": "q-9b1c", "resume": "<run dir>"},
                                      {"id": "q-77d0", "resume": "<run dir>", "from_scratch": true}]}

Any process may add or remove items (an app, a second app attached to the same session); the
session's queue runner takes them one at a time. Every change is a read-modify-write under an
flock on `.queue.lock` and an atomic replace, so readers always see a whole file.

Past the JSON edge an item is typed: `NewRun` (a run to start) or `Resume` (a run of the session to
continue from its checkpoint, or to start again in its own folder); an item that does not read as
either is `Unreadable` (shown as such, skipped by the runner with its reason). Each entry's `argv`
is the one `sst2-tui run` line every scheduler starts it with.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sst2_tui.core.config import RunConfig, run_argv
from sst2_tui.core.errors import quote
from sst2_tui.core.storage.files import atomic_write_json
from sst2_tui.core.storage.locks import held, is_held
from sst2_tui.core.storage.paths import folder_path
from sst2_tui.core.storage.validated import read_object

QUEUE_FILE = "queue.json"


RUNNER_LOCK = ".queue-runner.lock"
"""Held by the session's queue runner while it lives (core/run/queue_runner.py)."""


@dataclass(frozen=True)
class NewRun:
    """A run to start in the session, with these settings."""

    config: RunConfig
    id: str = ""

    def argv(self, session_path: Path) -> list[str]:
        """The `sst2-tui run` arguments that start it in `session_path`."""
        return ["run", *run_argv(self.config), "--sessions-dir", str(session_path.parent), "--session", session_path.name,
                "--quiet"]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "config": self.config.to_dict()}


@dataclass(frozen=True)
class Resume:
    """A run of the session to continue from its newest checkpoint in its own folder; with
    `from_scratch`, one that never saved a checkpoint (killed early), started again there."""

    run_dir: Path
    from_scratch: bool = False
    id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_dir", folder_path(self.run_dir))

    def argv(self, session_path: Path | None = None) -> list[str]:
        del session_path  # a run folder knows its session
        return ["run", "--resume", str(self.run_dir), *(["--from-scratch"] if self.from_scratch else []), "--quiet"]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "resume": str(self.run_dir), **({"from_scratch": True} if self.from_scratch else {})}


@dataclass(frozen=True)
class Unreadable:
    """An item of queue.json that is neither (hand-edited, or written by another version)."""

    id: str
    reason: str


QueueEntry = NewRun | Resume


def entry_from_json(item: dict[str, Any]) -> NewRun | Resume | Unreadable:
    """One item of queue.json, typed (it has an `id`: the caller checked)."""
    item_id = item["id"]
    if isinstance(item.get("resume"), str):
        if not item["resume"].strip() or "\0" in item["resume"]:
            return Unreadable(item_id, f"resume {quote(item['resume'], 60)} is not a folder")
        return Resume(Path(item["resume"]), item.get("from_scratch") is True, item_id)
    try:
        return NewRun(RunConfig.from_dict(item["config"]), item_id)
    except (ValueError, TypeError) as error:
        return Unreadable(item_id, f"its settings do not read: {str(error)[:120]}")


@dataclass(frozen=True)
class QueueState:
    """How many runs wait, whether the runner that starts them lives, and so whether the queue is
    stalled (runs wait and no runner will start them: it was killed)."""

    waiting: int
    runner_live: bool
    stalled: bool


def queue_state(session_path: Path) -> QueueState:
    waiting = len(SessionQueue(session_path).items())
    runner_live = is_held(session_path / RUNNER_LOCK)
    return QueueState(waiting, runner_live, bool(waiting) and not runner_live)


@dataclass(frozen=True)
class Taken:
    """What `take` found: the next entry to start (None: the queue is empty), and the unreadable
    items before it, dropped in the same write (each to be said in the runner's log)."""

    entry: QueueEntry | None
    skipped: list[Unreadable]


class SessionQueue:
    def __init__(self, session_path: Path) -> None:
        self.session_path = session_path
        self.path = session_path / QUEUE_FILE

    @contextlib.contextmanager
    def _locked(self):
        with held(self.session_path / ".queue.lock", wait=True):  # for a read-modify-write: milliseconds
            yield

    def _raw(self) -> list[dict[str, Any]]:
        """The items with an id and a config or resume, each id once (a later duplicate is dropped);
        a damaged file reads as empty (never a crash)."""
        data, _ = read_object(self.path)
        items = (data or {}).get("items", [])
        if not isinstance(items, list):
            return []
        seen: set[str] = set()
        kept = []
        for item in items:
            if (isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] not in seen
                    and (isinstance(item.get("config"), dict) or isinstance(item.get("resume"), str))):
                seen.add(item["id"])
                kept.append(item)
        return kept

    def items(self) -> list[NewRun | Resume | Unreadable]:
        """The waiting items, oldest first, typed."""
        return [entry_from_json(item) for item in self._raw()]

    def entries(self) -> list[QueueEntry]:
        """The waiting items that will start (unreadable ones left out)."""
        return [item for item in self.items() if not isinstance(item, Unreadable)]

    def add(self, *entries: QueueEntry) -> list[str]:
        """Appends the entries, each with a fresh id; returns the ids."""
        with self._locked():
            items = self._raw()
            new = [{**entry.to_json(), "id": "q-" + secrets.token_hex(4)} for entry in entries]
            atomic_write_json(self.path, {"items": items + new})
        return [item["id"] for item in new]

    def remove(self, item_id: str) -> bool:
        with self._locked():
            items = self._raw()
            kept = [i for i in items if i["id"] != item_id]
            if len(kept) == len(items):
                return False
            atomic_write_json(self.path, {"items": kept})
            return True

    def clear(self) -> None:
        with self._locked():
            atomic_write_json(self.path, {"items": []})

    def take(self) -> Taken:
        """The next entry to start, removed from the queue with every unreadable item before it (one
        write however many: 10,000 bad items are skipped at once)."""
        with self._locked():
            raw = self._raw()
            skipped: list[Unreadable] = []
            for index, item in enumerate(raw):
                entry = entry_from_json(item)
                if isinstance(entry, Unreadable):
                    skipped.append(entry)
                    continue
                atomic_write_json(self.path, {"items": raw[index + 1:]})
                return Taken(entry, skipped)
            if raw:
                atomic_write_json(self.path, {"items": []})
            return Taken(None, skipped)
