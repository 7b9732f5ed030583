"""A session's queue on disk: the runs waiting to start, in order, whoever added them.

    <session>/queue.json   {"items": [{"id": "q-3f2a", "config": {...}}, {"id": "q-9b1c", "resume": "<run dir>"}]}

Any process may add or remove items (an app, a second app attached to the same session); the
session's queue runner takes them one at a time. Every change is a read-modify-write under an
flock on `.queue.lock` and an atomic replace, so readers always see a whole file.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path
from typing import Any

from sst2_tui.core.storage.files import atomic_write_json
from sst2_tui.core.storage.locks import held, is_held
from sst2_tui.core.storage.validated import read_object

QUEUE_FILE = "queue.json"


SWEEP_FILE = "sweep.json"
"""A sweep's session: its points and how many run at once (core/sweep/state.py)."""
RUNNER_LOCK = ".queue-runner.lock"
"""Held by the session's queue runner while it lives (core/run/queue_runner.py)."""


def queue_state(session_path: Path) -> dict[str, Any]:
    """How many runs wait, whether the runner that starts them lives, and so whether the queue is
    stalled (runs wait and no runner will start them: it was killed)."""
    waiting = len(SessionQueue(session_path).items())
    runner_live = is_held(session_path / RUNNER_LOCK)
    return {"waiting": waiting, "runner_live": runner_live, "stalled": bool(waiting) and not runner_live}


class SessionQueue:
    def __init__(self, session_path: Path) -> None:
        self.session_path = session_path
        self.path = session_path / QUEUE_FILE

    @contextlib.contextmanager
    def _locked(self):
        with held(self.session_path / ".queue.lock", wait=True):  # for a read-modify-write: milliseconds
            yield

    def items(self) -> list[dict[str, Any]]:
        """The waiting items, oldest first; a damaged file reads as empty (never a crash)."""
        data, _ = read_object(self.path)
        items = (data or {}).get("items", [])
        return [i for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)
                and (isinstance(i.get("config"), dict) or isinstance(i.get("resume"), str))] if isinstance(items, list) else []

    def add(self, *entries: dict[str, Any]) -> list[str]:
        """Each entry is {"config": dict} or {"resume": run_dir}; returns their ids."""
        with self._locked():
            items = self.items()
            new = [{"id": "q-" + secrets.token_hex(3), **entry} for entry in entries]
            atomic_write_json(self.path, {"items": items + new})
        return [item["id"] for item in new]

    def remove(self, item_id: str) -> bool:
        with self._locked():
            items = self.items()
            kept = [i for i in items if i["id"] != item_id]
            if len(kept) == len(items):
                return False
            atomic_write_json(self.path, {"items": kept})
            return True

    def clear(self) -> None:
        with self._locked():
            atomic_write_json(self.path, {"items": []})

    def take(self) -> dict[str, Any] | None:
        with self._locked():
            items = self.items()
            if not items:
                return None
            atomic_write_json(self.path, {"items": items[1:]})
            return items[0]
