"""The runs waiting to start, shared by the UI thread (adds) and the worker (takes)."""

from __future__ import annotations

import threading
from collections import deque

from core.config import RunConfig


class RunQueue:
    def __init__(self) -> None:
        self._items: deque[RunConfig] = deque()
        self._lock = threading.Lock()

    def add(self, *configs: RunConfig) -> None:
        with self._lock:
            self._items.extend(configs)

    def take(self) -> RunConfig | None:
        with self._lock:
            return self._items.popleft() if self._items else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[RunConfig]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
