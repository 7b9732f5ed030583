"""From engine events (worker thread) to app messages, throttled, never waiting for the UI.

`post_message` only puts the message on the app's queue; it does not wait for it to be handled
(unlike `call_from_thread`, which would tie training speed to repaint speed).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from textual.message import Message

from sst2_tui.core.events import Event, Step
from sst2_tui.tui.messages import EngineEvent, StepsAvailable

MIN_SECONDS_BETWEEN_STEP_MESSAGES = 0.1  # about 10 updates a second at most


class EventBridge:
    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._steps: deque[tuple[int, Step]] = deque()
        self._lock = threading.Lock()
        self._last_post = 0.0
        self._run = 0

    def start_run(self) -> int:
        """Called on the worker before it posts RunStarting: steps from here on belong to a new run.
        The UI takes steps by run number, so a repaint timer that fires between two runs never
        hands the next run's first steps to the previous run's view."""
        with self._lock:
            self._run += 1
            return self._run

    def __call__(self, event: Event) -> None:
        if isinstance(event, Step):
            with self._lock:
                self._steps.append((self._run, event))
            now = time.monotonic()
            if now - self._last_post >= MIN_SECONDS_BETWEEN_STEP_MESSAGES:
                self._last_post = now
                self._post(StepsAvailable())
            return
        self.flush()  # steps before this event are shown before it
        self._post(EngineEvent(event))

    def flush(self) -> None:
        with self._lock:
            waiting = bool(self._steps)
        if waiting:
            self._last_post = time.monotonic()
            self._post(StepsAvailable())

    def take_steps(self, run: int) -> list[Step]:
        """Called on the UI thread: the waiting steps of `run`; an older run's are dropped, a newer
        run's stay until the UI has seen that run start."""
        with self._lock:
            while self._steps and self._steps[0][0] < run:
                self._steps.popleft()
            steps: list[Step] = []
            while self._steps and self._steps[0][0] == run:
                steps.append(self._steps.popleft()[1])
        return steps
