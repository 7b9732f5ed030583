"""Control commands going into a running method, and the thread-safe channel that carries them.

The app's UI thread (or a signal handler) calls `ControlChannel.send`; the training generator
drains the channel between optimizer steps, so a command always applies at a step boundary.
While paused the generator blocks in `wait` on a condition variable: no busy loop.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from core.config import parse_rate


@dataclass(frozen=True)
class Command:
    kind: str
    value: float | None = None
    source: str = "user"
    """Who sent it: "user", or the engine's own watchers (e.g. "disk_full" resumes a run once
    space is free again). Shown in the event, not part of the command itself."""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind} if self.value is None else {"kind": self.kind, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Command:
        return make_command(data["kind"], data.get("value"))


KINDS = ("set_lr", "set_eps", "pause", "resume", "stop")


def make_command(kind: str, value: float | str | None = None) -> Command:
    """Build a command, refusing values the optimizer must never see (not finite, <= 0, > 1)."""
    if kind not in KINDS:
        raise ValueError(f"unknown control command {kind!r}; use one of {', '.join(KINDS)}")
    if kind in ("set_lr", "set_eps"):
        if value is None:
            raise ValueError(f"{kind} needs a value")
        return Command(kind, parse_rate(value, "learning rate" if kind == "set_lr" else "eps"))
    return Command(kind)


def lr_command(value: float | str) -> Command:
    return make_command("set_lr", value)


def eps_command(value: float | str) -> Command:
    return make_command("set_eps", value)


PAUSE = Command("pause")
RESUME = Command("resume")
STOP = Command("stop")


class ControlChannel:
    """A queue of commands with a condition variable, shared by the UI thread and the trainer."""

    def __init__(self) -> None:
        self._queue: deque[Command] = deque()
        self._cond = threading.Condition()

    def send(self, command: Command) -> None:
        with self._cond:
            self._queue.append(command)
            self._cond.notify_all()

    def send_all(self, commands: list[Command]) -> None:
        with self._cond:
            self._queue.extend(commands)
            self._cond.notify_all()

    def drain(self) -> list[Command]:
        """Take every waiting command without blocking."""
        with self._cond:
            items = list(self._queue)
            self._queue.clear()
            return items

    def wait(self, timeout: float | None = None) -> Command | None:
        """Block until a command arrives (or the timeout passes) and return it."""
        with self._cond:
            if not self._queue:
                self._cond.wait(timeout)
            return self._queue.popleft() if self._queue else None


@dataclass
class RunHandle:
    """What the caller keeps to steer a run from another thread (or a signal handler)."""

    controls: ControlChannel = field(default_factory=ControlChannel)
    interrupted: threading.Event = field(default_factory=threading.Event)
    folder: Any = None
    """The run's folder once it exists (a `RunFolder`)."""

    def interrupt(self) -> None:
        """A signal (Ctrl-C, SIGTERM, SIGHUP): finish the step, evaluate, save, mark interrupted."""
        self.interrupted.set()
        self.controls.send(STOP)
