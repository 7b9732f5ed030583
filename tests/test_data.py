import json

import pytest

from sst2_tui.core.data.loading import load_splits
from sst2_tui.core.errors import DataError, HubUnreachable
from tests.conftest import SHARED, needs_shared, write_tsv


def test_glue_folder(glue_folder):
    splits = load_splits(str(glue_folder))
    assert len(splits.train) == 40 and len(splits.validation) == 3
    assert splits.validation.labels == [1, 0, 1]
    assert splits.validation.texts[0] == "a great film"


def test_subsets_are_seeded_and_sized(glue_folder):
    a = load_splits(str(glue_folder), seed=3, train_subset=10, eval_subset=2)
    b = load_splits(str(glue_folder), seed=3, train_subset=10, eval_subset=2)
    c = load_splits(str(glue_folder), seed=4, train_subset=10)
    assert len(a.train) == 10 and len(a.validation) == 2
    assert a.train.texts == b.train.texts
    assert a.train.texts != c.train.texts


def test_csv_with_text_column_bom_and_crlf(tmp_path):
    path = tmp_path / "reviews.csv"
    body = "text,label\r\n" + "".join(f'"good, really {i}",1\r\n"bad {i}",0\r\n' for i in range(10))
    path.write_bytes("\ufeff".encode() + body.encode())
    splits = load_splits(str(path))
    assert len(splits.train) + len(splits.validation) == 20
    assert "held out" in splits.note
    assert all(not t.endswith("\r") for t in splits.train.texts)
    assert any(t.startswith("good, really") for t in splits.train.texts + splits.validation.texts)


def test_jsonl_and_parquet_folder(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "train.jsonl").write_text("".join(json.dumps({"sentence": f"s{i}", "label": i % 2}) + "\n" for i in range(6)))
    pq.write_table(pa.table({"text": ["x", "y"], "label": [0, 1]}), folder / "validation.parquet")
    splits = load_splits(str(folder))
    assert splits.train.labels == [0, 1, 0, 1, 0, 1]
    assert splits.validation.texts == ["x", "y"]


def test_saved_dataset_folder(tmp_path):
    import datasets

    dd = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"sentence": ["a", "b", "c"], "label": [0, 1, 0]}),
        "validation": datasets.Dataset.from_dict({"sentence": ["d"], "label": [1]}),
    })
    dd.save_to_disk(str(tmp_path / "saved"))
    splits = load_splits(str(tmp_path / "saved"))
    assert splits.train.texts == ["a", "b", "c"] and splits.validation.labels == [1]


def test_demo_data_is_balanced_and_held_out():
    splits = load_splits("demo")
    assert 0.4 < sum(splits.train.labels) / len(splits.train) < 0.6
    assert len(splits.validation) > 100


@pytest.mark.parametrize(("label", "shown"), [("2", "'2'"), ("-1", "'-1'"), ("pos", "'pos'"), ("", "empty")])
def test_bad_labels_name_file_row_and_field(glue_folder, label, shown):
    write_tsv(glue_folder / "dev.tsv", [("fine", "1"), ("broken", label)])
    with pytest.raises(DataError) as caught:
        load_splits(str(glue_folder))
    message = str(caught.value)
    assert "dev.tsv row 3" in message and "'label'" in message and shown in message


def test_missing_column(tmp_path):
    path = write_tsv(tmp_path / "train.tsv", [("x", "1")], header="sentence\tsentiment")
    with pytest.raises(DataError, match=r"train.tsv row 1: no 'label' column"):
        load_splits(str(path))
    path = write_tsv(tmp_path / "t2.tsv", [("x", "1")], header="review\tlabel")
    with pytest.raises(DataError, match=r"no text column; name it `sentence` or `text`"):
        load_splits(str(path))


def test_empty_file_and_header_only(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        load_splits(str(tmp_path / "empty.csv"))
    (tmp_path / "header.csv").write_text("sentence,label\n")
    with pytest.raises(DataError, match="header.csv: has a header but no data rows"):
        load_splits(str(tmp_path / "header.csv"))


def test_empty_sentence_and_short_row(tmp_path):
    path = write_tsv(tmp_path / "a.tsv", [("ok", "1"), ("  ", "0")])
    with pytest.raises(DataError, match=r"a.tsv row 3: field 'sentence' is empty"):
        load_splits(str(path))
    (tmp_path / "b.tsv").write_text("sentence\tlabel\nok\t1\nlonely\n")
    with pytest.raises(DataError, match=r"b.tsv row 3: field 'label' is missing"):
        load_splits(str(tmp_path / "b.tsv"))


def test_very_long_line_loads(tmp_path):
    long_text = "word " * 100_000
    path = write_tsv(tmp_path / "long.tsv", [(long_text.strip(), "1"), ("short", "0"), ("x", "1")])
    splits = load_splits(str(path))
    assert max(len(t) for t in splits.train.texts + splits.validation.texts) > 400_000


def test_invalid_utf8_and_bad_json(tmp_path):
    (tmp_path / "bad.tsv").write_bytes(b"sentence\tlabel\n\xff\xfe oops\t1\n")
    with pytest.raises(DataError, match="bad.tsv: not valid UTF-8"):
        load_splits(str(tmp_path / "bad.tsv"))
    (tmp_path / "bad.jsonl").write_text('{"text": "a", "label": 1}\n{not json}\n')
    with pytest.raises(DataError, match=r"bad.jsonl row 2: not JSON"):
        load_splits(str(tmp_path / "bad.jsonl"))


def test_missing_path_and_offline_hub(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        load_splits(str(tmp_path / "nope.tsv"))
    with pytest.raises(HubUnreachable, match=r"--data stanfordnlp/sst2: HF_HUB_OFFLINE is set.*GLUE-style folder \(train.tsv, dev.tsv\)"):
        load_splits("sst2")


@needs_shared
def test_real_sst2_folder_loads_all_rows():
    splits = load_splits(str(SHARED / "data" / "sst2"))
    assert len(splits.train) == 67_349 and len(splits.validation) == 872


def test_a_lone_surrogate_in_a_data_file_is_refused_before_the_model_loads(tmp_path):
    (tmp_path / "s.jsonl").write_text('{"text": "fine", "label": 1}\n{"text": "bad \\ud800", "label": 0}\n')
    with pytest.raises(DataError, match=r"s.jsonl row 2: .*lone surrogate"):
        load_splits(str(tmp_path / "s.jsonl"))
    from sst2_tui.core.data.files import Columns, check_rows

    with pytest.raises(DataError, match=r"t.parquet row 3: field 'sentence' is not valid text"):
        check_rows(["ok", "fine", "bad \ud800"], [1, 0, 1], "t.parquet", Columns("sentence", None, "label"), first_row=1)
