"""Messages from the training worker and the screens up to the app. Steps replace each other; nothing
else does. Each message is a dataclass with typed fields (Textual's `Message.__post_init__` makes that
work): what a handler reads is what the type says."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.message import Message

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import Command
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import Event
from sst2_tui.core.run.fork import ForkChanges
from sst2_tui.core.run.launch import Following
from sst2_tui.core.run.runner import RunOutcome
from sst2_tui.core.storage.sessions import RunFolder
from sst2_tui.tui.run_queue import Resumption


class StepsAvailable(Message):
    """New step events wait in the bridge's buffer. A newer one supersedes an unhandled older one:
    the handler drains the whole buffer, so no step is lost when messages are combined."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StepsAvailable)


@dataclass(eq=False)  # a message is itself, compared and hashed by identity as Textual expects
class EngineEvent(Message):
    """Any event other than a step (evaluation, pause, NaN report, checkpoint, end): never replaced."""

    event: Event


@dataclass(eq=False)
class RunStarting(Message):
    config: RunConfig
    following: Following
    history: list[Event] = field(default_factory=list)
    """A resumed run's earlier events, so its curves and log continue where they stopped."""
    bridge_run: int = 0
    """The bridge's number for this run (`EventBridge.start_run`): whose steps the UI takes."""
    config_known: bool = True
    """False for a run attached to before its config.json could be read: `config` is a placeholder."""


@dataclass(eq=False)
class RunEnded(Message):
    config: RunConfig
    outcome: RunOutcome
    folder: RunFolder | None = None
    """The run's folder, when it got one (a run that died can be resumed from it)."""


@dataclass(eq=False)
class SweepEnded(Message):
    """The window's sweep has no work left: its verdict, as `sweep` prints it (worked out on the worker)."""

    session_name: str
    lines: list[str]


class QueueIdle(Message):
    """The worker has run everything queued (or was told to stop)."""


@dataclass(eq=False)
class DeviceDetected(Message):
    device: DeviceInfo
    precision: str
    versions: dict[str, str]


@dataclass(eq=False)
class HubChecked(Message):
    """Whether the Hugging Face Hub can be reached, in words, for the welcome panel."""

    hub: str


@dataclass(eq=False)
class Steer(Message):
    """Up from the dashboard: send these commands to the followed run, and say `notice` once sent."""

    commands: list[Command]
    notice: str | None = None
    fix: str | None = None
    """The NaN fix these commands apply (its label), shown on the banner once sent."""
    rerun: dict[str, str] | None = None
    """NaN fix 3: once sent, queue the same run again with these flag values (`{"precision": "auto"}`)."""


@dataclass(eq=False)
class ForkNow(Message):
    """Up from `f`: fork a run with these changes: the followed live run at its next step (`folder`
    None), or `folder`, a run that is not live, from its kept checkpoint at `step` (None: the newest)."""

    changes: ForkChanges
    folder: Path | None = None
    step: int | None = None
    live: bool = True
    """`folder` is live: forked at its next step (`step` unused)."""


@dataclass(eq=False)
class ResumeRun(Message):
    """Up from the sessions browser: continue an interrupted run after what is queued now."""

    resumption: Resumption
