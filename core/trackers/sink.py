"""The sink between a run and its trackers: events in, tracker calls out, on a thread of its own.

Training never waits on a tracker: `on_event` only queues the calls (a server that is slow or gone
holds up nobody but its own thread). A tracker that raises is said once, as a warning the run
writes to its log (`on_event` hands back what failed since it was last called), and is called no
more. The run's end waits at most `FINISH_SECONDS` for the trackers to take what is queued.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

from sst2_tui.core.events import Event, RunFailed, RunFinished
from sst2_tui.core.trackers.calls import Call, EventTranslator, Finish, RunPlace, Scalars, Start, Text
from sst2_tui.core.trackers.chatter import kept_apart
from sst2_tui.core.trackers.tracker import Tracker

FINISH_SECONDS = 30.0


def open_trackers(names: tuple[str, ...], project_given: bool = False, tensorboard_root: Path | None = None) -> list[Tracker]:
    """The adapters of `names` (each imports its library only when it starts)."""
    from sst2_tui.core.trackers.mlflow_tracker import MlflowTracker
    from sst2_tui.core.trackers.tensorboard_tracker import TensorBoardTracker
    from sst2_tui.core.trackers.trackio_tracker import TrackioTracker

    made: dict[str, Callable[[], Tracker]] = {"tensorboard": lambda: TensorBoardTracker(tensorboard_root),
                                              "mlflow": lambda: MlflowTracker(project_given), "trackio": TrackioTracker}
    return [made[name]() for name in names]


def deliver(tracker: Tracker, call: Call) -> None:
    """One call to a tracker; whatever its library prints is kept off the terminal (`kept_apart`)."""
    with kept_apart():
        _deliver(tracker, call)


def _deliver(tracker: Tracker, call: Call) -> None:
    if isinstance(call, Start):
        tracker.start(call.run)
        for earlier in call.earlier:  # a resumed run: what the kill kept from this tracker, from the run's log
            missing = _missing(tracker, earlier)
            if missing:
                tracker.scalars(earlier.step, missing, earlier.wall_time)
    elif isinstance(call, Scalars):
        values = _not_held(tracker, call)
        if values:
            tracker.scalars(call.step, values, call.wall_time)
    elif isinstance(call, Text):
        tracker.text(call.step, call.tag, call.text, call.wall_time)
    else:
        tracker.finish(call.status)


def _not_held(tracker: Tracker, call: Scalars) -> dict[str, float]:
    """The call's numbers less those a resumed run's tracker holds from the killed attempt at this step:
    TensorBoard purged its copy (it takes every step again); MLflow and trackio say how far each number
    got (`held_steps`, read from their own store as they start: a killed attempt's last points may never
    have arrived), else the run's log says (every step it logged is held)."""
    if not call.repeated or getattr(tracker, "purges_on_resume", False):
        return call.values
    held: dict[str, int] | None = getattr(tracker, "held_steps", None)
    if held is None:
        return {}
    return {name: value for name, value in call.values.items() if call.step > held.get(name, 0)}


def _missing(tracker: Tracker, earlier: Scalars) -> dict[str, float]:
    """An earlier attempt's numbers at a step this tracker's own store says it lacks (a tracker that
    cannot say, or purges instead, is sent none)."""
    held: dict[str, int] | None = getattr(tracker, "held_steps", None)
    if held is None or getattr(tracker, "purges_on_resume", False):
        return {}
    return {name: value for name, value in earlier.values.items() if earlier.step > held.get(name, 0)}


SAID_AT_MOST = 1000
"""A tracker's error is said in one line, whole up to this many characters: MLflow's own remedy comes
at the end of its message (cut at 200, the fix was lost)."""


def said_whole(error: BaseException) -> str:
    said = " ".join(str(error).split()) or type(error).__name__
    return said if len(said) <= SAID_AT_MOST else said[:SAID_AT_MOST - 40] + " ... " + said[-35:]


class TrackerSink:
    """`threaded=False` (writing a finished session after the fact) calls the trackers at once."""

    def __init__(self, trackers: list[Tracker], place: RunPlace, threaded: bool = True) -> None:
        self.trackers = list(trackers)
        self.translator = EventTranslator(place)
        self.failed: list[str] = []
        self._said = 0
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
        self._closed = False
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._work, name="sst2-tui-trackers", daemon=True)
            self._thread.start()

    def on_event(self, event: Event) -> list[str]:
        """Queue the event's calls; at the run's end, wait for the trackers (at most FINISH_SECONDS).
        Returns the failures not said yet, one line each."""
        if self._closed:
            return []
        for call in self.translator.calls(event):
            self._send(call)
        if isinstance(event, RunFinished | RunFailed):
            return self.close()
        return self.unsaid()

    def unsaid(self) -> list[str]:
        with self._lock:
            new, self._said = self.failed[self._said:], len(self.failed)
        return new

    def close(self, seconds: float | None = None) -> list[str]:
        """Wait for what is queued (at most `seconds`, default FINISH_SECONDS); a run that ends
        without `run_finished` still finishes its trackers."""
        seconds = FINISH_SECONDS if seconds is None else seconds
        if self._closed:
            return self.unsaid()
        self._closed = True
        if not self.translator.finished and self.translator.started:
            self._send(Finish(self.translator.ended_as))
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(seconds)
            if self._thread.is_alive():
                with self._lock:
                    self.failed += [f"--report-to {t.name}: still busy {seconds:g} s after the run ended; "
                                    "its last values may be missing" for t in self.trackers]
        return self.unsaid()

    def _send(self, call: Call) -> None:
        if self._thread is None:
            self._deliver(call)
        else:
            self._queue.put(call)

    def _work(self) -> None:
        while (call := self._queue.get()) is not None:
            self._deliver(call)

    def _deliver(self, call: Call) -> None:
        for tracker in list(self.trackers):
            try:
                deliver(tracker, call)
            except Exception as error:  # noqa: BLE001 - a tracker must never stop a run
                said = said_whole(error)
                with self._lock:
                    self.trackers.remove(tracker)
                    self.failed.append(f"--report-to {tracker.name}: {said}; the run goes on without it" if self._thread
                                       else f"--to {tracker.name}: {said}; nothing more is written to it")
