"""Control commands going into a running method, and the thread-safe channel that carries them.

A `ControlChannel` is a run's inbox, inside the run's process: it reads the run folder's
`control.jsonl` (where `sst2-tui ctl` and the app append), and a signal handler sends on it. The
training generator drains it between optimizer steps, so a command always applies at a step boundary.
While paused the generator blocks in `wait` on a condition variable: no busy loop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sst2_tui.core.config import ForkLabel, parse_rate, parse_weight_decay
from sst2_tui.core.events import CommandKind, CommandSpec


@dataclass(frozen=True)
class Command:
    kind: CommandKind
    value: float | None = None
    source: str = "user"
    """Who sent it: "user" (the app in this process), "app" or "cli" (through the run folder's
    control file), or the engine's own watchers (e.g. "disk_full" resumes a run once space is
    free again). Shown in the event, not part of the command itself."""
    id: str | None = None
    """The command's id when it came through the control file; its `control` event carries it back."""
    text: str | None = None
    """The sentence of a `predict` command."""

    @property
    def spec(self) -> CommandSpec:
        return CommandSpec(self.kind, self.value, self.text)

    @classmethod
    def from_spec(cls, spec: CommandSpec) -> Command:
        """A command as an event wrote it, checked again (`make_command`)."""
        return make_command(spec.kind, spec.value, spec.text)

    def with_origin(self, source: str, command_id: str | None) -> Command:
        return Command(self.kind, self.value, source, command_id, self.text)


KINDS = tuple(kind.value for kind in CommandKind)
MAX_PREDICT_CHARS = 2000


def make_command(word: str, value: float | str | None = None, text: object = None) -> Command:
    """Build a command, refusing values the optimizer must never see (not finite, <= 0, > 1)."""
    if word not in KINDS:
        raise ValueError(f"unknown control command {word!r}; use one of {', '.join(KINDS)}")
    kind = CommandKind(word)
    if kind == CommandKind.PREDICT:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("predict needs a sentence")
        if len(text) > MAX_PREDICT_CHARS:
            raise ValueError(f"predict: a sentence of {len(text)} characters (at most {MAX_PREDICT_CHARS})")
        return Command(kind, text=text)
    if kind in (CommandKind.SET_LR, CommandKind.SET_EPS):
        if value is None:
            raise ValueError(f"{kind} needs a value")
        return Command(kind, parse_rate(value, "learning rate" if kind == CommandKind.SET_LR else "eps"))
    if kind == CommandKind.SET_WEIGHT_DECAY:
        if value is None:
            raise ValueError(f"{kind} needs a value")
        return Command(kind, parse_weight_decay(value))
    return Command(kind)


def lr_command(value: float | str) -> Command:
    return make_command("set_lr", value)


def eps_command(value: float | str) -> Command:
    return make_command("set_eps", value)


def branch_commands(fork: ForkLabel) -> list[Command]:
    """A fork's changes of optimizer values, as the commands its method applies at the branch step."""
    kinds = {"lr": "set_lr", "eps": "set_eps", "weight_decay": "set_weight_decay"}
    return [make_command(kinds[name], value).with_origin("fork", None) for name, value in fork.applied.items() if name in kinds]


PAUSE = Command(CommandKind.PAUSE)
RESUME = Command(CommandKind.RESUME)
STOP = Command(CommandKind.STOP)


def predict_command(text: str) -> Command:
    return make_command("predict", text=text)


class ControlChannel:
    """A queue of commands with a condition variable, shared by the UI thread and the trainer.

    Other processes reach a run through its control file: `read_from(source)` adds a poll that is
    called at every drain (one `stat` per step when nothing was written) and, while paused, every
    quarter second. Lines the source could not use come back through `take_problems`."""

    POLL_SECONDS = 0.25

    def __init__(self) -> None:
        self._queue: deque[Command] = deque()
        self._cond = threading.Condition()
        self._sources: list[Any] = []
        self._problems: list[str] = []

    def read_from(self, source: Any) -> None:
        """`source.poll()` returns (commands, problems); see `core.storage.control_file`."""
        self._sources.append(source)

    def _poll_sources(self) -> None:
        for source in self._sources:
            commands, problems = source.poll()
            with self._cond:
                self._queue.extend(commands)
                self._problems.extend(problems)

    def take_problems(self) -> list[str]:
        with self._cond:
            problems, self._problems = self._problems, []
            return problems

    def send(self, command: Command) -> None:
        with self._cond:
            self._queue.append(command)
            self._cond.notify_all()

    def drain(self) -> list[Command]:
        """Take every waiting command without blocking."""
        self._poll_sources()
        with self._cond:
            items = list(self._queue)
            self._queue.clear()
            return items

    def wait(self, timeout: float | None = None) -> Command | None:
        """Block until a command arrives (or the timeout passes) and return it. With a control
        file to follow, wake every POLL_SECONDS to look at it."""
        if not self._sources:
            with self._cond:
                if not self._queue:
                    self._cond.wait(timeout)
                return self._queue.popleft() if self._queue else None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._poll_sources()
            with self._cond:
                if self._queue:
                    return self._queue.popleft()
                if self._problems:
                    return None  # let the caller report them
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(self.POLL_SECONDS if left is None else min(left, self.POLL_SECONDS))


@dataclass
class RunHandle:
    """What the caller keeps to steer a run from another thread (or a signal handler)."""

    controls: ControlChannel = field(default_factory=ControlChannel)
    interrupted: threading.Event = field(default_factory=threading.Event)
    folder: Any = None
    """The run's folder once it exists (a `RunFolder`)."""
    on_folder: Any = None
    """Called with the run's folder once it is locked (a detached run announces itself then)."""
    leave: threading.Event = field(default_factory=threading.Event)
    """Set when a window onto a run in another process closes: stop following, the run goes on."""

    def interrupt(self) -> None:
        """A signal (Ctrl-C, SIGTERM, SIGHUP): finish the step, evaluate, save, mark interrupted."""
        self.interrupted.set()
        self.controls.send(STOP)
