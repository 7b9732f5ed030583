import json
import math

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import PAUSE, ControlChannel, lr_command, make_command
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import (
    EVENT_TYPES,
    CommandSpec,
    DiskFull,
    Eval,
    Event,
    Nonfinite,
    RunStarted,
    Step,
    Suggestion,
    Unknown,
    event_from_json,
)


def sample_events():
    return [
        RunStarted(run_id="01-full", method="full", config=RunConfig(lr=1e-5), effective={"max_grad_norm": None},
                   device=DeviceInfo("cpu", "CPU"), precision="fp32", trainable_params=10, total_params=10,
                   versions={"torch": "x"}, train_examples=5, eval_examples=2, total_steps=3, steps_per_epoch=3),
        Step(step=1, epoch=0.33, loss=0.7, lr=1e-5, eps=1e-8, samples_per_second=10.0, tokens_per_second=100.0, memory_mb=None),
        Eval(step=3, epoch=1.0, accuracy=0.5, loss=0.69, n=2, best_accuracy=0.5, seconds=0.1),
        Nonfinite(step=2, what="loss", diagnosis="d", suggestions=[Suggestion("1", "l", [CommandSpec("stop")])], action="paused"),
        DiskFull(step=4, path="/s/runs/01-full/events.jsonl", what="events", needed_mb=1.0, message="disk full writing ..."),
    ]


def test_every_event_is_one_json_line_and_round_trips():
    for event in sample_events():
        line = event.to_json()
        assert "\n" not in line
        assert json.loads(line)["type"] == event.type
        assert event_from_json(line) == event


def test_nan_loss_is_valid_json_and_comes_back_as_nan():
    step = Step(step=1, epoch=0.1, loss=float("nan"), lr=1e-5, eps=None, samples_per_second=1.0, tokens_per_second=1.0, memory_mb=None)
    line = step.to_json()
    json.loads(line)  # strict JSON: no bare NaN
    assert "NaN" not in line
    assert math.isnan(event_from_json(line).loss)


def test_unknown_types_are_kept_not_fatal():
    event = event_from_json('{"type": "from_the_future", "x": 1}')
    assert isinstance(event, Unknown) and event.raw["x"] == 1


def test_all_issue_event_types_exist():
    assert {"run_started", "step", "eval", "nonfinite", "control", "paused", "resumed", "checkpoint", "run_finished",
            "run_failed"} <= set(EVENT_TYPES)


def test_every_event_class_reads_back_as_itself():
    classes = {cls for cls in Event.__subclasses__() if cls is not Unknown}
    assert classes == set(EVENT_TYPES.values()), "a new event type must be registered, or its lines read back as unknown"


def test_control_channel_preserves_order_and_validates():
    channel = ControlChannel()
    channel.send(lr_command("2e-5"))
    channel.send(PAUSE)
    assert [c.kind for c in channel.drain()] == ["set_lr", "pause"]
    assert channel.drain() == []
    assert channel.wait(timeout=0.01) is None
    for bad in ("nan", "0", "-1", "1e3"):
        try:
            make_command("set_eps", bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_a_nan_inside_a_summary_reads_back_as_a_number_and_text_stays_text():
    import math

    from sst2_tui.core.events import Prediction, RunFinished, event_from_json
    from sst2_tui.core.summary import Status, Summary

    finished = event_from_json(RunFinished(summary=Summary(run_id="01-full", status=Status.FAILED, train_seconds=float("nan"),
                                                           model="nan")).to_json())
    assert finished.summary.status is Status.FAILED
    assert math.isnan(finished.summary.train_seconds) and finished.summary.model == "nan"
    said = event_from_json(Prediction(step=1, text="nan", label="negative", positive_probability=0.1).to_json())
    assert said.text == "nan", "a sentence 'nan' is a sentence"


def test_the_summary_keeps_the_documented_order_and_statuses_map_to_exit_codes():
    from sst2_tui.core.summary import DOCUMENTED, STATUSES, Summary, exit_code

    written = Summary.from_json({"status": "finished", "newer_field": 1, "run_id": "01"}).to_json()
    assert list(written)[:len(DOCUMENTED)] == list(DOCUMENTED) and "newer_field" not in written
    assert DOCUMENTED[0] == "run_id" and DOCUMENTED[-1] == "status"
    assert {status: exit_code(status) for status in STATUSES} == {
        "finished": 0, "stopped": 0, "interrupted": 130, "failed": 1, "live": 0, "paused": 0, "died": 0}


def test_a_weight_decay_command_takes_zero_to_below_one_and_reads_back():
    """#49: weight decay is steered like lr and eps (`ctl RUN_DIR weight-decay 0.1`, a fork's --weight-decay)."""
    from sst2_tui.core.controls import Command
    from sst2_tui.core.events import Control, event_from_json
    from sst2_tui.core.text.words import event_line

    assert make_command("set_weight_decay", " 0 ").value == 0.0 and make_command("set_weight_decay", 0.3).value == 0.3
    for bad in ("nan", "1", "-0.1", "lots", "", True):
        try:
            make_command("set_weight_decay", bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
    spec = make_command("set_weight_decay", "0.1").spec
    assert Command.from_spec(spec).value == 0.1
    event = event_from_json(Control(step=3, command=spec, old=0.01, new=0.1).to_json())
    assert event_line(event) == "step 3: weight decay 1e-2 -> 1e-1"


def test_steering_sets_the_weight_decay_of_every_param_group_and_echoes_old_and_new():
    import torch

    from sst2_tui.core.methods.run_state import RunState
    from sst2_tui.core.methods.steering import Steering

    weights = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))]
    optimizer = torch.optim.AdamW([{"params": weights[:1]}, {"params": weights[1:]}], lr=1e-3, weight_decay=0.01)
    [echo] = Steering(ControlChannel(), optimizer, None, RunState(10, 5)).apply(make_command("set_weight_decay", "0.25"))
    assert (echo.old, echo.new) == (0.01, 0.25) and [g["weight_decay"] for g in optimizer.param_groups] == [0.25, 0.25]
