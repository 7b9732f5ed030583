"""Applying control commands at step boundaries; shared by the hand loop and the Trainer method."""

from __future__ import annotations

from collections.abc import Callable, Generator

import torch

from sst2_tui.core.controls import Command, ControlChannel
from sst2_tui.core.events import CommandKind, Control, Event, Paused, Prediction, Resumed, WarningEvent
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.model.optim import current_eps, current_lr, current_weight_decay, set_eps, set_lr, set_weight_decay
from sst2_tui.core.summary import Status


class Steering:
    def __init__(self, controls: ControlChannel, optimizer: torch.optim.Optimizer, scheduler, state: RunState) -> None:
        self.controls = controls
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.state = state
        self.answer: Callable[[str], tuple[str, float]] | None = None
        """Classifies one sentence with the model as it is now (set by the training run)."""
        self.save: Callable[[], list[Event]] | None = None
        """Saves a checkpoint of this step for a fork (set by the training run)."""

    def apply(self, command: Command, source: str = "user") -> list[Event]:
        state, step = self.state, self.state.step

        def echo(**values) -> Control:
            return Control(step=step, command=command.spec, source=source, command_id=command.id, **values)

        if command.kind == CommandKind.PREDICT:
            if self.answer is None or command.text is None:
                return [WarningEvent(code="predict_unavailable", message="this run cannot classify sentences",
                                     command_id=command.id)]
            label, probability = self.answer(command.text)
            return [Prediction(step=step, text=command.text, label=label, positive_probability=round(probability, 4),
                               command_id=command.id)]
        if command.kind == CommandKind.CHECKPOINT:
            if self.save is None:
                return [WarningEvent(code="checkpoint_unavailable", message="this run cannot save a checkpoint",
                                     command_id=command.id)]
            saved = self.save()
            refused = [e for e in saved if isinstance(e, WarningEvent)]
            if refused:  # said to whoever sent it, by its id
                return [WarningEvent(code=refused[0].code, message=refused[0].message, command_id=command.id)]
            return [*saved, echo()]
        if command.kind == CommandKind.SET_LR:
            old = current_lr(self.optimizer)
            assert command.value is not None  # make_command refuses set_lr without a number
            set_lr(self.optimizer, self.scheduler, float(command.value))
            return [echo(old=old, new=current_lr(self.optimizer))]
        if command.kind == CommandKind.SET_EPS:
            old_eps = current_eps(self.optimizer)
            if old_eps is None:
                return [WarningEvent(code="eps_not_applicable", message="this optimizer has no eps; nothing changed",
                                     command_id=command.id)]
            assert command.value is not None  # make_command refuses set_eps without a number
            set_eps(self.optimizer, float(command.value))
            return [echo(old=old_eps, new=current_eps(self.optimizer))]
        if command.kind == CommandKind.SET_WEIGHT_DECAY:
            old_decay = current_weight_decay(self.optimizer)
            assert command.value is not None  # make_command refuses set_weight_decay without a number
            set_weight_decay(self.optimizer, float(command.value))
            return [echo(old=old_decay, new=current_weight_decay(self.optimizer))]
        if command.kind in (CommandKind.PAUSE, CommandKind.RESUME) and state.paused == (command.kind == CommandKind.PAUSE):
            # already so: nothing changes, but a sender waiting for its command id hears back
            return [echo()] if command.id else []
        if command.kind == CommandKind.PAUSE:
            state.paused = True
            return [echo(), Paused(step=step, reason=source)]
        if command.kind == CommandKind.RESUME:
            state.paused = False
            state.stop_reason = ""  # a fixed nonfinite pause is no longer a reason to call the run failed
            return [echo(), Resumed(step=step)]
        if command.kind == CommandKind.STOP:
            state.stop_requested = True
            if state.stop_reason == "nonfinite" and source != "nonfinite":
                # a person stopped it at the NaN pause (fix 3, s, ctl stop): stopped, not failed; its
                # non-finite weights are still neither evaluated nor saved
                state.stop_reason = "stopped_at_nonfinite"
            state.stop_reason = state.stop_reason or Status.STOPPED.value
            return [echo()]
        return []

    def boundary(self) -> Generator[list[Event], None, list[Event]]:
        """Apply waiting commands. While paused, yield what happened and block on the channel
        (a condition variable: no busy loop) until resumed or stopped. Returns events to report
        with the next step."""
        pending: list[Event] = []
        for command in self.controls.drain():
            pending += self.apply(command, command.source)
        pending += self._problems()
        while self.state.paused and not self.state.stop_requested:
            with self.state.clock.stopped():
                if pending:
                    yield pending
                    pending = []
                waited = self.controls.wait()
            if waited is not None:
                pending += self.apply(waited, waited.source)
            pending += self._problems()
        return pending

    def _problems(self) -> list[Event]:
        """Control-file lines that were not valid commands: named, never applied, never fatal."""
        return [WarningEvent(code="control_ignored", message=problem) for problem in self.controls.take_problems()]
