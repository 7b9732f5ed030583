"""#48: any single-label text classification. Labels as numbers 0..K-1 or names, sentence pairs,
chosen columns; numbered over training and validation together; refused in one line where a
label or column cannot be used. The tiny model learns a generated 3-class set and a pair set."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from sst2_tui.core.config import ConfigError, RunConfig
from sst2_tui.core.data.batching import encode
from sst2_tui.core.data.files import DataChoice
from sst2_tui.core.data.labels import RawLabel, read_label, resolve_labels
from sst2_tui.core.data.loading import load_splits
from sst2_tui.core.errors import DataError, UserError
from sst2_tui.core.events import Eval, RunStarted
from tests.helpers import drain, start


def _raw(*values) -> list[RawLabel]:
    return [RawLabel(v, row) for row, v in enumerate(values, start=2)]


@pytest.mark.parametrize(("value", "read"), [(2, 2), (2.0, 2), ("2", 2), (" 2.0 ", 2), (True, 1), ("neutral", "neutral"),
                                             (" Positive ", "Positive")])
def test_a_label_is_a_class_number_or_a_name(value, read):
    assert read_label(value, "f.csv", 3).value == read


@pytest.mark.parametrize("value", [None, "", "  ", -2, 1.5, "3.8", "-2", float("nan")])
def test_a_label_that_is_neither_is_one_line_naming_the_row(value):
    with pytest.raises(DataError, match=r"^f\.csv row 3: field 'label' is .*; a label is a whole number from 0"):
        read_label(value, "f.csv", 3)


def test_names_are_numbered_in_sorted_order_across_both_splits():
    labels, train, validation = resolve_labels(_raw("positive", "neutral", "negative", "neutral"), _raw("negative"),
                                               "t.csv", "v.csv")
    assert labels.names == ("negative", "neutral", "positive") and train == [2, 1, 0, 1] and validation == [0]
    assert labels.id2label == {0: "negative", 1: "neutral", 2: "positive"}


def test_numbers_keep_their_ids_and_get_names_from_the_data_or_label_k():
    labels, train, _ = resolve_labels(_raw(0, 2, 1), _raw(2), "t", "v")
    assert labels.names == ("LABEL_0", "LABEL_1", "LABEL_2") and train == [0, 2, 1]
    named, _, _ = resolve_labels(_raw(0, 2, 1), _raw(2), "t", "v", names=("entailment", "neutral", "contradiction"))
    assert named.names == ("entailment", "neutral", "contradiction")
    binary, _, _ = resolve_labels(_raw(0, 1), _raw(1), "t", "v")
    assert binary.names == ("negative", "positive"), "0/1 with no names: SST-2's, as always"


def test_a_validation_label_never_seen_in_training_is_named_with_its_row():
    with pytest.raises(DataError, match=r"^v\.csv row 3: field 'label' is 'angry', a label that never appears in training "
                                        r"\(training has happy, sad\)"):
        resolve_labels(_raw("happy", "sad"), _raw("sad", "angry"), "t.csv", "v.csv")
    with pytest.raises(DataError, match=r"^v\.csv row 2: field 'label' is '4', a label that never appears in training"):
        resolve_labels(_raw(0, 1, 2), _raw(4), "t.csv", "v.csv")


def test_numbers_and_names_mixed_are_refused_at_the_first_row_of_the_other_kind():
    with pytest.raises(DataError, match=r"^t\.csv row 4: field 'label' is 'spam', but earlier rows hold numbers"):
        resolve_labels(_raw(0, 1, "spam"), _raw(0), "t.csv", "v.csv")


def _write(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> Path:
    path.write_text(delimiter.join(header) + "\n" + "".join(delimiter.join(map(str, row)) + "\n" for row in rows))
    return path


def test_a_folder_of_pair_files_is_read_as_pairs_with_named_labels(tmp_path):
    rows = [["a cat sat", "a cat slept", "same"], ["a dog ran", "the sea", "different"]] * 3
    _write(tmp_path / "train.csv", ["sentence1", "sentence2", "label"], rows)
    _write(tmp_path / "validation.csv", ["sentence1", "sentence2", "label"], rows[:2])
    splits = load_splits(str(tmp_path))
    assert splits.text_columns == ("sentence1", "sentence2") and splits.label_set.names == ("different", "same")
    assert splits.train.pairs == ["a cat slept", "the sea"] * 3 and splits.validation.labels == [1, 0]
    assert splits.validation.keys[0] == "a cat sat\ta cat slept", "a pair is identified by both its texts"


def test_columns_named_by_the_user_and_what_is_said_when_they_are_missing(tmp_path):
    data = _write(tmp_path / "tickets.tsv", ["body", "team", "priority"],
                  [["printer on fire", "it", 2], ["refund please", "billing", 1]] * 5, "\t")
    splits = load_splits(str(data), columns=DataChoice.of("body", "team"))
    assert splits.label_set.names == ("billing", "it") and len(splits.train) + len(splits.validation) == 10
    with pytest.raises(DataError, match=r"tickets\.tsv row 1: no text column; .*--text-columns A\[,B\] \(columns found: 'body'"):
        load_splits(str(data))
    with pytest.raises(DataError, match=r"--text-columns names 'subject', which is not a column"):
        load_splits(str(data), columns=DataChoice.of("subject", "team"))
    with pytest.raises(DataError, match=r"no 'label' column \(add one, or name it with --label-column"):
        load_splits(str(data), columns=DataChoice.of("body", None))


@pytest.mark.parametrize("value", ["a,b,c", ",", "a,a", " "])
def test_text_columns_names_one_or_two_different_columns(value):
    with pytest.raises(ConfigError, match="text_columns must name one column or two different ones"):
        RunConfig(text_columns=value)


def test_a_jsonl_file_with_pairs_says_the_line_a_field_is_missing_on(tmp_path):
    data = tmp_path / "nli.jsonl"
    data.write_text(json.dumps({"premise": "a", "hypothesis": "b", "label": 0}) + "\n" + json.dumps({"premise": "c", "label": 1}) + "\n")
    with pytest.raises(DataError, match=r"nli\.jsonl row 2: field 'hypothesis' is missing"):
        load_splits(str(data))


def test_gpt2_pairs_are_joined_by_its_end_of_text_token_and_cut_from_the_longer_text():
    from sst2_tui.core.model.demo import demo_tokenizer

    tokenizer = demo_tokenizer()
    eot = tokenizer.eos_token_id
    short, long = "the film is good .", " ".join(["the plot is dull and the cast is flat ."] * 20)
    encoded = encode(tokenizer, [short, long], [0, 1], 40, pairs=[long, short])
    alone = [tokenizer(text)["input_ids"] for text in (short, long)]
    first, second = encoded.ids
    assert len(first) == len(second) == 40 and encoded.type_ids is None, "GPT-2 takes no token type ids"
    assert first[:len(alone[0])] == alone[0] and first[len(alone[0])] == eot, "the short text whole, then the separator"
    assert second[-len(alone[0]):] == alone[0] and second[-len(alone[0]) - 1] == eot, "the long text was the one cut"


def test_a_bert_tokenizer_encodes_pairs_its_own_way_with_token_type_ids():
    from transformers import BertTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "cat", "dog", "sat"]
    tokenizer = BertTokenizerFast(vocab={word: index for index, word in enumerate(words)})
    encoded = encode(tokenizer, ["a cat"], [0], 16, pairs=["a dog sat"])
    assert tokenizer.convert_ids_to_tokens(encoded.ids[0]) == ["[CLS]", "a", "cat", "[SEP]", "a", "dog", "sat", "[SEP]"]
    assert encoded.type_ids == [[0, 0, 0, 0, 1, 1, 1, 1]]


COLOURS = {"red": ["ruby", "cherry", "brick", "rose"], "green": ["leaf", "moss", "lime", "fern"],
           "blue": ["sky", "sea", "navy", "ice"]}


def three_class_file(path: Path, size: int = 600, seed: int = 0) -> Path:
    """Sentences whose colour word decides the label (a name), among shared filler words."""
    rng = random.Random(seed)
    rows = []
    for _ in range(size):
        label = rng.choice(sorted(COLOURS))
        rows.append([f"the {rng.choice(['old', 'new', 'big'])} {rng.choice(COLOURS[label])} {rng.choice(['film', 'story'])} .",
                     label])
    return _write(path, ["text", "label"], rows)


def pair_file(path: Path, size: int = 600, seed: int = 1) -> Path:
    """Two sentences; the label says whether they name a thing of the same colour (0/1)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(size):
        a, b = rng.choice(sorted(COLOURS)), rng.choice(sorted(COLOURS))
        rows.append([f"a {rng.choice(COLOURS[a])} .", f"one {rng.choice(COLOURS[b])} .", int(a == b)])
    return _write(path, ["sentence1", "sentence2", "label"], rows)


def _trained(config: RunConfig, run_dir: Path) -> tuple[RunStarted, float]:
    generator, _ = start(config, run_dir)
    events = drain(generator)
    started = next(e for e in events if isinstance(e, RunStarted))
    return started, max(e.accuracy for e in events if isinstance(e, Eval))


def test_the_demo_model_learns_three_named_classes_well_above_chance(tmp_path):
    data = three_class_file(tmp_path / "colours.csv")
    _, accuracy = _trained(RunConfig(model="demo", data=str(data), epochs=2.5, batch_size=24, lr=3e-3), tmp_path / "run")
    assert accuracy >= 0.7, f"{accuracy:.2f} on three classes (chance: 0.33)"
    from transformers import AutoConfig

    saved = AutoConfig.from_pretrained(tmp_path / "run" / "model")
    assert saved.num_labels == 3 and saved.id2label == {0: "blue", 1: "green", 2: "red"}


def test_the_demo_model_learns_a_pair_task_only_a_pair_model_can(tmp_path):
    data = pair_file(tmp_path / "same_colour.csv")
    _, accuracy = _trained(RunConfig(model="demo", data=str(data), epochs=2.5, batch_size=24, lr=3e-3), tmp_path / "run")
    same = sum(1 for line in data.read_text().splitlines()[1:] if line.endswith(",1")) / 600
    assert accuracy >= max(same, 1 - same) + 0.1, f"{accuracy:.2f}; answering the majority class gives {max(same, 1 - same):.2f}"


@pytest.mark.parametrize("method", ["full", "trainer", "lora"])
def test_each_method_trains_named_classes_and_its_export_answers_with_their_names(tmp_path, method):
    data = three_class_file(tmp_path / "colours.csv", size=200)
    generator, _ = start(RunConfig(model="demo", data=str(data), method=method, epochs=1, batch_size=30), tmp_path / "run")
    events = drain(generator)
    assert any(isinstance(e, Eval) for e in events)
    from sst2_tui.core.inference.predictor import Predictor

    export = tmp_path / "run" / ("adapter" if method == "lora" else "model")
    predictor = Predictor.load(str(export), device="cpu")
    answers = predictor.predict(["the old ruby film .", "the new sky story ."])
    with pytest.raises(UserError, match="--pair: this model was trained on single sentences"):
        predictor.predict(["the old ruby film ."], pairs=["the new sky story ."])
    for answer in answers:
        assert answer["label"] in ("blue", "green", "red") and set(answer["probabilities"]) == {"blue", "green", "red"}
        assert sum(answer["probabilities"].values()) == pytest.approx(1, abs=1e-3) and "positive_probability" not in answer
    if method != "lora":
        from transformers import pipeline

        classify = pipeline("text-classification", model=str(tmp_path / "run" / "model"), device="cpu")
        assert [found["label"] for found in classify(["the old ruby film .", "the new sky story ."])] == [a["label"] for a in answers]
    card = (export / "README.md").read_text()
    assert "3-class classification" in card and "labels 0 = blue, 1 = green, 2 = red" in card and "Sentiment" not in card


@pytest.mark.parametrize("method", ["trainer", "lora"])
def test_trainer_and_lora_train_on_pairs_and_answer_pairs(tmp_path, method):
    data = pair_file(tmp_path / "same_colour.csv", size=120)
    drain(start(RunConfig(model="demo", data=str(data), method=method, epochs=1, batch_size=36), tmp_path / "run")[0])
    from sst2_tui.core.inference.predictor import Predictor

    export = tmp_path / "run" / ("adapter" if method == "lora" else "model")
    answers = Predictor.load(str(export), device="cpu").predict(["a ruby ."], pairs=["one rose ."])
    assert answers[0]["pair"] == "one rose ." and set(answers[0]["probabilities"]) == {"LABEL_0", "LABEL_1"}


def test_a_pair_models_export_reloads_with_the_pipeline_as_its_card_says(tmp_path):
    data = pair_file(tmp_path / "same_colour.csv", size=200)
    drain(start(RunConfig(model="demo", data=str(data), epochs=1, batch_size=30), tmp_path / "run")[0])
    from transformers import pipeline

    from sst2_tui.core.inference.predictor import Predictor

    predictor = Predictor.load(str(tmp_path / "run" / "model"), device="cpu")
    ours = predictor.predict(["a ruby .", "a sky ."], pairs=["one rose .", "one moss ."])
    with pytest.raises(UserError, match="trained on sentence pairs; give each example's two texts with --pair"):
        predictor.predict(["a ruby ."])
    classify = pipeline("text-classification", model=str(tmp_path / "run" / "model"), device="cpu")
    theirs = [classify({"text": a, "text_pair": "<|endoftext|>" + b}) for a, b in (("a ruby .", "one rose ."), ("a sky .", "one moss ."))]
    assert [t["label"] for t in theirs] == [o["label"] for o in ours]
    # ours runs in bf16 autocast where the CPU has it, the pipeline in fp32
    assert [t["score"] for t in theirs] == pytest.approx([max(o["probabilities"].values()) for o in ours], abs=2e-3)
    assert ours[0]["pair"] == "one rose ." and '"text_pair"' in (tmp_path / "run" / "model" / "README.md").read_text()


def test_the_report_names_a_multi_class_runs_labels_and_what_it_mixes_up(tmp_path):
    from sst2_tui.core.report.files import write_report
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session

    data = three_class_file(tmp_path / "colours.csv", size=120)
    session = Session.create(tmp_path / "sessions", "s")
    outcome = execute(RunConfig(model="demo", data=str(data), epochs=0.5, batch_size=36), session)
    assert outcome.summary.status.value == "finished"
    write_report(session.path, ("md",))
    report = (session.path / "report.md").read_text()
    assert "| confidence | label | answered | sentence |" in report, report[-1500:]
    assert "Mixed up most: " in report and " taken for " in report


def test_evaluate_matches_a_models_own_class_order_to_the_datas_by_name(tmp_path):
    """#48: a model fine-tuned elsewhere numbers its classes its own way (red, blue, green where this
    tool sorts blue, green, red): evaluate scores each answer against the class of the same name."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from sst2_tui.core.events import WarningEvent

    data = three_class_file(tmp_path / "colours.csv", size=300)
    drain(start(RunConfig(model="demo", data=str(data), epochs=1.5, batch_size=24, lr=3e-3), tmp_path / "run")[0])
    own = next(e for e in drain(start(RunConfig(model=str(tmp_path / "run" / "model"), data=str(data), method="evaluate"),
                                  tmp_path / "own")[0]) if isinstance(e, Eval)).accuracy
    assert own >= 0.6, f"the trained model scores {own:.2f} (chance 0.33)"
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "run" / "model")
    reordered = [2, 0, 1]  # red, blue, green
    with torch.no_grad():
        model.score.weight.copy_(model.score.weight[reordered].clone())
    model.config.id2label = {i: ("blue", "green", "red")[k] for i, k in enumerate(reordered)}
    model.config.label2id = {name: i for i, name in model.config.id2label.items()}
    model.save_pretrained(tmp_path / "elsewhere")
    AutoTokenizer.from_pretrained(tmp_path / "run" / "model").save_pretrained(tmp_path / "elsewhere")
    events = drain(start(RunConfig(model=str(tmp_path / "elsewhere"), data=str(data), method="evaluate"), tmp_path / "ev")[0])
    assert next(e for e in events if isinstance(e, Eval)).accuracy == pytest.approx(own)
    said = [e.message for e in events if isinstance(e, WarningEvent) and e.code == "classes_matched_by_name"]
    assert said == ["the model numbers its classes red, blue, green; each answer is matched to the data's class of the same name"]


def test_evaluate_refuses_a_model_whose_classes_the_data_does_not_name(tmp_path):
    from sst2_tui.core.data.head_order import head_order
    from sst2_tui.core.data.labels import LabelSet
    from sst2_tui.core.errors import ModelError

    colours = LabelSet(("blue", "green", "red"))
    assert head_order(["Red", "BLUE", "green"], colours, "m") == [1, 2, 0], "case aside"
    assert head_order(["blue", "green", "red"], colours, "m") is None and head_order(None, colours, "m") is None
    assert head_order(["LABEL_0", "LABEL_1", "LABEL_2"], colours, "m") is None, "the library's default names: by number"
    with pytest.raises(ModelError, match=r"--model 'm': its classes are blue, green, purple and the data's are blue, "
                                         r"green, red: red cannot be matched by name"):
        head_order(["blue", "green", "purple"], colours, "m")
    with pytest.raises(ModelError, match=r"it answers 2 classes \(negative, positive\) and the data has 3"):
        head_order(["negative", "positive"], colours, "m")
