"""Every evaluation's per-sentence correctness (`evaluations.jsonl`): written compactly, appended
evaluation by evaluation, read back through one validated reader that never raises."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sst2_tui.core.inference.evaluation_log import FILE, append_evaluation, read_evaluations

IDS = [f"id{i:03d}" for i in range(13)]  # not a multiple of 8: the packing's padding is dropped


def _correct(seed: int) -> list[bool]:
    return [bool(b) for b in np.random.default_rng(seed).integers(0, 2, len(IDS))]


def test_evaluations_read_back_in_step_order_one_bit_a_sentence(tmp_path):
    for step, seed in ((20, 2), (10, 1), (30, 3)):
        append_evaluation(tmp_path, IDS, step, _correct(seed))
    log = read_evaluations(tmp_path)
    assert log.problem is None and log.ids == IDS and log.steps == [10, 20, 30]
    assert log.correct.shape == (3, 13) and log.correct[1].tolist() == _correct(2)
    assert log.at_step(30).tolist() == _correct(3) and log.at_step(40) is None
    assert (tmp_path / FILE).stat().st_size < 400 + 13 * 12, "the ids once, then a short line per evaluation"


def test_a_step_evaluated_again_after_a_resume_counts_once_the_latest(tmp_path):
    append_evaluation(tmp_path, IDS, 10, _correct(1))
    append_evaluation(tmp_path, IDS, 10, _correct(2))
    log = read_evaluations(tmp_path)
    assert log.steps == [10] and log.correct[0].tolist() == _correct(2)


def test_a_torn_last_line_is_left_out_and_a_damaged_line_refuses_the_file(tmp_path):
    append_evaluation(tmp_path, IDS, 10, _correct(1))
    with (tmp_path / FILE).open("a") as out:
        out.write('{"step": 20, "corr')  # killed while writing
    log = read_evaluations(tmp_path)
    assert log.problem is None and log.steps == [10]
    append_evaluation(tmp_path, IDS, 30, _correct(3))  # the resumed run: the torn piece is cut first
    assert read_evaluations(tmp_path).steps == [10, 30]
    with (tmp_path / FILE).open("a") as out:
        out.write('{"step": 30, "correct": "not base64!"}\n')
    log = read_evaluations(tmp_path)
    assert log.steps == [] and f"{tmp_path / FILE} line 4" in log.problem and "13 results packed in base64" in log.problem


def test_other_sentences_start_the_file_again(tmp_path):
    append_evaluation(tmp_path, IDS, 10, _correct(1))
    append_evaluation(tmp_path, IDS[:5], 20, [True] * 5)
    log = read_evaluations(tmp_path)
    assert log.ids == IDS[:5] and log.steps == [20]


def test_a_missing_file_has_no_evaluations_and_no_problem(tmp_path):
    log = read_evaluations(tmp_path)
    assert log.steps == [] and log.problem is None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=60), st.just(json.dumps({"sentences": IDS}).encode()),
                          st.just(b'{"step": 1, "correct": "AAA="}'), st.just(b'{"step": -1, "correct": "AAA="}')),
                max_size=5))
def test_any_bytes_give_evaluations_or_one_line_and_no_traceback(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("log")
    (folder / FILE).write_bytes(b"\n".join(lines) + b"\n")
    log = read_evaluations(folder)
    assert (log.problem is None) or (log.steps == [] and "\n" not in log.problem and str(folder / FILE) in log.problem)
    assert log.correct.shape == (len(log.steps), len(log.ids))
