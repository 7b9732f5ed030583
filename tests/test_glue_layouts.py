"""#48: GLUE's classification tasks in GLUE's own file layouts (fixture files written here in each
task's format, a few rows each), and GLUE on the Hub by its short names; STS-B (regression) refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from sst2_tui.core.data.files import DataChoice
from sst2_tui.core.data.loading import hub_name_and_config, load_splits
from sst2_tui.core.errors import DataError


def _tsv(path: Path, header: list[str] | None, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ([("\t".join(header))] if header else []) + ["\t".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


MNLI_TRAIN = ["index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse", "sentence1_parse",
              "sentence2_parse", "sentence1", "sentence2", "label1", "gold_label"]
MNLI_DEV = [*MNLI_TRAIN[:-2], "label1", "label2", "label3", "label4", "label5", "gold_label"]


def _mnli_row(i: int, label: str, dev: bool) -> list[str]:
    parse = "( ( A b ) . )"
    return [str(i), "1", f"{i}e", "fiction", parse, parse, parse, parse, f"premise {i} is said .", f"hypothesis {i} .",
            *([label] * (5 if dev else 1)), label]


def write_glue_task(root: Path, task: str) -> Path:
    folder = root / task
    mnli_labels = ["entailment", "neutral", "contradiction"]
    layouts = {
        "CoLA": (None, lambda i: [f"gj0{i}", str(i % 2), "" if i % 2 else "*", f"they drank the pub number {i} ."]),
        "SST-2": (["sentence", "label"], lambda i: [f"a {'fine' if i % 2 else 'dull'} film {i} ", str(i % 2)]),
        "MRPC": (["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"],
                 lambda i: [str(i % 2), f"{i}", f"{i + 100}", f"He said \"yes\" {i} .", f"he agreed {i} ."]),
        "QQP": (["id", "qid1", "qid2", "question1", "question2", "is_duplicate"],
                lambda i: [str(i), str(2 * i), str(2 * i + 1), f"how do I cook rice {i}?", f"how is rice cooked {i}?", str(i % 2)]),
        "QNLI": (["index", "question", "sentence", "label"],
                 lambda i: [str(i), f"what is {i}?", f"{i} is a number .", ["entailment", "not_entailment"][i % 2]]),
        "RTE": (["index", "sentence1", "sentence2", "label"],
                lambda i: [str(i), f"a man {i} walks .", f"someone {i} moves .", ["entailment", "not_entailment"][i % 2]]),
        "WNLI": (["index", "sentence1", "sentence2", "label"],
                 lambda i: [str(i), f"the cup {i} fell because it was weak .", f"the cup {i} was weak .", str(i % 2)]),
    }
    if task == "MNLI":
        _tsv(folder / "train.tsv", MNLI_TRAIN, [_mnli_row(i, mnli_labels[i % 3], False) for i in range(9)])
        _tsv(folder / "dev_matched.tsv", MNLI_DEV, [_mnli_row(i, mnli_labels[i % 3], True) for i in range(3)])
        _tsv(folder / "dev_mismatched.tsv", MNLI_DEV, [_mnli_row(i, mnli_labels[(i + 1) % 3], True) for i in range(4)])
        return folder
    if task == "STS-B":
        header = ["index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1", "sentence2", "score"]
        rows = [[str(i), "main", "f", "2012", str(i), "s", "s", f"a plane {i} .", f"an airplane {i} .", "4.8"] for i in range(6)]
        _tsv(folder / "train.tsv", header, rows)
        _tsv(folder / "dev.tsv", header, rows[:2])
        return folder
    header, row = layouts[task]
    _tsv(folder / "train.tsv", header, [row(i) for i in range(8)])
    _tsv(folder / "dev.tsv", header, [row(i) for i in range(4)])
    return folder


@pytest.mark.parametrize(("task", "texts", "names"), [
    ("CoLA", ("sentence",), ("negative", "positive")),  # 0/1 of single sentences, unnamed: as SST-2 names them
    ("SST-2", ("sentence",), ("negative", "positive")),
    ("MRPC", ("#1 String", "#2 String"), ("LABEL_0", "LABEL_1")),
    ("QQP", ("question1", "question2"), ("LABEL_0", "LABEL_1")),
    ("QNLI", ("question", "sentence"), ("entailment", "not_entailment")),
    ("RTE", ("sentence1", "sentence2"), ("entailment", "not_entailment")),
    ("WNLI", ("sentence1", "sentence2"), ("LABEL_0", "LABEL_1")),
    ("MNLI", ("sentence1", "sentence2"), ("contradiction", "entailment", "neutral")),
])
def test_each_glue_classification_folder_loads_in_glues_own_layout(tmp_path, task, texts, names):
    splits = load_splits(str(write_glue_task(tmp_path, task)))
    assert splits.text_columns == texts and splits.label_set.names == names
    assert (splits.train.pairs is not None) == (len(texts) == 2)
    expected_validation = 3 if task == "MNLI" else 4
    assert len(splits.validation) == expected_validation, "MNLI validates on its matched dev set by default"
    if task == "CoLA":  # no header row: the first line is an example, not column names
        assert len(splits.train) == 8 and splits.train.texts[0] == "they drank the pub number 0 ." and splits.train.labels[:2] == [0, 1]
    if task == "MRPC":
        assert splits.train.texts[1] == 'He said "yes" 1 .', "GLUE's tsv is unquoted: a quote is part of the text"


def test_mnli_mismatched_is_one_flag_away_and_a_missing_split_is_named(tmp_path):
    folder = write_glue_task(tmp_path, "MNLI")
    mismatched = load_splits(str(folder), columns=DataChoice.of(None, None, "dev_mismatched"))
    assert len(mismatched.validation) == 4 and mismatched.validation.source.endswith("dev_mismatched.tsv")
    with pytest.raises(DataError, match=r"--validation-split 'test_matched': .* has no such file \(data files there: "
                                        r"dev_matched\.tsv, dev_mismatched\.tsv, train\.tsv\)"):
        load_splits(str(folder), columns=DataChoice.of(None, None, "test_matched"))


def test_sts_b_is_refused_in_one_line_as_regression(tmp_path):
    with pytest.raises(DataError, match=r"train\.tsv row 1: a score column and no label column: a regression task"):
        load_splits(str(write_glue_task(tmp_path, "STS-B")))
    with pytest.raises(DataError, match=r"^--data glue/stsb: STS-B is a regression task"):
        load_splits("glue/stsb")


@pytest.mark.parametrize(("spec", "found"), [("glue/mrpc", ("nyu-mll/glue", "mrpc")), ("GLUE/RTE", ("nyu-mll/glue", "rte")),
                                             ("nyu-mll/glue:qnli", ("nyu-mll/glue", "qnli")), ("sst2", ("stanfordnlp/sst2", None)),
                                             ("glue/sst2", ("stanfordnlp/sst2", None)), ("owner/data", ("owner/data", None))])
def test_hub_names_with_a_config(spec, found):
    assert hub_name_and_config(spec) == found


def test_a_hub_task_validates_on_its_labelled_split_with_its_own_names(monkeypatch):
    import datasets

    import sst2_tui.core.hub as hub

    features = datasets.Features({"premise": datasets.Value("string"), "hypothesis": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["entailment", "neutral", "contradiction"])})

    def split(labels: list[int]) -> datasets.Dataset:
        return datasets.Dataset.from_dict({"premise": [f"p{i}" for i in range(len(labels))],
                                           "hypothesis": [f"h{i}" for i in range(len(labels))], "label": labels}, features=features)

    asked: list[tuple] = []

    def load_dataset(name, config=None):
        asked.append((name, config))
        return datasets.DatasetDict({"train": split([0, 1, 2, 0]), "validation_matched": split([2, 1]),
                                     "test_matched": split([-1, -1])})

    monkeypatch.setattr(hub, "require_hub", lambda *args, **kwargs: None)
    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    splits = load_splits("glue/mnli")
    assert asked == [("nyu-mll/glue", "mnli")] and splits.validation.source == "nyu-mll/glue:mnli[validation_matched]"
    assert splits.label_set.names == ("entailment", "neutral", "contradiction") and splits.validation.labels == [2, 1]
    with pytest.raises(DataError, match=r"test_matched\] row 1: field 'label' is -1, an unlabelled example"):
        load_splits("glue/mnli", columns=DataChoice.of(None, None, "test_matched"))


def test_a_sweep_over_two_data_sets_is_a_sweep_across_tasks_and_refuses_what_cannot_be_judged(tmp_path):
    from sst2_tui.core.errors import UserError
    from sst2_tui.core.sweep.grid import build_grid, check_tasks, parse_listed

    listed = {"model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo,glue/rte"]),
              "method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4"])}
    points = build_grid(listed, [0, 1])
    check_tasks(points)
    labels = [p.sweep for p in points]
    assert [(lb.task, lb.method, lb.setting) for lb in labels[:2]] == [("demo", "full", "default")] * 2
    assert {lb.task for lb in labels} == {"demo", "rte"} and all("data" not in lb.setting for lb in labels)
    assert {(lb.task, p.data) for lb, p in zip(labels, points, strict=True)} == {("demo", "demo"), ("rte", "glue/rte")}
    with pytest.raises(UserError, match=r"^sweep: --until-resolved decides one task's rounds; a sweep across 2 tasks"):
        check_tasks(points, until_resolved=True)
    listed["data"] = parse_listed("--data", ["demo", "lora=demo,glue/rte"])
    with pytest.raises(UserError, match=r"^sweep: --data full=\.\.\.: a sweep across tasks runs every method on every task"):
        check_tasks(build_grid(listed, [0]))
    listed = {"model": parse_listed("--model", ["demo"]), "eval_subset": parse_listed("--eval-subset", ["64,128"])}
    with pytest.raises(UserError, match=r"^sweep: --eval-subset has 2 values"):
        check_tasks(build_grid(listed, [0]))
    one = build_grid({"model": parse_listed("--model", ["demo"]), "lr": parse_listed("--lr", ["1e-3,3e-3"])}, [0, 1])
    check_tasks(one, until_resolved=True)
    assert {p.sweep.task for p in one} == {""}, "a sweep of one task reads as it always did"


def test_matthews_correlation_and_f1_as_glue_computes_them():
    from sst2_tui.core.inference.task_metrics import metric_value

    predicted, labels = [1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 1]  # tp 2, fp 1, tn 2, fn 1
    assert metric_value("f1", predicted, labels) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert metric_value("matthews_correlation", predicted, labels) == pytest.approx((2 * 2 - 1 * 1) / 9)
    assert metric_value("matthews_correlation", [1] * 6, labels) == 0.0, "one class answered: no correlation"
    assert metric_value("f1", [0] * 6, labels) == 0.0 and metric_value("matthews_correlation", labels, labels) == 1.0


def test_a_cola_run_reports_matthews_correlation_beside_accuracy_everywhere(tmp_path):
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.events import Eval, RunFinished
    from sst2_tui.core.report.compare import result_row
    from sst2_tui.core.text.words import event_line
    from sst2_tui.core.trackers.calls import EventTranslator, RunPlace
    from tests.helpers import drain, start

    folder = write_glue_task(tmp_path, "CoLA")
    events = drain(start(RunConfig(model="demo", data=str(folder), epochs=1, batch_size=4), tmp_path / "run")[0])
    evaluation = next(e for e in events if isinstance(e, Eval))
    summary = next(e for e in events if isinstance(e, RunFinished)).summary
    assert evaluation.metric_name == "matthews_correlation" and -1 <= evaluation.metric <= 1
    assert summary.metric_name == "matthews_correlation" and summary.best_val_metric is not None
    assert f"matthews_correlation {evaluation.metric:.4f}" in event_line(evaluation)
    assert "(MCC " in result_row("01-full", None, summary, "cpu", "finished")["best acc"]
    translator = EventTranslator(RunPlace(run_id="01-full", session="s", run_dir=tmp_path / "run", project="p"))
    translator.calls(next(e for e in events if type(e).__name__ == "RunStarted"))
    scalars = translator.calls(evaluation)[0]
    assert scalars.values["eval/matthews_correlation"] == evaluation.metric and "eval/accuracy" in scalars.values


def test_a_glue_exports_card_names_the_task_as_the_hub_does(tmp_path):
    from huggingface_hub import ModelCard

    from sst2_tui.core.config import RunConfig
    from tests.helpers import drain, start

    folder = write_glue_task(tmp_path, "MRPC")
    drain(start(RunConfig(model="demo", data=str(folder), epochs=1, batch_size=4), tmp_path / "run")[0])
    card = ModelCard.load(tmp_path / "run" / "model" / "README.md")
    assert card.data.datasets == ["nyu-mll/glue"] and "sentiment-analysis" not in card.data.tags
    [accuracy, f1] = card.data.eval_results
    assert (accuracy.dataset_type, accuracy.dataset_config, accuracy.dataset_split) == ("nyu-mll/glue", "mrpc", "validation")
    assert (accuracy.metric_type, f1.metric_type, accuracy.dataset_name) == ("accuracy", "f1", "GLUE MRPC")
    assert "2-class sentence-pair classification" in card.text and "SST-2" not in card.text
