"""Exports that work on another machine: a model card, the base named by its Hub id, label names,
and files anyone who may read the folder can read."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest

from sst2_tui.core.run.self_command import python_command
from sst2_tui.core.storage.files import readable_mode
from tests.cli import closed_port, hubless_env, run_cli

pytestmark = pytest.mark.slow
TRAIN = ["--data", "demo", "--epochs", "0.2", "--eval-every", "5", "--quiet"]


def _trained(tmp_path: Path, home: Path, *args: str) -> dict:
    env = hubless_env(HF_HOME=str(home), HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
    result = run_cli("run", *args, *TRAIN, "--sessions-dir", str(tmp_path / "s"), env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_lora_adapter_loads_through_peft_auto_class_from_another_path_with_its_base_by_name(hf_cache, tmp_path):
    summary = _trained(tmp_path, hf_cache, "--method", "lora", "--model", "someorg/tiny")
    adapter = Path(summary["run_dir"]) / "adapter"
    assert json.loads((adapter / "adapter_config.json").read_text())["base_model_name_or_path"] == "someorg/tiny"
    assert json.loads((adapter / "export.json").read_text())["base_model_hub_id"] == "someorg/tiny"
    card = (adapter / "README.md").read_text()
    assert "[More Information Needed]" not in card and "base_model: someorg/tiny" in card and "library_name: peft" in card
    assert "Validation accuracy:** 0." in card and "standard error" in card and "hf upload" in card
    elsewhere = tmp_path / "copied" / "my-adapter"
    shutil.copytree(adapter, elsewhere)
    shutil.rmtree(summary["run_dir"])  # nothing of the run is left to lean on
    script = textwrap.dedent("""
        import sys
        from peft import AutoPeftModelForSequenceClassification
        labels = {0: "negative", 1: "positive"}
        model = AutoPeftModelForSequenceClassification.from_pretrained(
            sys.argv[1], id2label=labels, label2id={v: k for k, v in labels.items()})
        print(model.config.id2label[0], model.config.id2label[1], model.peft_config["default"].base_model_name_or_path)
    """)
    loaded = subprocess.run([*python_command(), "-c", script, str(elsewhere)], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path, env=hubless_env(HF_HOME=str(hf_cache), HF_HUB_OFFLINE="1"))
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.split() == ["negative", "positive", "someorg/tiny"]


def test_a_model_export_has_a_card_and_files_as_readable_as_the_json_beside_them(hf_cache, tmp_path):
    summary = _trained(tmp_path, hf_cache, "--method", "full", "--model", "someorg/tiny")
    model = Path(summary["run_dir"]) / "model"
    card = (model / "README.md").read_text()
    assert card.startswith("---\n") and "base_model: someorg/tiny" in card and "pipeline_tag: text-classification" in card
    assert "| learning rate |" in card and "pipeline(\"text-classification\"" in card
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in model.iterdir()}
    assert set(modes.values()) == {readable_mode()}, modes
    assert stat.S_IMODE(model.stat().st_mode) & 0o111 == (readable_mode() & 0o444) >> 2


def test_a_demo_base_says_it_has_no_hub_id(tmp_path):
    result = run_cli("run", "--method", "lora", "--model", "demo", *TRAIN, "--sessions-dir", str(tmp_path / "s"),
                     env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    adapter = Path(json.loads(result.stdout.strip().splitlines()[-1])["run_dir"]) / "adapter"
    assert json.loads((adapter / "export.json").read_text())["base_model_hub_id"] is None
    assert "the demo model (a tiny GPT-2 built locally)" in (adapter / "README.md").read_text()


def test_predict_refuses_a_model_whose_sentiment_head_was_never_trained(tmp_path):
    """A base model (here the tiny GPT-2 as a language model) once got random labels that changed on
    every call, exit 0."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from sst2_tui.core.model.demo import demo_tokenizer

    tokenizer = demo_tokenizer()
    GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=32, n_layer=1, n_head=2)).save_pretrained(
        tmp_path / "base")
    tokenizer.save_pretrained(tmp_path / "base")
    result = run_cli("predict", str(tmp_path / "base"), "a fine film")
    assert result.returncode == 2 and "never trained" in result.stderr and "score.weight" in result.stderr
    assert not result.stdout and len(result.stderr.strip().splitlines()) == 1
    demo = run_cli("predict", "demo", "a fine film")
    assert demo.returncode == 0 and "arbitrary" in demo.stderr and json.loads(demo.stdout)["label"] in ("negative", "positive")
