"""The worker-to-UI bridge: throttled step messages, and steps that always reach their own run."""

from __future__ import annotations

from sst2_tui.core.config import RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import RunStarted, Step
from sst2_tui.tui.bridge import EventBridge
from sst2_tui.tui.messages import EngineEvent, StepsAvailable


def step(n: int) -> Step:
    return Step(step=n, epoch=0.0, loss=0.5, lr=1e-3, eps=1e-8, samples_per_second=1.0, tokens_per_second=1.0,
                memory_mb=None, time=0.0)


def test_a_timer_between_two_runs_never_gives_the_next_runs_steps_to_the_previous_run():
    posted = []
    bridge = EventBridge(posted.append)
    first = bridge.start_run()
    bridge(step(1))
    second = bridge.start_run()  # the worker moved on before the UI saw it
    bridge(step(1))
    bridge(step(2))
    assert [s.step for s in bridge.take_steps(first)] == [1]
    assert bridge.take_steps(first) == [], "run 2's steps wait for run 2"
    assert [s.step for s in bridge.take_steps(second)] == [1, 2]


def test_steps_of_a_run_the_ui_has_left_are_dropped():
    bridge = EventBridge(lambda message: None)
    old = bridge.start_run()
    bridge(step(5))
    new = bridge.start_run()
    bridge(step(1))
    assert [s.step for s in bridge.take_steps(new)] == [1]
    assert bridge.take_steps(old) == []


def test_step_messages_are_throttled_and_other_events_flush_steps_first():
    posted = []
    bridge = EventBridge(posted.append)
    bridge.start_run()
    for n in range(1, 50):
        bridge(step(n))
    assert sum(isinstance(m, StepsAvailable) for m in posted) == 1, "one message for a burst of steps"
    bridge(RunStarted(run_id="r", method="full", config=RunConfig(), effective={}, device=DeviceInfo("cpu", "CPU"), precision="fp32",
                      trainable_params=1, total_params=1, versions={}, train_examples=1, eval_examples=1,
                      total_steps=1, steps_per_epoch=1, time=0.0))
    assert isinstance(posted[-2], StepsAvailable) and isinstance(posted[-1], EngineEvent)
