"""`trainer` on a data-parallel rank other than 0: its own Trainer (its DDP through accelerate) on
its shares of the same batches, directed by rank 0 at every step end (`trainer.py` is rank 0's side
and a one-process run). Apart because no one-process reader of `trainer.py` needs it."""

from __future__ import annotations

from pathlib import Path

from transformers import TrainerCallback

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.methods.prepare import prepare
from sst2_tui.core.methods.trainer import _build_trainer, _StoppedBeforeFirstStep, _training_arguments
from sst2_tui.core.methods.training_run import TrainingRun, start_training
from sst2_tui.core.model.compiling import prepare_for_compile
from sst2_tui.core.parallel.lockstep import broadcast_object, obey, receive_directive, weights_agree
from sst2_tui.core.parallel.world import World


class _FollowSteps(TrainerCallback):
    """A data-parallel rank other than 0: before its first step and after each, rank 0's directive
    (rates, a weight copy, or the stop)."""

    def __init__(self, run: TrainingRun, world: World) -> None:
        self.run, self.world = run, world

    def _directed(self) -> bool:
        """Apply rank 0's directive; True when no step follows."""
        run = self.run
        return obey(self.world, run.prep.model, run.optimizer, run.scaler).stop

    def on_train_begin(self, args, trainer_state, control, **kwargs):
        self.run.prep.model.train()
        if self._directed():
            raise _StoppedBeforeFirstStep

    def on_step_end(self, args, trainer_state, control, **kwargs):
        if self._directed():
            control.should_training_stop = True


def follow_trainer(config: RunConfig, run_dir: Path, world: World) -> int:
    """A data-parallel rank other than 0 of a `trainer` run: its own Trainer (its DDP through
    accelerate) on its shares of the same batches, directed by rank 0 at every step end; it
    resumes from the checkpoint rank 0 picked (a folder both can read). Returns the step it stopped at."""
    prep = prepare(config, run_dir)
    run = start_training(prep, ControlChannel(), saves_whole_model=True, watches="loss")
    run.guard = None  # rank 0 keeps the finite copy; after a restore it sends its weights
    compiled = config.compile == "on"
    if compiled:
        prepare_for_compile(prep.model)
    trainer = _build_trainer(run, _training_arguments(prep, run_dir / "trainer"), [_FollowSteps(run, world)], compiled,
                             {"samples": 0, "tokens": 0})
    resume_from = broadcast_object(world)
    try:
        trainer.train(resume_from_checkpoint=resume_from)
    except _StoppedBeforeFirstStep:
        pass
    receive_directive(world)  # rank 0's closing stop
    weights_agree(world, prep.model)
    return trainer.state.global_step
