"""The leader's side of a data-parallel hand loop (rank 0; nothing happens in a one-process run).

Before each step the leader tells the other ranks which step it is and with which rates, after
the commands of the step boundary applied (`core/parallel/lockstep.py`); after the last step it
tells them to stop and checks that every rank ended with the same weights.
"""

from __future__ import annotations

from sst2_tui.core.events import Event, WarningEvent
from sst2_tui.core.methods.training_run import TrainingRun
from sst2_tui.core.parallel.lockstep import directive_for, resync, send_directive, weights_agree


class Leading:
    def __init__(self, run: TrainingRun) -> None:
        self.run = run
        self.world = run.prep.world
        self._rates: tuple | None = None

    def step(self, stop: bool = False) -> None:
        """Before a step: the directive, and the weights too when the other ranks must copy them.
        `stop`: no step follows (Trainer's ranks leave their loop together; the hand loop's stop
        is `release`)."""
        run = self.run
        if not self.world.parallel:
            return
        # A command (or a NaN fix) changes the schedule's base rates or the eps; the schedule alone does not.
        rates = (tuple(run.scheduler.base_lrs), run.optimizer.param_groups[0].get("eps"))
        changed, self._rates = self._rates is not None and rates != self._rates, rates
        send_directive(self.world, directive_for(run.state.step, run.optimizer, resync=run.resync_due, changed=changed, stop=stop))
        if run.resync_due:
            resync(self.world, run.prep.model, run.optimizer, run.scaler)
            run.resync_due = False

    def release(self) -> list[Event]:
        """The stop for the other ranks, and a warning if their weights drifted from the leader's."""
        run = self.run
        if not self.world.parallel:
            return []
        send_directive(self.world, directive_for(run.state.step, run.optimizer, stop=True))
        if weights_agree(self.world, run.prep.model):
            return []
        return [WarningEvent(code="ranks_diverged", message=(
            f"the {self.world.size} processes ended with different weights: rank 0's were saved; "
            "please report this with the run folder"))]
