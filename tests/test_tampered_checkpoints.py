"""A checkpoint whose manifest was rewritten to match tampered files is still refused, by the
file at fault, and the run resumes from the previous complete checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.fault_probes import STATE_TAMPERINGS, garbage_weights, manifest_files_a_list, optimizer_a_list, wrong_shape
from sst2_tui.cli.main import main
from tests.trained_runs import interrupted_run


@pytest.fixture(scope="module")
def unfinished_run(tmp_path_factory) -> Path:
    return interrupted_run(tmp_path_factory.mktemp("t"))  # tests/trained_runs.py: a copy of the shared run


@pytest.mark.parametrize("tamper", [garbage_weights, wrong_shape, optimizer_a_list, manifest_files_a_list, *STATE_TAMPERINGS],
                         ids=lambda tamper: tamper.__name__)
def test_a_tampered_checkpoint_is_skipped_for_the_previous_one(unfinished_run, tmp_path, tamper, capsys):
    import shutil

    run_dir = tmp_path / "s" / "runs" / "01-full"
    shutil.copytree(unfinished_run.parent.parent, tmp_path / "s")
    newest = sorted((run_dir / "checkpoints").glob("step-*"))[-1]
    culprit = tamper(newest)
    code = main(["run", "--resume", str(run_dir), "--quiet"])  # the command, in this process (no second torch import)
    said = capsys.readouterr()
    assert code == 0, said.err
    assert "Traceback" not in said.err
    assert "skipped damaged checkpoint" in said.err and str(newest / culprit) in said.err
    assert json.loads(said.out.strip().splitlines()[-1])["status"] == "finished"
    assert "resumed from" in (run_dir / "events.jsonl").read_text()
