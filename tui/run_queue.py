"""The runs waiting to start, shared by the UI thread (adds) and the worker (takes).

An entry is a new run (`RunConfig`), an interrupted run to continue (`Resumption`, queued from
the sessions browser) or a live run of another window to follow (`Attachment`); all wait in one
order. New runs and resumptions of the window's own session go on to its queue on disk.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import RunConfig, format_rate
from sst2_tui.core.storage.sessions import RunFolder
from sst2_tui.tui.run_view import point_words


@dataclass(frozen=True)
class Resumption:
    """Continue `folder` (in the session at `session_dir`) from its newest complete checkpoint,
    chosen (and the run checked again) when the resume starts."""

    config: RunConfig
    session_dir: Path
    folder: RunFolder

    @property
    def method(self) -> str:
        return self.config.method

    def label(self) -> str:
        return f"resume {self.folder.run_id} ({self.session_dir.name})"


@dataclass(frozen=True)
class Attachment:
    """Watch and steer a run that is already training in its own process (`sst2-tui attach`)."""

    config: RunConfig
    folder: RunFolder
    config_known: bool = True
    """False where the run's config.json could not be read yet (a sweep point just starting): until
    the run says them, its view names no model or method (a default config's `gpt2` was shown)."""

    @classmethod
    def of(cls, folder: RunFolder) -> Attachment:
        from sst2_tui.core.storage.validated import read_config

        saved, _ = read_config(folder.config_path)
        return cls(saved or RunConfig(), folder, saved is not None)

    def label(self) -> str:
        return f"attach {self.folder.run_id}"


Queued = RunConfig | Resumption | Attachment


def queue_label(item: Queued) -> str:
    """One line naming a queued item, for the queue list and notices."""
    if isinstance(item, Resumption | Attachment):
        return item.label()
    # A precision or eps the user chose says which run this is (the demo's fourth: pure fp16, eps 1e-8).
    point = point_words(item)
    if point:  # a sweep's points differ only here
        return f"{item.method} {point}"
    extras = [item.precision] if item.precision != "auto" else []
    extras += [f"eps {format_rate(item.eps)}"] if item.eps is not None else []
    return f"{item.method} on {item.model}, {item.data}" + (f" ({', '.join(extras)})" if extras else "")


def rerun_of(view, changes: dict) -> tuple[RunConfig | None, str]:
    """NaN fix 3: the run again with what the fix changes, and what to tell the user (or why not)."""
    from sst2_tui.tui.widgets.pause_banner import rerun_flags

    try:
        config = (view.config or RunConfig()).replace(**changes)
    except (ValueError, TypeError) as error:
        return None, f"Could not queue the rerun: {error}"
    return config, f"Stopping {view.run_id}; queued a rerun with {rerun_flags(changes)}."


def settings_line(config: RunConfig) -> str:
    """The final settings of a run about to be queued, in one line, defaults resolved: what the
    form shows above Start, so a field a fast paste left unchanged is seen before the run starts."""
    final = config.resolved()
    examples = f"{final.train_subset:,} examples" if final.train_subset else "all examples"
    return (f"Queues: {final.method} on {final.model}, {final.data} {examples}, lr {format_rate(final.lr)}, "
            f"{final.epochs:g} epoch{'s' if final.epochs != 1 else ''}, batch {final.batch_size}, {final.precision}"
            + (f", reports to {final.report_to}" if final.report_to and final.report_to != "none" else ""))


@dataclass(frozen=True)
class Waiting:
    """One line of the queue as a window shows it: what waits, and where to take it out from."""

    label: str
    item: Queued | None = None  # waits in this window (not yet handed to the session's queue.json)
    disk_id: str | None = None  # waits in the session's queue.json, shared by every window


class RunQueue:
    def __init__(self) -> None:
        self._items: deque[Queued] = deque()
        self._lock = threading.Lock()

    def add(self, *items: Queued) -> None:
        with self._lock:
            self._items.extend(items)

    def take(self) -> Queued | None:
        with self._lock:
            return self._items.popleft() if self._items else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def remove(self, item: Queued) -> bool:
        """Take `item` (this very object) out; False when it already left (the worker took it)."""
        with self._lock:
            for index, waiting in enumerate(self._items):
                if waiting is item:
                    del self._items[index]
                    return True
            return False

    def snapshot(self) -> list[Queued]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
