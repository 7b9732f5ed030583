"""A data-parallel rank other than 0: the hand loop's steps, as the leader directs.

It loads the same data and model, builds DDP at the same point as the leader, then, before
each step, waits for the leader's directive (`core/parallel/lockstep.py`): the step number
(so its share of the same global batch), the rates, whether to copy the leader's weights first,
or the stop. It reads no commands, evaluates nothing and writes nothing under the session but
its own log: its updates equal the leader's because DDP averages the gradients and every rank
judges the same averaged loss.

Not one module with `leading.py`: the leader's side is part of every step end (`training_run`,
`step_end` import it), while this loop imports the hand loop's pieces; together they would import
each other in a circle.
"""

from __future__ import annotations

from pathlib import Path

import torch

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.data.batching import BatchOrder, collate, to_device
from sst2_tui.core.errors import UserError
from sst2_tui.core.methods.hand_loop import train_step
from sst2_tui.core.methods.prepare import prepare
from sst2_tui.core.methods.training_run import start_training
from sst2_tui.core.model.compile_watch import CompileWatch
from sst2_tui.core.model.compiling import compile_for_training, pad_multiple
from sst2_tui.core.parallel.ddp import data_parallel
from sst2_tui.core.parallel.lockstep import obey, weights_agree
from sst2_tui.core.parallel.sharding import shard
from sst2_tui.core.parallel.world import World


def follow_run(config: RunConfig, run_dir: Path, world: World) -> int:
    """Train as directed until the leader says stop; returns the step it stopped at."""
    if config.method == "trainer":
        from sst2_tui.core.methods.trainer_following import follow_trainer

        return follow_trainer(config, run_dir, world)
    if config.method not in ("full", "lora"):
        raise UserError(f"method {config.method} does not run data-parallel (full, lora and trainer do)")
    prep = prepare(config, run_dir, lora=config.method == "lora")
    config, device = prep.config, prep.torch_device
    run = start_training(prep, ControlChannel(), saves_whole_model=config.method != "lora", watches="loss or gradients")
    run.guard = None  # the leader keeps the finite copy; after a restore it sends its weights
    run.scaler = torch.amp.GradScaler(device.type) if prep.plan.use_grad_scaler else None
    compiled = config.compile == "on"
    train_model = data_parallel(prep.model, world, device)  # a collective: the leader builds its DDP now too
    train_model = compile_for_training(train_model, device.type) if compiled else train_model
    run.compile_watch = CompileWatch(compiled, device.type)
    prep.model.train()
    order = BatchOrder([len(x) for x in prep.train.ids], config.batch_size, config.seed, prep.steps_per_epoch)
    while True:
        directive = obey(world, prep.model, run.optimizer, run.scaler)
        if directive.stop:
            weights_agree(world, prep.model)  # the leader compares and reports
            return directive.step
        run.state.step = directive.step
        share = shard(order.at(directive.step), world.rank, world.size)
        batch = to_device(collate(prep.train, share.indices, prep.loaded.pad_id, pad_multiple(config.compile),
                                 prep.loaded.attention_mask), device)
        train_step(run, train_model, batch, share.weight)
