"""#34's rough edges around sweeps: --parallel gpus without a GPU, --parallel above the cores, a
queue of 10,000 bad items, duplicated queue ids, another user's session, a died export's hidden
copy, a long --out path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.run.resume import resume_point
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage import queue_file
from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import RunFolder, Session
from tests.helpers import unfinish

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as a second local user")
DEMO = ["--model", "demo", "--data", "demo"]


def test_parallel_gpus_without_a_gpu_says_so(capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["sweep", *DEMO, "--parallel", "gpus", "--print-commands"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == "sst2-tui: --parallel gpus: no GPU is visible here; give how many points run at once on this " \
                    "machine's cores instead, e.g. --parallel 2"


def test_parallel_above_the_cores_warns_and_goes_on(capsys):
    assert main(["sweep", *DEMO, "--parallel", str((os.cpu_count() or 1) + 6), "--print-commands"]) == 0
    out, error = capsys.readouterr()
    assert "warning: --parallel" in error and "share them" in error and out.startswith("sst2-tui run ")


def test_ten_thousand_bad_queue_items_are_skipped_in_one_write_and_ids_are_unique(tmp_path, monkeypatch):
    session = Session.create(tmp_path, "s")
    bad = [{"id": f"q-{n}", "config": {"model": 5}} for n in range(10_000)]
    good = NewRun(RunConfig(model="demo", data="demo")).to_json() | {"id": "q-good"}
    twin = {**good, "config": {**good["config"], "model": "other"}}
    (session.path / "queue.json").write_text(json.dumps({"items": [*bad, good, twin]}))
    assert [e.id for e in SessionQueue(session.path).entries()] == ["q-good"], "a duplicated id is taken once"
    writes = []
    real = queue_file.atomic_write_json
    monkeypatch.setattr(queue_file, "atomic_write_json", lambda path, data: (writes.append(path), real(path, data)))
    taken = SessionQueue(session.path).take()
    assert taken.entry is not None and taken.entry.config.model == "demo" and len(taken.skipped) == 10_000
    assert len(writes) == 1 and SessionQueue(session.path).items() == []


@as_root
def test_a_session_of_another_user_gets_no_file_of_ours(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)
    with pytest.raises(UserError, match="belongs to another user"):
        Session.create(tmp_path, "theirs")
    assert list(theirs.iterdir()) == []


def test_a_died_exports_hidden_copy_is_cleaned_on_resume(tmp_path):
    config = RunConfig(model="demo", data="demo", train_subset=32, eval_subset=16, batch_size=16, epochs=1)
    run_dir = Path(execute(config, Session.create(tmp_path, "s")).summary.run_dir)
    unfinish(run_dir)
    leftover = run_dir / f".model.tmp-{os.getpid() + 1}"
    leftover.mkdir()
    (leftover / "model.safetensors").write_bytes(b"half")
    folder = RunFolder(run_dir)
    resume_point(folder, RunConfig.from_dict(json.loads(folder.config_path.read_text())))
    assert not leftover.exists() and (run_dir / "model" / "export.json").is_file()


def test_a_long_out_path_is_shortened_in_the_message(tmp_path, capsys):
    session = Session.create(tmp_path, "s")
    long_out = tmp_path / "/".join(["y" * 200] * 25)
    assert main(["report", str(session.path), "--out", str(long_out)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and len(error) < 300 and "…" in error
