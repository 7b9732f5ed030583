"""An export is swapped in by two renames; a kill at any point leaves readers the old export or
the new one, never none (it once left no model/ while complete copies sat in hidden folders)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sst2_tui.core.export.writing import export_record
from sst2_tui.core.model.loading import exported_folder
from sst2_tui.core.storage.swap import swap_in


def _export(folder: Path, step: int, complete: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    if complete:
        (folder / "export.json").write_text(json.dumps({"step": step}))
    return folder


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "01-full"
    run.mkdir()
    (run / "events.jsonl").write_text("")
    return run


def _seen(run_dir: Path) -> int | None:
    record = export_record(run_dir)
    return record.step if record else None


def test_killed_while_writing_the_new_copy(run_dir):
    _export(run_dir / "model", 10)
    _export(run_dir / ".model.tmp-999", 20, complete=False)  # its marker is written last: incomplete
    assert _seen(run_dir) == 10 and exported_folder(str(run_dir)) == run_dir / "model"


def test_killed_between_the_two_renames(run_dir):
    _export(run_dir / ".model.old-999", 10)
    _export(run_dir / ".model.tmp-999", 20)
    assert exported_folder(str(run_dir)) == run_dir / "model", "the newest complete copy is put back"
    assert _seen(run_dir) == 20


def test_killed_between_the_renames_before_the_new_copy_was_complete(run_dir):
    _export(run_dir / ".model.old-999", 10)
    _export(run_dir / ".model.tmp-999", 20, complete=False)
    assert _seen(run_dir) == 10


def test_killed_after_the_swap_and_the_next_swap_cleans_up(run_dir):
    _export(run_dir / "model", 20)
    _export(run_dir / ".model.old-999", 10)
    assert _seen(run_dir) == 20

    def write(folder: Path) -> None:
        shutil.copytree(run_dir / "model", folder)
        (folder / "export.json").write_text(json.dumps({"step": 30}))

    swap_in(run_dir / "model", write, "export.json")
    assert _seen(run_dir) == 30 and sorted(p.name for p in run_dir.iterdir()) == ["events.jsonl", "model"]


def test_a_write_that_fails_leaves_the_old_export(run_dir):
    _export(run_dir / "model", 10)

    def write(folder: Path) -> None:
        folder.mkdir()
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        swap_in(run_dir / "model", write, "export.json")
    assert _seen(run_dir) == 10 and sorted(p.name for p in run_dir.iterdir()) == ["events.jsonl", "model"]
