"""Using what was trained (#14): every run exports a model anyone can load, `evaluate` and `predict`
read it back, and early stopping ends a run that stopped improving."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.data.demo import demo_splits
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Summary
from tests.cli import run_cli

# 20 steps, two evaluations: enough for a best step, within the fast loop's step budget (conftest.py).
DEMO = RunConfig(model="demo", data="demo", epochs=1, train_subset=640, eval_every=10)


def run(tmp_path, name: str, config: RunConfig) -> Summary:
    outcome = execute(config, Session.create(tmp_path / "sessions", name))
    assert outcome.exit_code == 0, outcome.error
    return outcome.summary


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, stdin=stdin, env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.fixture(scope="module")
def full_run(tmp_path_factory) -> Summary:
    return run(tmp_path_factory.mktemp("full"), "full", DEMO)


@pytest.fixture(scope="module")
def evaluated_export(tmp_path_factory, full_run) -> Summary:
    """`evaluate` of full_run's export (its best step), with its own predictions.jsonl."""
    return run(tmp_path_factory.mktemp("evaluated"), "evaluate",
               RunConfig(model=full_run.run_dir, data="demo", method="evaluate"))


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory) -> Summary:
    return run(tmp_path_factory.mktemp("lora"), "lora", DEMO.replace(method="lora", merge=True))


def test_a_full_run_exports_a_model_that_the_transformers_pipeline_loads_offline(full_run):
    from transformers import pipeline

    model_dir = f"{full_run.run_dir}/model"
    assert full_run.export_path == model_dir
    info = json.loads(Path(model_dir, "export.json").read_text())
    assert info["step"] == full_run.export_step and info["accuracy"] == full_run.best_val_accuracy
    config = json.loads(Path(model_dir, "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    from transformers import AutoTokenizer

    assert "token_type_ids" not in AutoTokenizer.from_pretrained(model_dir)("a fine film"), "GPT-2 has no token types"
    classify = pipeline("text-classification", model=model_dir, device="cpu")
    validation = demo_splits(0).validation
    predicted = [row["label"] for row in classify(validation.texts)]
    accuracy = sum(p == ("positive" if y else "negative") for p, y in zip(predicted, validation.labels, strict=True))
    assert accuracy / len(validation) == pytest.approx(full_run.best_val_accuracy, abs=1 / len(validation))


def test_a_lora_run_exports_an_adapter_peft_loads_and_a_merged_model_that_agrees(lora_run):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from sst2_tui.core.model.demo import demo_model, demo_tokenizer

    adapter_dir, model_dir = f"{lora_run.run_dir}/adapter", f"{lora_run.run_dir}/model"
    base = demo_model(demo_tokenizer(), seed=0)  # the demo base: rebuilt from its seed
    adapted = PeftModel.from_pretrained(base, adapter_dir).eval()
    merged = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
    texts = demo_splits(0).validation.texts[:16]
    with torch.inference_mode():
        for text in texts:  # one at a time: no padding, the same logits either way
            ids = tokenizer(text, return_tensors="pt")
            assert torch.allclose(adapted(**ids).logits, merged(**ids).logits, atol=1e-4)


def test_evaluate_on_an_export_gives_the_runs_best_accuracy(tmp_path, full_run, evaluated_export, lora_run):
    assert evaluated_export.best_val_accuracy == full_run.best_val_accuracy
    adapter = run(tmp_path, "evaluate", RunConfig(model=f"{lora_run.run_dir}/adapter", data="demo", method="evaluate"))
    assert adapter.best_val_accuracy == lora_run.best_val_accuracy


def test_predict_reads_arguments_files_jsonl_and_stdin(tmp_path, full_run, evaluated_export):
    # Two validation sentences that `evaluate` of the run's export called positive and negative (its
    # predictions.jsonl; the training run's own file is from its last evaluation, which need not be
    # the best step it exported): predict must give the same answers, whatever the input form.
    recorded = {json.loads(line)["text"]: json.loads(line)["p_positive"]
                for line in Path(evaluated_export.run_dir, "predictions.jsonl").read_text().splitlines()}
    positive = max(recorded, key=recorded.get)  # the most and the least positive: a 20-step model may
    negative = min(recorded, key=recorded.get)  # call both negative; what matters is the same answer
    assert recorded[positive] > recorded[negative]
    labels = ["positive" if recorded[text] >= 0.5 else "negative" for text in (positive, negative)]
    lines = tmp_path / "lines.txt"
    lines.write_text(f"{positive}\n\n{negative}\n")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"sentence": positive}) + "\n" + json.dumps({"text": negative}) + "\n")
    from concurrent.futures import ThreadPoolExecutor

    calls = [(("predict", full_run.run_dir, positive, negative), None),
             (("predict", full_run.run_dir, "--file", str(lines)), None),
             (("predict", full_run.run_dir, "--file", str(rows)), None),
             (("predict", full_run.run_dir), f"{positive}\n{negative}\n"),
             (("predict", full_run.run_dir, positive, "--batch-size", "8", negative), None)]  # options between
    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time: each is mostly importing torch (CI time)
        outputs = list(pool.map(lambda call: cli(*call[0], stdin=call[1]), calls))
    for result in outputs:
        assert result.returncode == 0, result.stderr
        answers = [json.loads(line) for line in result.stdout.splitlines()]
        assert [a["text"] for a in answers] == [positive, negative]
        assert [a["label"] for a in answers] == labels
        assert answers[0]["positive_probability"] == pytest.approx(recorded[positive], abs=1e-3)
        assert answers[1]["positive_probability"] == pytest.approx(recorded[negative], abs=1e-3)


def test_predict_refuses_bad_input_in_one_line(tmp_path, full_run):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    no_export = run(tmp_path, "none", DEMO.replace(epochs=0.05, export="none"))
    bad_rows = tmp_path / "bad.jsonl"
    bad_rows.write_text('{"label": 1}\n')
    cases = [(("--file", str(empty)), "no sentences"), (("--file", str(tmp_path / "missing.txt")), "no such file"),
             (("--file", str(bad_rows)), "line 1: no sentence or text field")]
    for args, message in cases:
        result = cli("predict", full_run.run_dir, *args)
        assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = cli("predict", no_export.run_dir, "fine")
    assert result.returncode == 2 and "no exported model" in result.stderr and "Traceback" not in result.stderr


def test_export_last_and_none(tmp_path):
    last = run(tmp_path, "last", DEMO.replace(export="last"))
    assert last.export_step == last.steps
    none = run(tmp_path, "none", DEMO.replace(export="none"))
    assert none.export_path is None and not (tmp_path / "sessions" / "none" / "runs" / "01-full" / "model").exists()


def test_patience_stops_a_run_that_stopped_improving(tmp_path):
    # eval every step with a learning rate far too high: accuracy stalls at once
    summary = run(tmp_path, "patience", DEMO.replace(epochs=2, eval_every=1, lr=0.5, patience=2, eval_subset=50))
    assert summary.status == "finished" and summary.stop_reason == "early_stop"
    assert summary.steps < 2 * 20 and summary.export_step is not None
    events = [json.loads(line) for line in Path(summary.run_dir, "events.jsonl").read_text().splitlines()]
    accuracies = [e["accuracy"] for e in events if e["type"] == "eval"]
    improved = [i for i, a in enumerate(accuracies) if a > max(accuracies[:i], default=-1.0)]
    assert len(accuracies) - 1 - improved[-1] == 2, "stopped at the second evaluation without a better accuracy"
    assert summary.export_step == summary.steps - 2, "the best step is the one exported (eval every step)"


def test_merge_is_refused_for_other_methods():
    from sst2_tui.core.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        RunConfig(model="demo", merge=True)
    assert caught.value.field == "merge"


def test_a_trainer_run_exports_its_best_step_too(tmp_path):
    summary = run(tmp_path, "trainer", DEMO.replace(method="trainer"))
    assert summary.export_path == f"{summary.run_dir}/model"
    info = json.loads(Path(summary.export_path, "export.json").read_text())
    assert info["accuracy"] == summary.best_val_accuracy and info["method"] == "trainer"
    evaluated = run(tmp_path, "evaluate-trainer", RunConfig(model=summary.run_dir, data="demo", method="evaluate"))
    assert evaluated.best_val_accuracy == summary.best_val_accuracy


def test_predict_refuses_text_that_is_not_utf8_in_one_line(tmp_path):
    from tests.cli import run_cli

    (tmp_path / "bad.txt").write_bytes(b"a fine film\n\xff\xfe oops\n")
    for args in (["--file", str(tmp_path / "bad.txt")], ["ok \udcff"]):  # \udcff: the byte 0xff in argv
        result = run_cli("predict", "demo", *args)
        assert result.returncode == 2 and "UTF-8" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "s.jsonl").write_text('{"text": "\\ud800"}\n')
    result = run_cli("predict", "demo", "--file", str(tmp_path / "s.jsonl"))
    assert result.returncode == 2 and "s.jsonl line 1" in result.stderr and "lone surrogate" in result.stderr


def test_predict_streams_its_answers_as_it_goes(tmp_path):
    """The first answers are out before the last sentences are classified (it once printed nothing
    until the end)."""
    import subprocess

    from tests.cli import start_cli

    lines = "".join(f"sentence number {i} is fine\n" for i in range(4000))
    process = start_cli("predict", "demo", "--batch-size", "8", stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
    process.stdin.write(lines)
    process.stdin.close()
    first = process.stdout.readline()
    assert json.loads(first)["text"] == "sentence number 0 is fine"
    assert process.poll() is None, "still classifying the rest while the first answer is out"
    rest = process.stdout.read().splitlines()
    assert process.wait(timeout=300) == 0 and len(rest) == 3999


def test_a_run_keeps_its_best_steps_predictions_sentence_by_sentence(full_run):
    """What a sweep's verdict pairs: every validation sentence's prediction at the best step."""
    from sst2_tui.core.inference.saved_predictions import BEST_FILE, read_predictions, sentence_ids

    read = read_predictions(Path(full_run.run_dir), BEST_FILE)
    rows = read.rows
    validation = demo_splits(0).validation
    assert read.problem is None and [row.text for row in rows] == validation.texts
    assert {row.step for row in rows} == {full_run.export_step}
    assert [row.id for row in rows] == sentence_ids(validation.texts), "each row carries its sentence's stable id"
    assert sum(row.correct for row in rows) / len(rows) == pytest.approx(full_run.best_val_accuracy)


def test_an_adapter_refuses_a_base_it_was_not_trained_on(lora_run, tmp_path, capsys):
    """#46: `predict ADAPTER --base MERGED_MODEL` applied the adapter twice and answered (the label
    flipped) with no word. A LoRA run's merged export, or a base of another shape, is refused."""
    from sst2_tui.cli.main import main

    adapter, merged = Path(lora_run.run_dir) / "adapter", Path(lora_run.run_dir) / "model"
    assert json.loads((adapter / "sst2_tui_base.json").read_text())["shape"]["hidden_size"] > 0
    assert main(["predict", str(adapter), "--base", str(merged), "a fine film"]) == 2
    err = capsys.readouterr().err
    assert "is a LoRA run's merged export: the adapter is in its weights already" in err and len(err.strip().splitlines()) == 1
    other = tmp_path / "other-base"
    other.mkdir()
    shape = json.loads((merged / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**shape, "n_embd": shape.get("n_embd", 32) * 2,
                                                   "hidden_size": shape.get("n_embd", 32) * 2}))
    assert main(["predict", str(adapter), "--base", str(other), "a fine film"]) == 2
    assert "is not the model the adapter was trained on (its hidden_size is" in capsys.readouterr().err


@pytest.fixture(scope="module")
def lora_on_a_folder(tmp_path_factory) -> tuple[Summary, Path]:
    """A LoRA run whose base is a model folder (pretrained weights, as every real base: the demo base
    is rebuilt from its seed, whatever folder is given)."""
    from sst2_tui.core.model.demo import demo_model, demo_tokenizer

    folder = tmp_path_factory.mktemp("base") / "base"
    tokenizer = demo_tokenizer()
    demo_model(tokenizer, seed=3).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return run(tmp_path_factory.mktemp("lora-folder"), "lora", DEMO.replace(method="lora", model=str(folder), merge=True)), folder


def test_an_adapter_refuses_a_base_of_its_shape_with_other_weights_and_takes_its_own(lora_on_a_folder, tmp_path, capsys):
    """#46: the same shape is not the same model: the merged export with its export.json gone (so
    nothing says it is one) has the adapter folded into its attention weights; the export recorded
    its base's weights in a few numbers per tensor, and the base it was trained on still answers."""
    import shutil

    from sst2_tui.cli.main import main

    summary, base = lora_on_a_folder
    adapter, merged = Path(summary.run_dir) / "adapter", Path(summary.run_dir) / "model"
    unlabelled = tmp_path / "unlabelled"
    shutil.copytree(merged, unlabelled)
    (unlabelled / "export.json").unlink()
    assert main(["predict", str(adapter), "--base", str(unlabelled), "a fine film"]) == 2
    err = capsys.readouterr().err
    assert "has other weights than the model the adapter was trained on (transformer.h." in err, err
    assert "c_attn.weight differs)" in err and len(err.strip().splitlines()) == 1
    moved = tmp_path / "moved"
    shutil.copytree(base, moved)  # the base where the adapter does not look for it: --base finds it
    assert main(["predict", str(adapter), "--base", str(moved), "a fine film"]) == 0, capsys.readouterr().err
