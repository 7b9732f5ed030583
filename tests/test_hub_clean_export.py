"""#38: an export is clean to `hf upload`: no path of the machine that trained it in any file, a card
whose metadata the Hub reads (`model-index` with the validation accuracy, `datasets`, `base_model`,
`license`), the versions that wrote it; and an adapter whose local base is elsewhere now loads with
`predict --base PATH`, or says which base it needs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.config import RunConfig
from sst2_tui.core.data.loading import load_splits
from sst2_tui.core.data.split import Split
from sst2_tui.core.errors import ModelError
from sst2_tui.core.export.model_card import card_text
from sst2_tui.core.inference.predictor import Predictor
from sst2_tui.core.model.loading import ExportInfo
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session

SHARED_SST2 = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sst2"
POSITIVE = ["a fine film", "warm and funny", "a joy to watch", "beautifully acted", "smart and moving", "great fun"]
NEGATIVE = ["a dull mess", "tired and flat", "a waste of time", "badly acted", "lifeless and slow", "a chore"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A local base model folder (with a license in its card) and local GLUE-style data, a lora run
    (adapter and merged model) and a full run from them, in this process."""
    from sst2_tui.core.model.demo import demo_model, demo_tokenizer

    root = tmp_path_factory.mktemp("clean")
    base = root / "bases" / "my-gpt2"
    tokenizer = demo_tokenizer()
    demo_model(tokenizer, seed=0).save_pretrained(base)
    tokenizer.save_pretrained(base)
    (base / "README.md").write_text("---\nlicense: apache-2.0\n---\n# my base\n")
    data = root / "data" / "my-reviews"
    data.mkdir(parents=True)
    rows = [(text, 1) for text in POSITIVE] + [(text, 0) for text in NEGATIVE]
    for name in ("train.tsv", "dev.tsv"):
        (data / name).write_text("sentence\tlabel\n" + "".join(f"{t}\t{label}\n" for t, label in rows * 3))
    session = Session.create(root / "sessions", "s")
    small = RunConfig(model=str(base), data=str(data), batch_size=12, epochs=1, eval_every=1)
    runs = {method: execute(small.replace(method=method, merge=method == "lora"), session).summary
            for method in ("lora", "full")}
    assert all(summary.status == "finished" for summary in runs.values())
    return root, base, runs


def export_folders(runs) -> list[Path]:
    return [Path(runs["lora"].run_dir) / "adapter", Path(runs["lora"].run_dir) / "model", Path(runs["full"].run_dir) / "model"]


def test_no_file_of_an_export_holds_a_path_of_this_machine(trained):
    root, base, runs = trained
    for folder in export_folders(runs):
        for path in folder.rglob("*"):
            if path.is_file():
                raw = path.read_bytes()
                for where in {str(root), str(root.resolve()), str(Path.home())}:
                    assert where.encode() not in raw, f"{path.relative_to(root)} holds {where}"
    config = json.loads((Path(runs["lora"].run_dir) / "config.json").read_text())
    assert config["model"] == str(base), "the full path stays in the run folder"


def test_the_card_is_what_the_hub_reads(trained):
    from huggingface_hub import ModelCard

    _, _, runs = trained
    for folder in export_folders(runs):
        card = ModelCard.load(folder / "README.md")
        info = json.loads((folder / "export.json").read_text())
        assert card.data.base_model is None and card.data.license == "apache-2.0", folder  # a local folder: no Hub id
        assert "a local folder named my\\-gpt2" in (folder / "README.md").read_text(), "said in the card's text instead"
        assert card.data.datasets is None, "local data that is not SST-2 is not said to be"
        [result] = card.data.eval_results
        assert (result.task_type, result.metric_type, result.dataset_split) == ("text-classification", "accuracy", "validation")
        assert result.metric_value == pytest.approx(info["accuracy"]) and result.dataset_type == "my-reviews"
        assert set(info["versions"]) >= {"sst2-tui", "torch", "transformers", "peft"}
        assert info["model"] == "my-gpt2" and info["base_model_path"] is None
    assert json.loads((export_folders(runs)[0] / "adapter_config.json").read_text())["base_model_name_or_path"] == "my-gpt2"


def test_a_local_base_named_model_is_no_base_model_and_a_subset_is_named_as_one(tmp_path):
    """#50: a base folder named `model` was written as `base_model: model`; 64 sentences read as the
    whole validation split."""
    from huggingface_hub import ModelCard

    base = tmp_path / "model"
    base.mkdir()
    config = RunConfig(model=str(base), data="glue/rte", eval_subset=64, data_seed=3)
    card = card_text(what="model", config=config, info=ExportInfo(step=10, accuracy=0.61, run_id="01-full"), examples=64,
                     hardware="CPU", train_seconds=1.0, settings={}, hub_data=("nyu-mll/glue", "rte"))
    data = ModelCard(card).data
    assert data.base_model is None and "base_model" not in card.split("---")[1]
    [result] = data.eval_results
    assert result.dataset_split == "validation, a random 64 (data_seed 3)"
    assert result.dataset_args == {"eval_subset": 64, "data_seed": 3}
    whole = card_text(what="model", config=config.replace(eval_subset=None), examples=277, hardware="CPU",
                      info=ExportInfo(step=10, accuracy=0.61, run_id="01-full"), train_seconds=1.0, settings={},
                      hub_data=("nyu-mll/glue", "rte"))
    [result] = ModelCard(whole).data.eval_results
    assert result.dataset_split == "validation" and result.dataset_args is None


def test_sst2_from_anywhere_is_named_stanfordnlp_sst2_in_the_card():
    config = RunConfig(model="gpt2", data="/data/glue/SST-2")
    card = card_text(what="model", config=config, info=ExportInfo(step=10, accuracy=0.91, run_id="01-full"), examples=872,
                     hardware="T4", train_seconds=1.0, settings={}, is_sst2=True)
    from huggingface_hub import ModelCard

    data = ModelCard(card).data
    assert data.datasets == ["stanfordnlp/sst2"] and data.base_model == "gpt2" and data.license == "mit"
    assert data.eval_results[0].dataset_type == "stanfordnlp/sst2" and data.eval_results[0].metric_value == 0.91
    assert "/data/glue" not in card


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_SST2.is_dir(), reason="../shared/data/sst2 is not beside the checkout")
def test_a_local_copy_of_sst2_is_recognised_in_any_form_and_an_edited_one_is_not(tmp_path):
    assert load_splits(str(SHARED_SST2), eval_subset=50).is_sst2, "a GLUE folder, even when a subset is evaluated"
    dev = load_splits(str(SHARED_SST2)).validation
    reversed_copy = tmp_path / "dev.jsonl"
    reversed_copy.write_text("".join(json.dumps({"sentence": t.strip(), "label": y}) + "\n"
                                     for t, y in reversed(list(zip(dev.texts, dev.labels, strict=True)))))
    shutil.copy(SHARED_SST2 / "train.tsv", tmp_path / "train.tsv")
    assert load_splits(str(tmp_path)).is_sst2, "another format and order, the same sentences"
    from sst2_tui.core.data.loading import is_sst2_validation

    edited = Split(list(dev.texts), list(dev.labels), "x")
    edited.labels[0] = 1 - edited.labels[0]
    assert not is_sst2_validation(edited)


def test_an_adapter_whose_local_base_is_elsewhere_says_so_and_loads_with_base(trained, tmp_path, capsys):
    _, base, runs = trained
    copied = tmp_path / "downloaded" / "adapter"
    shutil.copytree(Path(runs["lora"].run_dir) / "adapter", copied)
    with pytest.raises(ModelError, match=r"its base model 'my-gpt2' was a local folder on the machine that trained it "
                                         r"and is not found here; give that folder with --base PATH"):
        Predictor.load(str(copied))
    assert main(["predict", str(copied), "--base", str(base), "a fine film"]) == 0
    answer = json.loads(capsys.readouterr().out)
    in_place = Predictor.load(str(Path(runs["lora"].run_dir) / "adapter")).predict(["a fine film"])[0]  # its run folder knows the base
    assert answer["positive_probability"] == in_place["positive_probability"]
    assert main(["predict", str(copied), "--base", str(tmp_path / "nope"), "a fine film"]) == 2
    assert capsys.readouterr().err.startswith("sst2-tui: --base ")
    assert main(["predict", runs["full"].run_dir, "--base", str(base), "a fine film"]) == 2
    assert "not an adapter (drop --base)" in capsys.readouterr().err


def test_an_export_from_a_newer_stack_that_does_not_load_names_both_versions(trained, tmp_path):
    import transformers

    _, _, runs = trained
    folder = tmp_path / "newer"
    shutil.copytree(Path(runs["full"].run_dir) / "model", folder)
    info = json.loads((folder / "export.json").read_text())
    (folder / "export.json").write_text(json.dumps({**info, "versions": {**info["versions"], "transformers": "99.0.0"}}))
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "gpt99"}))  # an architecture from the future
    with pytest.raises(ModelError) as raised:
        Predictor.load(str(folder))
    said = str(raised.value)
    assert len(said.splitlines()) == 1
    assert said.endswith(f"it was written by transformers 99.0.0 and this machine has transformers {transformers.__version__}: "
                         "pip install -U 'transformers>=99.0.0'")


def test_an_adapter_whose_hub_base_cannot_be_had_names_the_base_not_the_adapter(trained, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    _, base, runs = trained
    copied = tmp_path / "adapter"
    shutil.copytree(Path(runs["lora"].run_dir) / "adapter", copied)
    (copied / "sst2_tui_base.json").write_text(json.dumps({"model": "someorg/not-cached", "init": "pretrained", "seed": 0}))
    with pytest.raises(ModelError) as raised:
        Predictor.load(str(copied))
    said = str(raised.value)
    assert said.startswith("--model '") and ": its base model 'someorg/not-cached' cannot be loaded (" in said
    assert said.endswith("; give the base model's folder with --base PATH") and len(said.splitlines()) == 1
    assert Predictor.load(str(copied), base=str(base)).predict(["a fine film"])[0]["label"] in ("positive", "negative")
