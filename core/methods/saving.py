"""Checkpoints when the disk may be full: pause instead of failing, retry after resuming.

Shared by the hand loop and the Trainer method. `save_or_pause` writes one checkpoint, or marks it
pending and pauses the run with a `disk_full` event naming the path. `retry_pending_save` runs at
the next step boundary: it waits (blocked on the control channel, no busy loop) until the run is
resumed, by the user or by the runner's disk watcher once there is room, then writes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from sst2_tui.core.events import Checkpoint, Event, Paused
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.methods.steering import Steering
from sst2_tui.core.storage.disk_space import DiskFullError, disk_full_event


def save_or_pause(checkpoint: Callable[[str], Checkpoint], reason: str, state: RunState) -> list[Event]:
    try:
        return [checkpoint(reason)]
    except DiskFullError as error:
        stopping = state.stop_requested
        event = disk_full_event(state.step, error, "checkpoint", stopping=stopping)
        if stopping:
            return [event]  # the user asked to stop: do not hold the run hostage for a checkpoint
        state.paused, state.pending_save = True, reason
        return [event, Paused(step=state.step, reason="disk_full")]


def retry_pending_save(checkpoint: Callable[[str], Checkpoint], state: RunState,
                       steering: Steering) -> Generator[list[Event], None, list[Event]]:
    """Returns the events to report with the next step; yields while it waits."""
    events: list[Event] = []
    while state.pending_save and not state.stop_requested:
        events += yield from steering.boundary()  # blocks while paused: until resumed or stopped
        if state.stop_requested:
            break
        reason, state.pending_save = state.pending_save, ""
        events += save_or_pause(checkpoint, reason, state)
        if state.pending_save:  # still no room: paused again
            yield events
            events = []
    state.pending_save = ""  # stopped while waiting: the stop's own checkpoint is tried next
    return events
