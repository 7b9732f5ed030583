"""`--compile on`: the compiled training step computes what the eager one does, on every method.

The backend is `aot_eager` here (dynamo and AOT autograd, no code generation): the plumbing is the
same as inductor's and it compiles in seconds on a 2-core CPU. CUDA graphs are measured by
benchmarks/gpu_session.sh on a GPU.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import GPT2Config, GPT2ForSequenceClassification

from sst2_tui.core.config import ConfigError, RunConfig
from sst2_tui.core.data.batching import Encoded, collate, padded_width
from sst2_tui.core.events import RunFinished, RunStarted, WarningEvent
from sst2_tui.core.model.compiling import BACKEND_ENV, compile_for_training
from tests.helpers import DEMO, drain, run_interrupted_at, start


@pytest.fixture(autouse=True)
def quick_backend(monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "aot_eager")


def test_padded_width_rounds_up_to_the_multiple():
    assert [padded_width(n, 8) for n in (1, 7, 8, 9, 65)] == [8, 8, 8, 16, 72]
    assert padded_width(13, 1) == 13


def test_collate_pads_to_the_multiple_and_masks_only_real_tokens():
    data = Encoded(ids=[[5, 6, 7], [5] * 9, [4]], labels=[0, 1, 0])
    batch = collate(data, [0, 1, 2], pad_id=0, width_multiple=8)
    assert batch["input_ids"].shape == (3, 16)
    assert batch["attention_mask"].sum(dim=1).tolist() == [3, 9, 1]
    assert collate(data, [0, 1, 2], pad_id=0)["input_ids"].shape == (3, 9)


def _tiny_gpt2_without_dropout() -> GPT2ForSequenceClassification:
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=60, n_positions=64, n_embd=32, n_layer=2, n_head=2, num_labels=2, pad_token_id=0,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    return GPT2ForSequenceClassification(config)


def test_extra_padding_changes_no_prediction():
    model = _tiny_gpt2_without_dropout().eval()
    data = Encoded(ids=[[5, 6, 7], [9] * 11, [4, 8]], labels=[0, 1, 0])
    with torch.no_grad():
        tight = model(**collate(data, [0, 1, 2], pad_id=0)).logits
        padded = model(**collate(data, [0, 1, 2], pad_id=0, width_multiple=8)).logits
    torch.testing.assert_close(padded, tight, atol=1e-5, rtol=1e-5)


def test_compiled_step_gives_the_eager_loss_and_gradients_on_the_same_weights():
    eager = _tiny_gpt2_without_dropout().train()
    model = copy.deepcopy(eager)
    compiled = compile_for_training(model, "cpu")
    for width in (3, 11, 6):  # new shapes: dynamic, no wrong reuse of the first shape
        data = Encoded(ids=[[7] * width, [3, 4], [9] * (width + 2)], labels=[1, 0, 1])
        batch = collate(data, [0, 1, 2], pad_id=0, width_multiple=8)
        eager.zero_grad()
        model.zero_grad()
        eager_loss = eager(**batch).loss
        compiled_loss = compiled(**batch).loss
        eager_loss.backward()
        compiled_loss.backward()
        torch.testing.assert_close(compiled_loss, eager_loss, atol=1e-5, rtol=1e-5)
        for (name, p_eager), p_model in zip(eager.named_parameters(), model.parameters(), strict=True):
            assert p_model.grad is not None, name  # gradients land on the original module's weights
            torch.testing.assert_close(p_model.grad, p_eager.grad, atol=1e-5, rtol=1e-4, msg=name)
    assert not any(k.startswith("_orig_mod") for k in model.state_dict())


def test_compile_choice_is_checked():
    with pytest.raises(ConfigError) as error:
        RunConfig(compile="yes")
    assert error.value.field == "compile"


@pytest.mark.slow  # whole compiled runs: tens of seconds each
@pytest.mark.parametrize("method", ["full", pytest.param("lora", marks=pytest.mark.extended),
                                    pytest.param("trainer", marks=pytest.mark.extended)])
def test_each_method_trains_compiled_and_saves_plain_checkpoints(tmp_path: Path, method: str):
    config = RunConfig(**{**DEMO, "method": method, "train_subset": 96, "epochs": 1, "compile": "on"})
    generator, _ = start(config, tmp_path / "run")
    events = drain(generator)
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.effective["compile"].startswith("torch.compile (aot_eager")
    assert "multiple of 8" in started.effective["compile"]
    assert any(isinstance(e, WarningEvent) and e.code == "compiling" for e in events)
    summary = next(e for e in events if isinstance(e, RunFinished)).summary
    assert summary.status == "finished" and summary.steps == 3
    assert 0 < summary.compile_seconds <= summary.train_seconds
    # The whole step is one graph: no break, no part left eager (what CUDA graphs need to hold).
    assert (summary.compile_graphs, summary.compile_graph_breaks, summary.compile_fallbacks) == (1, 0, 0)
    assert not any(isinstance(e, WarningEvent) and e.code.startswith("compile_") for e in events)
    checkpoint = sorted((tmp_path / "run" / "checkpoints").glob("step-*"))[-1]
    keys = load_file(str(checkpoint / "model.safetensors")).keys()
    assert keys and not any("_orig_mod" in k for k in keys)


def test_a_graph_break_is_told_once_and_counted():
    """A step that cannot be captured whole (here an explicit break, as a `.item()` or an unsupported
    library call would make) still computes the same thing, and the watch says so once, not per step."""
    from sst2_tui.core.methods.run_state import RunState
    from sst2_tui.core.model.compile_watch import CompileWatch
    from sst2_tui.core.model.compiling import compile_backend

    class Broken(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            hidden = self.a(x).relu()
            torch._dynamo.graph_break()
            return self.b(hidden).sum()

    torch._dynamo.reset()
    model = Broken()
    compiled = torch.compile(model, backend=compile_backend(), dynamic=True)
    watch, state, told = CompileWatch(enabled=True), RunState(total_steps=3, steps_per_epoch=3), []
    for rows in (3, 5, 7):
        x = torch.randn(rows, 4)
        with watch.step():
            got = compiled(x)
        got.backward()
        torch.testing.assert_close(got, model(x))
        watch.record(state)
        told += watch.news()
    assert [w.code for w in told] == ["compile_graph_break"]
    assert "graph_break" in told[0].message and "results are unchanged" in told[0].message
    assert state.compile_counts.graph_breaks >= 1 and state.compile_counts.graphs == 2
    assert state.compile_seconds > 0


def test_eager_runs_report_no_compile_time(tmp_path: Path):
    generator, _ = start(RunConfig(**{**DEMO, "train_subset": 64, "epochs": 1}), tmp_path / "run")
    events = drain(generator)
    assert next(e for e in events if isinstance(e, RunStarted)).effective["compile"] == "off (eager)"
    summary = next(e for e in events if isinstance(e, RunFinished)).summary
    assert summary.compile_seconds == 0 and summary.compile_graphs is None


def test_cli_flag_and_app_form_both_reach_the_config():
    import argparse

    from sst2_tui.cli.args import add_run_arguments, config_from_args
    from sst2_tui.tui.screens.new_run import SELECTS, parse_form

    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    assert config_from_args(parser.parse_args(["--compile", "on"])).compile == "on"
    assert config_from_args(parser.parse_args([])).compile == "off"
    assert "compile" in dict(SELECTS)
    assert parse_form({"compile": "on", "model": "demo"}).compile == "on"


@pytest.mark.slow
@pytest.mark.extended  # checkpoints are plain (the test above); resume itself: test_resume
def test_a_compiled_run_stops_and_resumes_from_its_checkpoint(tmp_path: Path):
    from sst2_tui.core.events import Step
    from sst2_tui.core.run.runner import execute

    config = RunConfig(**{**DEMO, "train_subset": 128, "epochs": 1, "save_every": 2, "compile": "on"})
    cut, plan = run_interrupted_at(config, tmp_path, step=2)
    assert cut.summary.status == "interrupted" and cut.summary.steps == 2
    assert plan.config.compile == "on" and (plan.folder.checkpoints / "step-0000002" / "manifest.json").exists()
    seen: list[int] = []
    resumed = execute(plan.config, plan.session, resume=plan.folder,
                      on_event=lambda e: seen.append(e.step) if isinstance(e, Step) else None)
    assert resumed.exit_code == 0 and resumed.summary.status == "finished"
    assert resumed.summary.steps == 4 and seen == [3, 4]
    assert resumed.summary.compile_seconds > 0


def test_results_table_says_how_much_of_an_epoch_was_compiling():
    from sst2_tui.core.report.compare import result_row
    from sst2_tui.core.summary import Summary

    compiled = result_row("01-full", RunConfig(method="full"), Summary(run_id="01-full", seconds_per_epoch=57.34, compile_seconds=45.2),
                          "cpu", "finished")
    eager = result_row("02-full", RunConfig(method="full"), Summary(run_id="02-full", seconds_per_epoch=19.3, compile_seconds=0.0),
                       "cpu", "finished")
    assert compiled["s/epoch"] == "57.3 (45 compile)"
    assert eager["s/epoch"] == "19.3"


def test_doctor_says_whether_compile_can_work_here(monkeypatch):
    import shutil

    from sst2_tui.core.model.compiling import readiness

    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "needs a C++ compiler" in readiness("cpu")
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/g++" if name == "g++" else None)
    assert "/usr/bin/g++" in readiness("cpu")


def test_evaluate_says_compile_does_not_apply(tmp_path: Path):
    generator, _ = start(RunConfig(**{**DEMO, "method": "evaluate", "compile": "on"}), tmp_path / "run")
    events = drain(generator)
    assert any(isinstance(e, WarningEvent) and e.code == "compile_unused" for e in events)
    assert next(e for e in events if isinstance(e, RunFinished)).summary.status == "finished"
