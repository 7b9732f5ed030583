"""#34 items 5 and 6: a predictions file goes through one validated reader (a text-typed field is
one line, never a traceback in `report`, `sweep` or `sweep --resume`); every row carries a stable
sentence id; the verdict pairs runs by id, refuses runs scored on different sentences, and the
seeds of a sweep are scored on the same sentences (a data seed)."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from sst2_tui.core.config import RunConfig
from sst2_tui.core.data.loading import load_splits
from sst2_tui.core.inference.saved_predictions import BEST_FILE, read_predictions, sentence_ids
from sst2_tui.core.report.content import session_report
from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.storage.sessions import Session
from tests.sweep_session import recorded_sweep

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                           max_leaves=6)
ROWS = st.fixed_dictionaries({}, optional={"id": JSON_VALUES | st.text(min_size=1, max_size=8), "text": JSON_VALUES | st.text(),
                                           "label": JSON_VALUES | st.sampled_from([0, 1, "1", 1.0, True]),
                                           "p_positive": JSON_VALUES | st.floats(0, 1) | st.just("0.54"),
                                           "step": JSON_VALUES | st.integers(-2, 500)})


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(ROWS, max_size=6))
def test_any_predictions_file_reads_as_typed_rows_or_one_problem(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("p")
    (folder / BEST_FILE).write_text("".join(json.dumps(r) + "\n" for r in rows))
    read = read_predictions(folder, BEST_FILE)
    if read.problem:
        assert not read.rows and str(folder / BEST_FILE) in read.problem and "\n" not in read.problem
    for row in read.rows:
        assert row.label in (0, 1) and type(row.label) is int and 0.0 <= row.p_positive <= 1.0 and isinstance(row.text, str)
    assert len({row.id for row in read.rows}) == len(read.rows)


def test_text_typed_fields_are_named_by_file_and_line_and_the_report_and_verdict_go_on(tmp_path):
    session = recorded_sweep(tmp_path / "sessions")
    broken = session.run_folders()[1]
    lines = (broken.path / BEST_FILE).read_text().splitlines()
    row = json.loads(lines[2])
    lines[2] = json.dumps({**row, "label": str(row["label"])})
    (broken.path / BEST_FILE).write_text("\n".join(lines) + "\n")
    read = read_predictions(broken.path, BEST_FILE)
    assert read.problem and (f"{broken.path / BEST_FILE} line 3: its label is \"{row['label']}\", "
                             "not a class number (0, 1, ...)") in read.problem
    verdict = sweep_verdict(session)
    assert verdict.problem.startswith(f"{broken.run_id}'s predictions cannot be used") and not verdict.pairs
    (broken.path / "predictions.jsonl").write_text(json.dumps({**row, "p_positive": "0.54"}) + "\n")
    data = session_report(Session.open(session.path))
    assert any("its p_positive is \"0.54\"" in problem for problem in data.skipped_files)


def test_the_verdict_pairs_by_sentence_id_not_line_position(tmp_path):
    session = recorded_sweep(tmp_path / "sessions")
    before = sweep_verdict(session).pairs
    for folder in session.run_folders():
        lines = (folder.path / BEST_FILE).read_text().splitlines()
        random.Random(folder.run_id).shuffle(lines)
        (folder.path / BEST_FILE).write_text("\n".join(lines) + "\n")
    assert sweep_verdict(session).pairs == before, "a shuffled file gives the same verdict"


def test_runs_that_scored_different_sentences_are_refused_naming_them(tmp_path):
    session = recorded_sweep(tmp_path / "sessions")
    other = session.run_folders()[4]
    rows = [json.loads(line) for line in (other.path / BEST_FILE).read_text().splitlines()]
    rows[0]["text"] = "a sentence no other run saw"
    (other.path / BEST_FILE).write_text("".join(json.dumps(r) + "\n" for r in rows))
    verdict = sweep_verdict(session)
    assert not verdict.pairs
    assert f"01-full and {other.run_id} scored different validation sentences (39 shared of 40 and 40)" in verdict.problem


def test_a_duplicated_sentence_has_its_own_id_and_ids_do_not_depend_on_order():
    ids = sentence_ids(["a", "b", "a"])
    assert len(set(ids)) == 3 and ids[2] == ids[0] + "#1"
    assert sentence_ids(["b"]) == [ids[1]]


def test_seeds_take_the_same_subsets_and_hold_out_a_data_seed_picks_them(tmp_path):
    data = tmp_path / "all.csv"
    data.write_text("sentence,label\n" + "".join(f"sentence number {i},{i % 2}\n" for i in range(200)))
    validation = {seed: load_splits(str(data), seed=RunConfig(seed=seed).data_seed, train_subset=50, eval_subset=10)
                  for seed in (0, 1)}
    assert validation[0].validation.texts == validation[1].validation.texts
    assert validation[0].train.texts == validation[1].train.texts
    other = load_splits(str(data), seed=RunConfig(seed=0, data_seed=7).data_seed, train_subset=50, eval_subset=10)
    assert other.validation.texts != validation[0].validation.texts


def test_a_config_saved_before_data_seed_keeps_choosing_its_subsets_with_its_seed():
    assert RunConfig.from_dict({"seed": 5}).data_seed == 5
    assert RunConfig.from_dict({"seed": 5, "data_seed": 0}).data_seed == 0
