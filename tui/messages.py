"""Messages from the training worker up to the app. Steps replace each other; nothing else does."""

from __future__ import annotations

from textual.message import Message

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import Command
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import Event
from sst2_tui.core.run.launch import Following
from sst2_tui.core.run.runner import RunOutcome


class StepsAvailable(Message):
    """New step events wait in the bridge's buffer. A newer one supersedes an unhandled older one:
    the handler drains the whole buffer, so no step is lost when messages are combined."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StepsAvailable)


class EngineEvent(Message):
    """Any event other than a step (evaluation, pause, NaN report, checkpoint, end): never replaced."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class RunStarting(Message):
    def __init__(self, config: RunConfig, following: Following, history: list | None = None, bridge_run: int = 0) -> None:
        super().__init__()
        self.config = config
        self.following = following
        self.bridge_run = bridge_run
        """The bridge's number for this run (`EventBridge.start_run`): whose steps the UI takes."""
        self.history = history or []
        """A resumed run's earlier events, so its curves and log continue where they stopped."""


class RunEnded(Message):
    def __init__(self, config: RunConfig, outcome: RunOutcome, folder=None) -> None:
        super().__init__()
        self.config = config
        self.outcome = outcome
        self.folder = folder
        """The run's folder, when it got one (a run that died can be resumed from it)."""


class SweepEnded(Message):
    """The window's sweep has no work left: its verdict, as `sweep` prints it (worked out on the worker)."""

    def __init__(self, session_name: str, lines: list[str]) -> None:
        super().__init__()
        self.session_name = session_name
        self.lines = lines


class QueueIdle(Message):
    """The worker has run everything queued (or was told to stop)."""


class DeviceDetected(Message):
    def __init__(self, device: DeviceInfo, precision: str, versions: dict[str, str]) -> None:
        super().__init__()
        self.device = device
        self.precision = precision
        self.versions = versions


class HubChecked(Message):
    """Whether the Hugging Face Hub can be reached, in words, for the welcome panel."""

    def __init__(self, hub: str) -> None:
        super().__init__()
        self.hub = hub


class Steer(Message):
    """Up from the dashboard: send these commands to the followed run, and say `notice` once sent."""

    def __init__(self, commands: list[Command], notice: str | None = None, fix: str | None = None,
                 rerun: dict | None = None) -> None:
        super().__init__()
        self.commands = commands
        self.notice = notice
        self.fix = fix
        """The NaN fix these commands apply (its label), shown on the banner once sent."""
        self.rerun = rerun
        """NaN fix 3: once sent, queue the same run again with these changes (e.g. precision auto)."""


class ResumeRun(Message):
    """Up from the sessions browser: continue an interrupted run after what is queued now."""

    def __init__(self, resumption) -> None:
        super().__init__()
        self.resumption = resumption
